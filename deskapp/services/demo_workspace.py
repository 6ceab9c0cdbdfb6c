"""The demo workspace behind `deskapp --demo` and the first-run dialog: an in-process demo backend plus a
Chatwoot and a Shopify account pointing at it (accounts in the profile, tokens in the keyring).

The demo server is seeded deterministically, so a second run reuses the accounts (and the cache)
of the first: only the server's address and tokens are refreshed. The demo hub account signs in as
the demo's agent or, to show what a supervisor gets, as its administrator (``switch_demo_role``).
NPS and CES answers come the way a team gets them, from a survey tool's CSV export: the demo ships a
sample one (``survey_import_hook``), imported once the hub's conversations are in the cache.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from deskapp.credentials import CredentialError, SecretStore, SessionSecretStore
from deskapp.domain import AccountKind
from deskapp.kpi.surveys_csv import import_answers
from deskapp.services import accounts as account_service
from deskapp.store.engine import Database
from deskapp.store.profile import ProfileStore

log = logging.getLogger(__name__)

DEMO_FLAG = "demo"
ROLE_SETTING = "demo_role"
DEMO_ROLES = ("agent", "supervisor")  # the demo server's default token (agent 2) and its supervisor_token
SURVEY_EXPORT = "demo-survey-export.csv"  # in the data folder: the demo survey tool's sample export


class _Workspace(Protocol):
    db: Database
    secrets: SecretStore
    profile: ProfileStore
    notice: str | None


@dataclass
class DemoWorkspace:
    """A running demo backend and the two account ids registered for it."""

    server: Any
    info: dict[str, Any]
    chatwoot_account_id: int
    shopify_account_id: int
    role: str = "agent"
    outage: str | None = None  # the service whose outage is simulated (set_demo_outage), None: none
    bot: Any = None  # the agent bot beside the hub (services.bot_demo.DemoBot), with start_demo(bot=True)

    def stop(self) -> None:
        try:
            if self.bot is not None:
                self.bot.stop()
            self.server.stop()
        except Exception:  # stopping on exit must never turn a clean exit into a crash
            log.exception("stopping the demo server failed")


def _demo_accounts(ws: _Workspace) -> dict[str, int]:
    found: dict[str, int] = {}
    for account in account_service.list_accounts(ws):
        if account.settings.get(DEMO_FLAG):
            found.setdefault(str(account.kind), account.id)
    return found


def _check_role(role: str) -> None:
    if role not in DEMO_ROLES:
        raise ValueError(f"unknown demo role {role!r} (expected one of {', '.join(DEMO_ROLES)})")


def _role_token(info: dict[str, Any], role: str) -> str:
    token: str = info["supervisor_token"] if role == "supervisor" else info["chatwoot_token"]
    return token


def _point_accounts_at(ws: _Workspace, info: dict[str, Any], role: str) -> tuple[int, int]:
    """Both demo accounts (created on first use) pointed at the running server: (chatwoot id, shopify id)."""
    existing = _demo_accounts(ws)
    chatwoot_settings = {"account_id": info["chatwoot_account_id"], DEMO_FLAG: True, ROLE_SETTING: role}
    if "chatwoot" in existing:
        chatwoot = existing["chatwoot"]
        account_service.update_account(ws, chatwoot, base_url=info["url"], settings=chatwoot_settings,
                                       secret=_role_token(info, role))
    else:
        chatwoot = account_service.add_account(ws, AccountKind.CHATWOOT, "Demo support hub", info["url"],
                                               _role_token(info, role), chatwoot_settings)
    shop_url = info.get("shop_url") or info["url"]
    if "shopify" in existing:
        shopify = existing["shopify"]
        account_service.update_account(ws, shopify, base_url=shop_url, settings={DEMO_FLAG: True},
                                       secret=info["shopify_token"])
    else:
        shopify = account_service.add_account(ws, AccountKind.SHOPIFY, "Demo shop", shop_url,
                                              info["shopify_token"], {DEMO_FLAG: True})
    return chatwoot, shopify


def start_demo(ws: _Workspace, *, seed: int = 1, scale: str = "small", live: bool = True,
               live_interval: float = 5.0, role: str = "agent", now: int | None = None,
               floor_agents: int = 0, bot: bool = False) -> DemoWorkspace:
    """Start the demo backend on loopback and make sure both demo accounts point at it, the hub account
    signed in as ``role`` ("agent" or "supervisor"); ``now`` pins the end of the seeded history;
    ``floor_agents`` (0: off) simulates a floor of that many agents; ``bot`` runs `deskapp bot` beside the
    hub, and a customer asks it "where is my order #1234?" moments later."""
    from deskapp.demo.server import DemoServer

    _check_role(role)
    server = DemoServer(seed=seed, scale=scale, live=live, live_interval=live_interval, port=0, host="127.0.0.1",
                        now=now, floor_agents=floor_agents)
    info = server.start()
    try:
        try:
            chatwoot, shopify = _point_accounts_at(ws, info, role)
        except CredentialError as exc:
            # No usable OS keyring (a bare desktop, a container): the demo's own tokens may live in memory for
            # this session; real accounts still need the keyring and say so when added.
            log.warning("no usable OS keyring (%s); the demo's tokens are kept in memory for this session", exc)
            ws.secrets = SessionSecretStore(ws.secrets.profile_id)
            chatwoot, shopify = _point_accounts_at(ws, info, role)
            note = ("No OS keyring is available, so the demo's tokens are kept in memory for this session only. "
                    "Real accounts need a keyring (GNOME Keyring or KWallet, macOS Keychain, Windows Credential "
                    "Manager).")
            ws.notice = f"{ws.notice}\n\n{note}" if getattr(ws, "notice", None) else note
        demo_bot = _start_bot(server) if bot else None
    except Exception:
        server.stop()
        raise
    return DemoWorkspace(server=server, info=info, chatwoot_account_id=chatwoot, shopify_account_id=shopify,
                         role=role, bot=demo_bot)


def _start_bot(server: Any) -> Any:
    from deskapp.services.bot_demo import ask_later, start_demo_bot

    demo_bot = start_demo_bot(server, ":memory:")  # the demo's bot keeps its small state for the session only
    ask_later(demo_bot, "where is my order #1234?", order_number=1234, delay_s=3.0)
    return demo_bot


def switch_demo_role(ws: _Workspace, demo: DemoWorkspace, role: str, *, engine: Any = None) -> None:
    """Sign the demo hub account in as ``role``: its token in the keyring is replaced and the sync
    ``engine``, if given, starts a pass of the account (after the one running, if any) with the new token;
    the pass's first stream, the profile, tells the cache who is signed in now. Touches the keyring:
    call it off the GUI thread."""
    _check_role(role)
    account = account_service.get_account(ws, demo.chatwoot_account_id)
    account_service.update_account(ws, account.id, settings={**account.settings, ROLE_SETTING: role},
                                   secret=_role_token(demo.info, role))
    demo.role = role
    if engine is not None:
        engine.forget_connector(account.id)  # the next pass builds its connector with the new token
        engine.request_sync(account.id)


OUTAGES = ("chatwoot", "shopify")  # which of the demo's services can be switched off: the hub, the shop


def set_demo_outage(demo: DemoWorkspace, scope: str | None, *, engine: Any = None) -> None:
    """Simulate an outage of the demo hub (``"chatwoot"``) or shop (``"shopify"``): every request to it
    answers 503 until ``scope`` is None again. When it ends, the ``engine``, if given, starts a pass of both
    accounts at once, so what was queued meanwhile is sent and the cache catches up without waiting."""
    if scope is not None and scope not in OUTAGES:
        raise ValueError(f"unknown demo outage {scope!r}")
    if scope is None:
        demo.server.set_faults()
    else:
        demo.server.set_faults(outage=True, scope=scope)
    demo.outage = scope
    if scope is None and engine is not None:
        for account_id in (demo.chatwoot_account_id, demo.shopify_account_id):
            engine.request_sync(account_id)


def survey_import_hooks(demo: DemoWorkspace, folder: str | Path) -> tuple[Any, ...]:
    """The sync apply hook that imports the demo's sample survey export (NPS and CES answers of a survey tool,
    deskapp/demo/surveys.py; written to ``folder``) as ``deskapp import surveys`` would, once per run: in the
    transaction of the hub account's first ``csat`` batch, the stream that follows its conversations, so every
    answer finds its conversation (and agent). Re-importing updates the same rows. No hook (and a log line)
    when the export cannot be written: the demo then runs without NPS and CES."""
    from deskapp.demo.surveys import survey_export

    path = Path(folder) / SURVEY_EXPORT
    try:
        path.write_text(survey_export(demo.server.state), encoding="utf-8")
    except OSError:
        log.exception("the demo survey export could not be written; the demo runs without NPS and CES")
        return ()
    done = False

    def hook(conn: Any, changes: Any) -> None:
        nonlocal done
        if done or changes.account_id != demo.chatwoot_account_id or changes.stream != "csat":
            return
        done = True
        result = import_answers(conn, path, ZoneInfo("UTC"))
        log.info("demo survey export %s: %d answers imported, %d updated, %d skipped (sample data)", path,
                 result.imported, result.updated, len(result.errors))

    return (hook,)
