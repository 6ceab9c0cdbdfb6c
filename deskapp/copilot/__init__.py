"""Copilot: local triage (intent, urgency, sentiment), reply suggestions, templates, LLM drafts."""
