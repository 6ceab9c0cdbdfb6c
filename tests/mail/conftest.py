"""Real mail servers for the email tests: Debian's Dovecot with a private config and aiosmtpd,
both on 127.0.0.1, started per module and stopped by the fixture."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from imapclient import IMAPClient

from tests.window_leaks import no_window_left_behind  # noqa: F401  (autouse: no test leaves a window)

MAIL_UID = 5000
PASSWORD = "s3cret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl}
disable_plaintext_auth = no
auth_mechanisms = {mechanisms}
auth_failure_delay = 0
auth_cache_size = 0
first_valid_uid = {uid}
mail_location = maildir:~/Maildir
mail_fsync = never
default_login_user = dovenull
default_internal_user = dovecot
default_internal_group = dovecot
imap_idle_notify_interval = 1 secs
{passdb}
userdb {{
  driver = static
  args = uid={uid} gid={uid} home={root}/home/%u allow_all_users=yes
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


_STATIC_PASSDB = """\
passdb {{
  driver = static
  mechanisms = plain login
  args = password={password}
}}"""
# OAuth 2.0 (XOAUTH2 / OAUTHBEARER): Dovecot asks the identity provider to introspect each token (RFC 7662).
_OAUTH_PASSDB = """\
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/oauth2.conf.ext
}}"""
_OAUTH_SETTINGS = """\
introspection_mode = post
introspection_url = {url}
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
"""


class Dovecot:
    """A private Dovecot: ``add_user`` then talk IMAP to ``port``; ``client(user)`` is "another mail client".
    With ``oauth_url`` it also takes XOAUTH2 / OAUTHBEARER tokens, checked at that introspection endpoint."""

    def __init__(self, *, tls: bool = False, oauth_url: str | None = None) -> None:
        self.tls = tls
        self.oauth_url = oauth_url
        if not shutil.which("dovecot"):
            pytest.fail("dovecot is required (apt-get install dovecot-imapd)")
        self.root = Path(tempfile.mkdtemp(prefix="deskapp-dovecot-"))
        os.chmod(self.root, 0o755)  # noqa: S103 - Dovecot's own users must reach the config and mail
        self.port = free_port()
        self.tls_port = free_port() if tls else 0
        self.ca_file = self.root / "cert.pem"
        self.config = self.root / "dovecot.conf"
        self.users: dict[str, str] = {}
        self.process: subprocess.Popen | None = None

    def start(self) -> Dovecot:
        for name in ("run", "state", "home"):
            (self.root / name).mkdir(exist_ok=True)
            os.chmod(self.root / name, 0o755)  # noqa: S103 - as above
        os.chmod(self.root / "home", 0o1777)  # noqa: S103 - Dovecot creates each user's home as that user
        ssl_setting = "ssl = no"
        if self.tls:  # a self-signed certificate for 127.0.0.1: trusted only through the account's ca_file
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                            "-keyout", str(self.root / "key.pem"), "-out", str(self.ca_file)],
                           check=True, capture_output=True, timeout=60)
            ssl_setting = f"ssl = yes\nssl_cert = <{self.ca_file}\nssl_key = <{self.root / 'key.pem'}"
        passdb, mechanisms = _STATIC_PASSDB.format(password=PASSWORD), "plain login"
        if self.oauth_url:
            (self.root / "oauth2.conf.ext").write_text(_OAUTH_SETTINGS.format(url=self.oauth_url))
            passdb = _OAUTH_PASSDB.format(root=self.root) + "\n" + passdb
            mechanisms += " xoauth2 oauthbearer"
        self.config.write_text(_CONFIG.format(root=self.root, port=self.port, uid=MAIL_UID, passdb=passdb,
                                              mechanisms=mechanisms, ssl=ssl_setting, tls_port=self.tls_port))
        self.process = subprocess.Popen(["dovecot", "-F", "-c", str(self.config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.process.stderr.read().decode()} {self.log()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return self
            time.sleep(0.05)
        raise RuntimeError(f"dovecot did not listen: {self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def add_user(self, user: str, password: str = "") -> None:
        """Every user shares PASSWORD (a static passdb: no file for Dovecot to re-read); any other is wrong."""
        assert password in ("", PASSWORD), "test users log in with PASSWORD"
        self.users[user] = PASSWORD

    def client(self, user: str) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=30)
        client.login(user, self.users[user])
        return client

    def doveadm(self, *args: str) -> str:
        done = subprocess.run(["doveadm", "-c", str(self.config), *args], capture_output=True, text=True,
                              timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    server = Dovecot().start()
    yield server
    server.stop()


class IdentityProvider:
    """An OAuth 2.0 token introspection endpoint (RFC 7662) on loopback, as Dovecot's oauth2 passdb calls it:
    POST token=... -> {"active": true, "username": ...}. ``issue`` and ``revoke`` tokens; ``calls`` counts."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import parse_qs

        self.tokens: dict[str, str] = {}
        self.calls = 0
        provider = self

        class Introspect(BaseHTTPRequestHandler):
            def do_POST(self):
                provider.calls += 1
                length = int(self.headers.get("Content-Length") or 0)
                token = (parse_qs(self.rfile.read(length).decode()).get("token") or [""])[0]
                user = provider.user_of(token)
                body = json.dumps({"active": True, "username": user} if user else {"active": False}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Introspect)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/introspect"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def issue(self, user: str) -> str:
        token = "ya29." + secrets.token_urlsafe(24)
        self.tokens[token] = user
        return token

    def revoke(self, token: str) -> None:
        self.tokens.pop(token, None)

    def user_of(self, token: str) -> str | None:
        return self.tokens.get(token)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Gate:
    """A point where the SMTP server stops (``SmtpSink.hold``): ``reached`` once a client is there; the server
    goes on when ``release()`` is called (or the sink stops)."""

    def __init__(self, *, keep: bool = True) -> None:
        self.keep = keep
        self.reached = threading.Event()
        self.released = threading.Event()

    async def wait(self) -> None:
        import asyncio

        self.reached.set()
        while not self.released.is_set():  # the server's event loop stays free for other sessions
            await asyncio.sleep(0.02)

    def release(self) -> None:
        self.released.set()


class SmtpSink:
    """aiosmtpd on loopback with AUTH (any user, PASSWORD; no TLS needed on loopback); keeps what it accepted.
    With ``identity``, AUTH XOAUTH2 too, with that provider's tokens. Recipients at refused.example get a 550.

    ``hold("RCPT")`` stops the next transaction before its data (nothing can be delivered yet);
    ``hold("DATA")`` stops after the whole message came in and before the answer: with ``keep`` the
    message counts as received (the answer is lost if the client dies), without it it is dropped.
    ``data_reply`` answers the next message with that line instead of 250 (e.g. "451 ..."), not keeping it.
    ``data_delay`` seconds pass between taking a message and answering 250."""

    def __init__(self, *, cert: Path | None = None, key: Path | None = None,
                 identity: IdentityProvider | None = None) -> None:
        import ssl

        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        self.messages: list[tuple[str, list[str], bytes]] = []
        self.logins: list[str] = []
        self.gates: dict[str, Gate] = {}  # armed, each for one transaction
        self._made: list[Gate] = []
        self.data_reply: str | None = None
        self.data_delay = 0.0
        sink = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                gate = sink.gates.pop("RCPT", None)
                if gate is not None:
                    await gate.wait()
                if address.endswith("@refused.example"):
                    return "550 5.1.1 no such user"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                import asyncio

                gate, reply = sink.gates.pop("DATA", None), sink.data_reply
                sink.data_reply = None
                if reply is None and (gate is None or gate.keep):
                    sink.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                                          envelope.original_content or envelope.content))
                if gate is not None:
                    await gate.wait()
                if sink.data_delay:
                    await asyncio.sleep(sink.data_delay)
                return reply or ("250 OK" if gate is None or gate.keep else "451 4.3.0 message not kept")

        class OAuthHandler(Handler):
            async def auth_XOAUTH2(self, server, args):
                """RFC-less but universal: base64("user=U^Aauth=Bearer T^A^A"), checked with the provider."""
                try:
                    fields = dict(part.split("=", 1) for part in
                                  base64.b64decode(args[1]).decode().split("\x01") if part)
                    user, token = fields["user"], fields["auth"].removeprefix("Bearer ")
                except (IndexError, KeyError, ValueError):
                    return AuthResult(success=False, handled=False, message="501 5.5.2 malformed XOAUTH2 response")
                if identity is None or identity.user_of(token) != user:
                    return AuthResult(success=False, handled=False)  # not handled: the server answers 535
                sink.logins.append(user)
                return AuthResult(success=True, auth_data=LoginPassword(user.encode(), token.encode()))

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = auth_data.password.decode() == PASSWORD
            if ok:
                sink.logins.append(auth_data.login.decode())
            return AuthResult(success=ok, handled=False)  # a refusal is answered with 535, as real servers do

        self.port = free_port()
        # AUTH without TLS ("can lead to security vulnerabilities"): fine on loopback, all this binds to.
        tls: dict = {}
        if cert is not None:  # STARTTLS required, AUTH only after it
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert, key)
            tls = {"tls_context": context, "require_starttls": True}
        handler = OAuthHandler() if identity is not None else Handler()
        self.controller = Controller(handler, hostname="127.0.0.1", port=self.port, authenticator=authenticator,
                                     auth_require_tls=cert is not None, auth_required=True, **tls)

    def hold(self, stage: str, *, keep: bool = True) -> Gate:
        assert stage in ("RCPT", "DATA")
        self.gates[stage] = gate = Gate(keep=keep)
        self._made.append(gate)
        return gate

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *_exc) -> None:
        for gate in self._made:
            gate.release()
        self.controller.stop()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


def make_mail(*, sender: str = "Zoe Client <zoe@customer.example>", to: str = "support@shop.example",
              subject: str = "Where is my order #1042?", body: str = "Hello, my parcel has not arrived.",
              message_id: str | None = None, in_reply_to: str | None = None, references: str | None = None,
              date: datetime | None = None, attachment: tuple[str, bytes] | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="customer.example")
    msg["Date"] = format_datetime(date or datetime.now(UTC))
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    msg.set_content(body)
    if attachment:
        msg.add_attachment(attachment[1], maintype="application", subtype="octet-stream", filename=attachment[0])
    return msg.as_bytes()
