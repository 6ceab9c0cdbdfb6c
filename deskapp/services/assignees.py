"""Who an assign action names, for `deskapp act ... assign`: an agent or team of the conversation's account."""

from __future__ import annotations

from deskapp.services.actions import ActionError
from deskapp.store import team_directory
from deskapp.store.engine import Database

NOBODY = ("none", "nobody", "-")


def assignee_id(db: Database, conversation_id: int, who: str, table: str = "agent") -> int | None:
    """The local id of an agent (or, with table="team", a team) named by local id, external id, email or
    name on the conversation's account; "me" is the signed-in agent, "none" unassigns (None).
    Raises ActionError when the conversation or the name is unknown."""
    if who.lower() in NOBODY:
        return None
    with db.read() as conn:
        account_id = team_directory.conversation_account(conn, conversation_id)
        if account_id is None:
            raise ActionError(f"no conversation with id {conversation_id}")
        if table == "agent" and who.lower() == "me":
            found = team_directory.my_agent_on(conn, account_id)
        else:
            found = team_directory.named_on(conn, table, account_id, who)
    if found is None:
        raise ActionError(f"no {table} '{who}' on this conversation's account")
    return int(found)
