"""What a sync batch or an agent action changed in the cache, so each view refreshes only what concerns it.

The sync engine's events and the action service's results carry one; the UI merges those that arrive
close together (``|``) and asks each pane whether it is concerned.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Changes:
    """Ids of the conversations, customers and orders touched; ``counts``: view counts may differ;
    ``all``: anything may have changed (a merge, an import, a change made by another process)."""

    conversations: frozenset[int] = frozenset()
    customers: frozenset[int] = frozenset()
    orders: frozenset[int] = frozenset()
    counts: bool = False
    all: bool = False

    @classmethod
    def everything(cls) -> Changes:
        return cls(all=True, counts=True)

    @classmethod
    def of(cls, *, conversations: Iterable[int] = (), customers: Iterable[int] = (),
           orders: Iterable[int] = ()) -> Changes:
        """Touched rows; a touched conversation may have entered or left a view, so counts follow it."""
        convs = frozenset(int(c) for c in conversations)
        return cls(convs, frozenset(int(c) for c in customers), frozenset(int(o) for o in orders),
                   counts=bool(convs))

    def __or__(self, other: Changes) -> Changes:
        return Changes(self.conversations | other.conversations, self.customers | other.customers,
                       self.orders | other.orders, self.counts or other.counts, self.all or other.all)

    def __bool__(self) -> bool:
        return bool(self.all or self.counts or self.conversations or self.customers or self.orders)

    def touches_conversation(self, conversation_id: int | None) -> bool:
        return conversation_id is not None and (self.all or conversation_id in self.conversations)

    def touches_customer(self, customer_id: int | None, order_ids: Iterable[int] = ()) -> bool:
        """The customer itself, or one of the orders shown with it."""
        if customer_id is None:
            return False
        return self.all or customer_id in self.customers or not self.orders.isdisjoint(order_ids)


NOTHING = Changes()
