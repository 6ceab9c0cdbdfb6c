"""Copilot: local triage (intent, urgency, sentiment), reply suggestions, templates, LLM drafts.

- ``triage.default_triager().triage(text)``: offline labels from the model shipped in data/ (trained by
  ``python -m deskapp.copilot.train`` from data/triage_examples.jsonl; ``evaluate`` reports accuracy).
- ``triage_hook.triage_applied``: the sync apply-hook (labels new inbound messages, rolls up).
- ``templating.render``: sandboxed Jinja2 for reply templates; ``context.build_context`` feeds it.
- ``past_replies``: the team's own replies to similar messages (FTS5 bm25); ``llm``: chat-completions client.
Use cases for the UI live in deskapp.services.suggestions, .templates and .triage.
"""
