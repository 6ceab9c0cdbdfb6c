"""Logs and crash reports never carry a secret; crash reports land beside the logs."""

import logging
import stat
import sys

from deskapp import bootstrap
from deskapp.credentials import SecretStore
from deskapp.diagnostics import MASK, redact, register_secret, write_crash_report


def test_known_secret_is_masked_anywhere_in_the_text():
    register_secret("s3cr3t-token-value")
    assert redact("calling with s3cr3t-token-value in the url") == f"calling with {MASK} in the url"


def test_credential_shapes_are_masked_even_when_unknown():
    line = ("headers={'api_access_token': 'abcDEF123', 'X-Shopify-Access-Token': 'shpat_999'} "
            "Authorization: Bearer eyJhbGciOi password=hunter2 AUTHENTICATE PLAIN AGJvYgBwdw==")
    out = redact(line)
    for secret in ("abcDEF123", "shpat_999", "eyJhbGciOi", "hunter2", "AGJvYgBwdw=="):
        assert secret not in out
    assert "api_access_token" in out  # the key stays so the line still makes sense


def test_prose_about_secrets_stays_readable():
    line = "the OS keyring refused to store the secret: No recommended backend was available"
    assert redact(line) == line


def test_secret_read_from_the_keyring_never_reaches_the_log_file(data_dir):
    store = SecretStore("diagnostics-test", service="deskapp-test-diag")
    store.set(11, "kr-secret-0042")
    ws = bootstrap.open_workspace(data_dir)
    try:
        logging.getLogger("deskapp.test").warning("request failed for token %s", store.get(11))
        for handler in logging.getLogger().handlers:
            handler.flush()
        text = (ws.paths.log_dir / "deskapp.log").read_text(encoding="utf-8")
        assert "request failed for token" in text
        assert "kr-secret-0042" not in text
    finally:
        ws.close()


def test_crash_report_is_written_redacted_and_owner_only(tmp_path):
    register_secret("crash-secret-77")
    try:
        raise RuntimeError("sync failed with crash-secret-77")
    except RuntimeError:
        path = write_crash_report(tmp_path / "logs", *sys.exc_info())
    text = path.read_text(encoding="utf-8")
    assert "RuntimeError: sync failed with" in text
    assert "crash-secret-77" not in text
    assert "deskapp" in text.splitlines()[0]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_logging_follows_the_workspace_to_another_data_folder(tmp_path):
    for name in ("one", "two"):
        ws = bootstrap.open_workspace(tmp_path / name)
        logging.getLogger("deskapp.test").warning("hello from %s", name)
        for handler in logging.getLogger().handlers:
            handler.flush()
        ws.close()
    assert "hello from two" in (tmp_path / "two" / "logs" / "deskapp.log").read_text(encoding="utf-8")
    assert "hello from two" not in (tmp_path / "one" / "logs" / "deskapp.log").read_text(encoding="utf-8")
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_deskapp", False)]
    assert len(ours) == 2  # one file, one stderr: never piling up
