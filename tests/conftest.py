"""Fixtures every test may use: an isolated real OS keyring, a migrated cache, a profile, offscreen Qt."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("DESKAPP_DATA_DIR", None)

REPO = Path(__file__).resolve().parents[1]


def _start_session_keyring(home: Path) -> dict[str, str]:
    """A private D-Bus session with gnome-keyring's Secret Service, unlocked, in a temp HOME."""
    out = subprocess.run(
        ["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
        check=True, capture_output=True, text=True, timeout=30,
    ).stdout.split()
    env = {"DBUS_SESSION_BUS_ADDRESS": out[0], "_DESKAPP_TEST_DBUS_PID": out[1], "HOME": str(home),
           "XDG_DATA_HOME": str(home / ".local/share"), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_RUNTIME_DIR": str(home / "run")}
    (home / "run").mkdir(mode=0o700, parents=True, exist_ok=True)
    daemon = subprocess.run(
        ["gnome-keyring-daemon", "--unlock", "--components=secrets", "--daemonize"],
        input="deskapp-test", capture_output=True, text=True, check=True, timeout=30,
        env={**os.environ, **env},
    )
    for line in daemon.stdout.splitlines():
        key, _, value = line.partition("=")
        if key:
            env[key] = value
    return env


@pytest.fixture(scope="session", autouse=True)
def real_keyring() -> Iterator[dict[str, str]]:
    """Every test runs against a real, isolated Secret Service, never the developer's own keyring."""
    if not shutil.which("dbus-daemon") or not shutil.which("gnome-keyring-daemon"):
        pytest.fail("dbus-daemon and gnome-keyring-daemon are required (apt-get install dbus gnome-keyring)")
    home = Path(tempfile.mkdtemp(prefix="deskapp-home-"))
    saved = dict(os.environ)
    env = _start_session_keyring(home)
    os.environ.update(env)
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.SecretService.Keyring"
    yield env
    for pid_key in ("_DESKAPP_TEST_DBUS_PID", "GNOME_KEYRING_PID"):
        pid = env.get(pid_key)
        if pid and pid.isdigit():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), 15)
    os.environ.clear()
    os.environ.update(saved)
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(autouse=True)
def _drop_app_log_handlers() -> Iterator[None]:
    """A test that opens a workspace installs the app's log handlers on the root logger; the stderr one
    holds pytest's capture stream, closed after the test. Later tests must not log into it."""
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in before]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


@pytest.fixture
def db(data_dir: Path):
    """A migrated, empty cache database in a temp data folder."""
    from deskapp.store import migrate
    from deskapp.store.engine import Database

    database = Database(data_dir / "cache.sqlite3")
    migrate.upgrade(database)
    yield database
    database.close()


@pytest.fixture
def profile(data_dir: Path):
    """The agent's profile file, beside the cache in the same data folder."""
    from deskapp.store.profile import ProfileStore

    store = ProfileStore(data_dir / "profile.sqlite3")
    yield store
    store.close()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test hides a missing install step: fail the run instead."""
    if not os.environ.get("CI"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped:
        reporter.write_line(f"CI: {skipped} test(s) skipped; every test must run in CI", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
