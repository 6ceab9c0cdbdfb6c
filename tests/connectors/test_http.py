"""The one retry layer against a real loopback server: 429/5xx/timeouts/resets, auth, bad JSON, secrets."""

from __future__ import annotations

import logging
import threading
import time
from email.utils import formatdate

import pytest

from deskapp.connectors.base import AuthError, Cancelled, PayloadError, TransientError
from deskapp.connectors.http import HttpClient, HttpStatusError, mask_headers, parse_retry_after
from tests.connectors.scripted_server import Reply

OK = Reply(200, {"ok": True})


def test_plain_get_sends_headers_and_decodes(server, make_http):
    server.script("GET", "/thing", OK)
    http = make_http({"api_access_token": "tok"})
    assert http.json("GET", "/thing", params={"page": 2}) == {"ok": True}
    seen = server.requests_to("/thing")[0]
    assert seen.headers["api_access_token"] == "tok" and seen.arg("page") == "2"


def test_429_honours_retry_after_seconds(server, make_http, sleeps):
    server.script("GET", "/x", Reply(429, {}, {"Retry-After": "3"}), OK)
    assert make_http().json("GET", "/x") == {"ok": True}
    assert sleeps == [3.0]


def test_429_honours_retry_after_http_date(server, make_http, sleeps):
    when = formatdate(time.time() + 4, usegmt=True)
    server.script("GET", "/x", Reply(429, {}, {"Retry-After": when}), OK)
    assert make_http().json("GET", "/x") == {"ok": True}
    assert len(sleeps) == 1 and 2.0 <= sleeps[0] <= 4.0


def test_429_without_retry_after_backs_off_with_jitter(server, make_http, sleeps):
    server.script("GET", "/x", Reply(429, {}), Reply(429, {}), Reply(429, {}), OK)
    assert make_http(backoff_cap=1.5).json("GET", "/x") == {"ok": True}
    assert len(sleeps) == 3
    # full jitter: each wait is within [0, min(cap, base * 2**n)]
    assert all(0 <= s <= min(1.5, 0.5 * 2 ** n) for n, s in enumerate(sleeps))


def test_long_retry_after_is_handed_to_the_engine_not_slept(server, make_http, sleeps):
    server.script("GET", "/x", Reply(429, {}, {"Retry-After": "600"}))
    with pytest.raises(TransientError) as err:
        make_http().json("GET", "/x")
    assert err.value.retry_after == 600.0 and sleeps == []
    assert len(server.requests_to("/x")) == 1


def test_5xx_burst_then_success(server, make_http, sleeps):
    server.script("GET", "/x", Reply(500, "oops"), Reply(502, ""), Reply(503, {}), Reply(504, {}), OK)
    assert make_http().json("GET", "/x") == {"ok": True}
    assert len(sleeps) == 4 and all(s <= 30.0 for s in sleeps)


def test_exhausted_retries_raise_transient_with_hint(server, make_http, sleeps):
    server.script("GET", "/x", Reply(503, {}))
    with pytest.raises(TransientError) as err:
        make_http(max_attempts=3).json("GET", "/x")
    assert len(server.requests_to("/x")) == 3 and len(sleeps) == 2
    assert err.value.retry_after is not None and err.value.retry_after > 0


def test_backoff_is_capped(server, make_http, sleeps):
    server.script("GET", "/x", Reply(500, {}))
    with pytest.raises(TransientError):
        make_http(max_attempts=8, backoff_cap=2.0).json("GET", "/x")
    assert len(sleeps) == 7 and max(sleeps) <= 2.0


def test_timeout_is_retried_then_succeeds(server, make_http, sleeps):
    server.script("GET", "/slow", Reply(200, {"late": True}, delay=2.0), OK)
    started = time.monotonic()
    assert make_http(timeout=(1.0, 0.2)).json("GET", "/slow") == {"ok": True}
    assert len(sleeps) == 1 and time.monotonic() - started < 1.5  # gave up on the slow answer


def test_timeouts_exhausted_is_transient(server, make_http):
    server.script("GET", "/slow", Reply(200, {}, delay=1.0))
    with pytest.raises(TransientError, match="Timeout"):
        make_http(timeout=(1.0, 0.15), max_attempts=2).json("GET", "/slow")


def test_connection_reset_mid_body_is_retried(server, make_http, sleeps):
    big = {"payload": ["x" * 100] * 200}
    server.script("GET", "/x", Reply(200, big, reset_mid_body=True), Reply(200, big))
    assert make_http().json("GET", "/x") == big
    assert len(sleeps) == 1


def test_connection_refused_is_transient(sleeps):
    http = HttpClient("http://127.0.0.1:9", {}, sleep=sleeps, max_attempts=2, timeout=(0.5, 0.5))
    with pytest.raises(TransientError):
        http.json("GET", "/x")
    assert len(sleeps) == 1


@pytest.mark.parametrize("status", [401, 403])
def test_auth_failures_raise_auth_error_without_retry(server, make_http, sleeps, status):
    server.script("GET", "/x", Reply(status, {"error": "Invalid Access Token"}))
    with pytest.raises(AuthError):
        make_http().json("GET", "/x")
    assert sleeps == [] and len(server.requests_to("/x")) == 1


@pytest.mark.parametrize("body", [b"{not json", b'{"payload": [1, 2', b"", b"\xff\xfe\x00garbage"])
def test_bad_json_is_payload_error(server, make_http, body):
    server.script("GET", "/x", Reply(200, body))
    with pytest.raises(PayloadError):
        make_http().json("GET", "/x")


def test_unexpected_4xx_is_a_status_error(server, make_http):
    server.script("GET", "/x", Reply(404, {"error": "nope"}))
    with pytest.raises(HttpStatusError) as err:
        make_http().json("GET", "/x")
    assert err.value.status_code == 404
    # request() hands 4xx back to the caller, which decides (conflicts on pushes)
    assert make_http().request("GET", "/x").status_code == 404


def test_tls_is_verified_by_default(server):
    assert HttpClient(server.url, {}).session.verify is True


def test_secrets_never_reach_logs_or_errors(server, make_http, caplog):
    secret = "s3cr3t-token-value"
    server.script("GET", "/x", Reply(500, {}), Reply(401, {}))
    http = make_http({"api_access_token": secret, "X-Shopify-Access-Token": secret})
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthError) as err:
        http.json("GET", "/x")
    assert secret not in caplog.text and secret not in str(err.value) and secret not in repr(http)
    assert mask_headers({"Authorization": "Bearer x", "Accept": "a"}) == {"Authorization": "***", "Accept": "a"}


def test_parse_retry_after_forms():
    now = 1_700_000_000.0
    assert parse_retry_after("7", now=now) == 7.0
    assert parse_retry_after(formatdate(now + 10, usegmt=True), now=now) == pytest.approx(10.0, abs=1)
    assert parse_retry_after(formatdate(now - 10, usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None and parse_retry_after(None) is None


def test_oversized_answer_is_refused_before_reading(server, make_http):
    server.script("GET", "/x", Reply(200, {"payload": ["x" * 1000] * 10}))
    with pytest.raises(PayloadError, match="over the 5000 limit"):
        make_http(max_body_bytes=5000).json("GET", "/x")
    assert make_http().json("GET", "/x")["payload"][0] == "x" * 1000


def test_redirects_are_not_followed_with_the_token(server, make_http):
    server.script("GET", "/x", Reply(302, "", {"Location": f"{server.url}/elsewhere"}))
    with pytest.raises(HttpStatusError) as err:
        make_http({"api_access_token": "tok"}).json("GET", "/x")
    assert err.value.status_code == 302 and not server.requests_to("/elsewhere")


RETRY_LATER_AT_42S = Reply(429, "Retry later\n", {"Content-Type": "text/plain",
                                                   "Date": "Thu, 09 Oct 2025 10:00:42 GMT"})


def test_429_in_a_fixed_window_waits_for_the_windows_end_by_the_servers_clock(server, make_http, sleeps):
    """Rack::Attack: no Retry-After, text/plain "Retry later", counters reset on each whole minute."""
    server.script("GET", "/x", RETRY_LATER_AT_42S, OK)
    assert make_http(throttle_window=60.0).json("GET", "/x") == {"ok": True}
    assert len(sleeps) == 1 and 18 + 1 <= sleeps[0] <= 18 + 3


def test_a_throttled_request_outlasts_the_attempts_kept_for_failures(server, make_http, sleeps):
    server.script("GET", "/x", *[RETRY_LATER_AT_42S] * 7, Reply(503, {}), OK)
    assert make_http(throttle_window=60.0, max_attempts=2).json("GET", "/x") == {"ok": True}
    assert len(sleeps) == 8 and all(s > 18 for s in sleeps[:7])


def test_without_a_date_the_window_is_read_on_our_clock(server, make_http, sleeps):
    server.script("GET", "/x", Reply(429, "Retry later\n", {"Content-Type": "text/plain", "Date": "soon"}), OK)
    http = make_http(throttle_window=60.0, clock=lambda: 1_760_000_090.0, jitter=lambda low, high: low)
    assert http.json("GET", "/x") == {"ok": True}
    assert sleeps == [10.0 + 1.0]


def test_throttled_too_long_gives_up_with_the_next_window_as_hint(server, make_http, sleeps):
    server.script("GET", "/x", RETRY_LATER_AT_42S)
    with pytest.raises(TransientError) as err:
        make_http(throttle_window=60.0, max_throttled=3).json("GET", "/x")
    assert len(sleeps) == 3 and len(server.requests_to("/x")) == 4
    assert 19 <= err.value.retry_after <= 21


def test_a_throttle_wait_ends_at_once_when_the_stop_event_is_set(server):
    """The window's wait (about 19 s by the server's clock here) is cut short by the engine's stop."""
    server.script("GET", "/x", RETRY_LATER_AT_42S)
    http = HttpClient(server.url, {}, timeout=(1.0, 1.0), throttle_window=60.0)  # the real wait, no recorder
    stop = threading.Event()
    http.stop_waiting_on(stop)
    threading.Timer(0.3, stop.set).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        http.json("GET", "/x")
    assert time.monotonic() - started < 3 and len(server.requests_to("/x")) == 1
    http.close()


def test_a_set_stop_event_cancels_the_next_wait_and_is_transient(server, make_http, sleeps):
    server.script("GET", "/x", Reply(503, {}), OK)
    http = make_http()
    stop = threading.Event()
    stop.set()
    http.stop_waiting_on(stop)
    with pytest.raises(TransientError) as err:  # Cancelled is transient: the work waits for the next pass
        http.json("GET", "/x")
    assert isinstance(err.value, Cancelled) and len(server.requests_to("/x")) == 1
    http.stop_waiting_on(threading.Event())  # a new run: waits go on as before
    assert http.json("GET", "/x") == {"ok": True}


def test_401_carries_the_start_of_the_body(server, make_http):
    server.script("GET", "/x", Reply(401, {"error": "You are not authorized to do this action"}))
    with pytest.raises(AuthError) as err:
        make_http().json("GET", "/x")
    assert err.value.status == 401 and "not authorized to do this action" in err.value.body
