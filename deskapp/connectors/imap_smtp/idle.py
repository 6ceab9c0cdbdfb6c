"""IMAP IDLE push for the mail connector: a thread that waits on INBOX and calls back on any change.

The engine's loop polls every N seconds; this makes new mail show within a second instead. The
watcher re-issues IDLE before the 29-minute limit of RFC 2177 and reconnects with capped backoff
when the connection drops or the server restarts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from deskapp.connectors.base import AuthError
from deskapp.connectors.imap_smtp.config import MailConfig
from deskapp.connectors.imap_smtp.imap import ImapSession

log = logging.getLogger(__name__)

RENEW_SECONDS = 25 * 60


class IdleWatcher:
    """``start()`` a daemon thread calling ``on_change()`` whenever ``folder`` changes; ``stop()`` ends it."""

    def __init__(self, config: MailConfig, secret: Callable[[], str], on_change: Callable[[], None], *,
                 folder: str = "INBOX", poll: float = 1.0, max_backoff: float = 60.0) -> None:
        self.config = config
        self.secret = secret
        self.on_change = on_change
        self.folder = folder
        self.poll = poll
        self.max_backoff = max_backoff
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected = threading.Event()  # set while an IDLE is running (tests wait on it)
        self.reconnects = 0

    def start(self) -> IdleWatcher:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"imap-idle-{self.config.host}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        backoff = 1.0
        while not self._stop.is_set():
            session = ImapSession(self.config, self.secret)
            try:
                self._idle(session)
                backoff = 1.0
            except AuthError as exc:
                log.warning("IDLE on %s stopped: %s", self.config.host, exc)
                return  # a bad credential does not get better by retrying
            except Exception as exc:
                log.info("IDLE on %s dropped (%s); reconnecting in %.0fs", self.config.host, exc, backoff)
                self.reconnects += 1
            finally:
                self.connected.clear()
                session.close()
            if self._stop.wait(backoff):
                return
            backoff = min(self.max_backoff, backoff * 2)

    def _idle(self, session: ImapSession) -> None:
        client = session.client
        client.select_folder(self.folder, readonly=True)
        while not self._stop.is_set():
            client.idle()
            self.connected.set()
            changed = False
            waited = 0.0
            try:
                while not self._stop.is_set() and waited < RENEW_SECONDS:
                    responses = client.idle_check(timeout=self.poll)
                    waited += self.poll
                    if any(_is_change(r) for r in responses):
                        changed = True
                        break
            finally:
                client.idle_done()
            if changed:
                try:
                    self.on_change()
                except Exception:  # the listener's bug must not end push
                    log.exception("IDLE change listener failed")


def _is_change(response) -> bool:
    return isinstance(response, tuple) and len(response) >= 2 and response[1] in (b"EXISTS", b"EXPUNGE", b"FETCH")
