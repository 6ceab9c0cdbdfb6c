"""Use cases the UI and the CLI call: inbox, conversation, actions, search, reports."""
