"""A survey tool's export for the demo world: NPS and CES answers that customers gave after their conversation
was resolved (Chatwoot itself only asks CSAT), as the CSV deskapp imports (deskapp/kpi/surveys_csv.py).

Sample data, marked as such in every row's `source`: the survey tool emails a customer a few hours to a day
after the resolution; three in ten answer. Scores follow the conversation: one answer and no reopening
make promoters and easy ratings, a long thread, a reopening or an angry start make detractors.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Mapping
from datetime import UTC, datetime

from deskapp.demo.state import DemoState
from deskapp.demo.timeline import HUMAN_REPLIES

SOURCE = "deskapp demo survey tool (sample data)"
COLUMNS = ("id", "kind", "score", "at", "conversation", "email", "comment", "source")
ANSWER_RATE = 0.3
# score -> weight, for a smooth experience and a rough one
NPS_SMOOTH = {10: 42, 9: 28, 8: 13, 7: 9, 6: 3, 5: 2, 4: 1, 3: 1, 2: 0.5, 1: 0.25, 0: 0.25}
NPS_ROUGH = {10: 14, 9: 16, 8: 16, 7: 14, 6: 10, 5: 9, 4: 6, 3: 5, 2: 4, 1: 3, 0: 3}
CES_SMOOTH = {7: 46, 6: 30, 5: 12, 4: 6, 3: 3, 2: 2, 1: 1}
CES_ROUGH = {7: 12, 6: 16, 5: 18, 4: 18, 3: 16, 2: 11, 1: 9}
COMMENTS = {
    "high": ("Quick and friendly, thanks!", "Sorted in one message.", "", "", ""),
    "middle": ("Fine in the end.", "Took a couple of emails.", "", ""),
    "low": ("Had to explain everything twice.", "Still waiting for my refund.", "Too slow.", ""),
}


def _pick(rng: random.Random, weights: Mapping[int, float]) -> int:
    return rng.choices(tuple(weights), weights=tuple(weights.values()))[0]


def survey_answers(state: DemoState) -> list[dict[str, str]]:
    """The export's rows, oldest first: the same for the same hub (seed, scale, now)."""
    w = state.world
    now = w.now
    rows = []
    with state.lock:
        conversations = list(w.conversations)
    for conv in conversations:
        if conv.status != "resolved" or conv.n_seeded == 0:
            continue
        events = w.events.slice(conv.msg_base, conv.n_seeded)
        resolved = max(e.t for e in events if e.kind == "act_resolve")
        rng = random.Random(conv.seed ^ 0x5EED)
        kind = "nps" if rng.random() < 0.5 else "ces"
        answers, rough_roll, delay = rng.random(), rng.random(), rng.randint(3 * 3600, 36 * 3600)
        if answers >= ANSWER_RATE or resolved + delay > now:
            continue
        replies = sum(e.kind in HUMAN_REPLIES for e in events)
        person = w.people[conv.person_idx]
        rough = 0.05 + 0.1 * max(0, replies - 1) + 0.3 * ("reopened" in conv.labels) \
            + 0.15 * (person.temper == "angry")
        smooth = rough_roll >= rough
        if kind == "nps":
            score = _pick(rng, NPS_SMOOTH if smooth else NPS_ROUGH)
            band = "high" if score >= 9 else "low" if score <= 6 else "middle"
        else:
            score = _pick(rng, CES_SMOOTH if smooth else CES_ROUGH)
            band = "high" if score >= 6 else "low" if score <= 3 else "middle"
        rows.append({"id": f"demo-{kind}-{conv.id}", "kind": kind, "score": str(score),
                     "at": datetime.fromtimestamp(resolved + delay, UTC).isoformat().replace("+00:00", "Z"),
                     "conversation": str(conv.id), "email": person.email,
                     "comment": rng.choice(COMMENTS[band]), "source": SOURCE})
    rows.sort(key=lambda r: (r["at"], r["id"]))
    return rows


def survey_export(state: DemoState) -> str:
    """The rows as the survey tool's CSV export (header row first)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(survey_answers(state))
    return out.getvalue()
