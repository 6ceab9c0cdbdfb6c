"""Dashboard filters (channel, team, agent, label, intent, account) and the SQL that applies them.

Shared by the KPI queries and the drill-down, so a figure and the conversations behind it always
select the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Filters:
    """Empty tuples mean "no filter". ``agent_ids`` selects conversations assigned to those agents
    (and, for reply counts, replies those agents wrote)."""

    channels: tuple[str, ...] = ()
    team_ids: tuple[int, ...] = ()
    agent_ids: tuple[int, ...] = ()
    labels: tuple[str, ...] = ()
    intents: tuple[str, ...] = ()
    account_ids: tuple[int, ...] = ()

    @property
    def any_conversation_filter(self) -> bool:
        return bool(self.channels or self.team_ids or self.agent_ids or self.labels or self.intents
                    or self.account_ids)

    def describe(self) -> dict[str, Any]:
        return {k: list(v) for k, v in self.__dict__.items() if v}


def _in(column: str, values: tuple) -> tuple[str, list]:
    return f" AND {column} IN ({','.join('?' * len(values))})", list(values)


def conversation_where(filters: Filters, alias: str = "k", *, include_agent: bool = True,
                       include_channel: bool = True, id_column: str = "conversation_id") -> tuple[str, list]:
    """`` AND ...`` clauses on ``alias`` (kpi_conversation by default, or conversation with
    ``id_column="id"``) with their positional parameters."""
    sql, params = "", []
    parts: list[tuple[str, tuple]] = [
        (f"{alias}.account_id", filters.account_ids),
        (f"{alias}.team_id", filters.team_ids),
        (f"{alias}.intent", filters.intents),
    ]
    if include_channel:
        parts.append((f"{alias}.channel", filters.channels))
    if include_agent:
        parts.append((f"{alias}.assignee_id", filters.agent_ids))
    for column, values in parts:
        if values:
            clause, bound = _in(column, values)
            sql += clause
            params += bound
    if filters.labels:
        marks = ",".join("?" * len(filters.labels))
        sql += (f" AND EXISTS (SELECT 1 FROM conversation_label l WHERE l.conversation_id = {alias}.{id_column}"
                f" AND l.label IN ({marks}))")
        params += list(filters.labels)
    return sql, params
