"""The ONE retry layer every connector's HTTP goes through: timeouts, backoff, error mapping (see
docs/architecture.md, "The sync engine").

``HttpClient.request`` retries 429 (honouring ``Retry-After`` as seconds or an HTTP date), 408/5xx,
timeouts and connection resets with exponential backoff, full jitter and a cap, for a bounded number of
attempts; 401/403 raise ``AuthError``; exhaustion raises ``TransientError(retry_after=...)``.
A service that throttles in fixed windows and says nothing about when (Chatwoot's Rack::Attack: 429,
``text/plain`` "Retry later", no ``Retry-After``, counters reset on every whole minute of its clock) is
given ``throttle_window``: a 429 then waits for the window's end (read from the answer's ``Date``, else
our clock), plus a little jitter, and such waits do not use up the attempts kept for failures.
``HttpClient.call`` runs any single-attempt function under the same policy, for connectors whose
attempt is more than one request (check-then-send) or that read their own throttle signal (Shopify).
A write whose answer never came (a read timeout, a connection dropped after sending, a gateway timeout) may
still be applied after the client gave up: ``unknown_outcome`` turns such a failure into ``OutcomeUnknown``,
which no layer retries in the same pass (a look-up right away could miss the write and a resend duplicate it).
Every wait between attempts ends at once when the event given to ``stop_waiting_on`` is set (the sync
engine's stop): the call then raises ``Cancelled``, so closing the app never waits out a minute's window.
Secrets travel only in headers, which are never logged (``mask_headers`` is what may be shown).
"""

from __future__ import annotations

import json as jsonlib
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import requests
import tenacity
from urllib3.exceptions import NewConnectionError

from deskapp.connectors.base import AuthError, Cancelled, PayloadError, TransientError

log = logging.getLogger("deskapp.connectors.http")

T = TypeVar("T")

SECRET_HEADERS = frozenset({
    "authorization", "proxy-authorization", "cookie", "api_access_token", "x-shopify-access-token",
})
RETRY_STATUSES = frozenset({408, 429})
GATEWAY_TIMEOUT = 504  # a proxy gave up waiting: the service behind it may still apply the request


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers safe to show in a log or an error: secret values replaced by ``***``."""
    return {k: ("***" if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date); None if absent/garbled."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def server_time(response: requests.Response) -> float | None:
    """The answer's ``Date`` as Unix seconds (the server's clock), or None."""
    try:
        when = parsedate_to_datetime(response.headers.get("Date", ""))
    except (TypeError, ValueError, IndexError):
        return None
    return when.timestamp() if when is not None else None


class RetryableError(TransientError):
    """One attempt failed in a way worth retrying (429, 5xx, timeout, reset); ``retry_after`` is a hint.
    ``throttled``: a 429 with no hint, to wait out with the service's throttle window."""

    def __init__(self, message: str, *, retry_after: float | None = None,
                 response: requests.Response | None = None, throttled: bool = False) -> None:
        super().__init__(message, retry_after=retry_after)
        self.response = response
        self.throttled = throttled

    @property
    def status_code(self) -> int | None:
        return self.response.status_code if self.response is not None else None


class OutcomeUnknown(TransientError):
    """A write was sent and no answer came back: it may land later. Not retried in this pass; the next pass,
    ``retry_after`` seconds on, looks it up before any resend."""


def unknown_outcome_wait(timeout: float | tuple[float, float]) -> float:
    """How long a write of unknown outcome waits for its look-up: twice what one request may take to answer."""
    read = timeout[1] if isinstance(timeout, tuple) else timeout
    return 2.0 * float(read) + 1.0


def _never_sent(exc: RetryableError) -> bool:
    """The connection was never made (refused, connect timeout): the service cannot have the request."""
    cause = exc.__cause__
    if isinstance(cause, requests.ConnectTimeout):
        return True
    reason = getattr(cause.args[0], "reason", None) if isinstance(cause, requests.ConnectionError) and cause.args \
        else None
    return isinstance(reason, NewConnectionError)


def unknown_outcome(exc: RetryableError, timeout: float | tuple[float, float], what: str) -> OutcomeUnknown | None:
    """The OutcomeUnknown to raise for a failed write whose answer was lost on the way; None when the service
    answered (it is done with the request: 5xx, 429) or never got it, where a look-up and a retry now are right."""
    if (exc.response is not None and exc.status_code != GATEWAY_TIMEOUT) or _never_sent(exc):
        return None
    wait = unknown_outcome_wait(timeout)
    log.warning("%s: %s; outcome unknown, looked up in %.0f s before any resend", what, exc, wait)
    return OutcomeUnknown(f"{exc} (outcome unknown: looked up on the next pass)", retry_after=wait)


class HttpStatusError(PayloadError):
    """A non-2xx answer the caller did not expect (``.json()`` only; ``.request()`` returns those)."""

    def __init__(self, message: str, *, response: requests.Response) -> None:
        super().__init__(message)
        self.response = response
        self.status_code = response.status_code


class HttpClient:
    """A ``requests.Session`` bound to one service: base URL, auth headers, TLS verification, the retry policy."""

    def __init__(self, base_url: str, headers: Mapping[str, str], *, timeout: float | tuple[float, float] = (5, 30),
                 max_attempts: int = 5, backoff_cap: float = 30.0, sleep: Callable[[float], None] | None = None,
                 verify: bool | str = True, backoff_base: float = 0.5, max_wait: float | None = None,
                 max_body_bytes: int = 256 * 1024 * 1024, throttle_window: float | None = None,
                 max_throttled: int = 30, clock: Callable[[], float] = time.time,
                 jitter: Callable[[float, float], float] = random.uniform) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.backoff_cap = backoff_cap
        self.backoff_base = backoff_base
        # a Retry-After longer than this is not slept through in-line: the engine gets it as a hint
        self.max_wait = backoff_cap if max_wait is None else max_wait
        self.sleep = sleep  # None: wait on the stop event (tests pass a recorder instead)
        self._stop = threading.Event()  # never set unless ``stop_waiting_on`` hands over one that is
        self.max_body_bytes = max_body_bytes  # a runaway answer must not take the desktop's memory
        self.throttle_window = throttle_window
        self.max_throttled = max_throttled  # windows waited in a row for one request before giving up
        self.clock = clock
        self.jitter = jitter
        self.session = requests.Session()
        self.session.headers.update(headers)
        self.session.verify = verify

    def __repr__(self) -> str:
        return f"HttpClient({self.base_url!r}, headers={mask_headers(self.session.headers)})"

    def close(self) -> None:
        self.session.close()

    def stop_waiting_on(self, event: threading.Event) -> None:
        """Waits between attempts end at once, with Cancelled, when ``event`` is set."""
        self._stop = event

    def pause(self, seconds: float) -> None:
        """The wait between two attempts; raises Cancelled when the stop event is (or becomes) set."""
        if self.sleep is None:
            stopped = self._stop.wait(seconds)
        else:
            self.sleep(seconds)
            stopped = self._stop.is_set()
        if stopped:
            raise Cancelled(f"stopped while waiting {seconds:.1f} s to try {self.base_url} again")

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    # -- one attempt ---------------------------------------------------------------------------------
    def attempt(self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None,
                headers: Mapping[str, str] | None = None, timeout: float | tuple[float, float] | None = None,
                ) -> requests.Response:
        """Exactly one request. Raises RetryableError / AuthError / TransientError; returns other answers."""
        what = f"{method} {path}"
        started = time.monotonic()
        try:
            # no redirects: requests strips only Authorization on a cross-host hop, not our token headers
            response = self.session.request(method, self.url(path), params=params, json=json, headers=headers,
                                            timeout=timeout or self.timeout, allow_redirects=False, stream=True)
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self.max_body_bytes:
                response.close()
                raise PayloadError(f"{what}: answer of {declared} bytes is over the {self.max_body_bytes} limit")
            _ = response.content  # read the body here, where a reset mid-body is caught and retried
        except requests.exceptions.SSLError as exc:
            raise TransientError(f"{what}: TLS verification failed ({type(exc).__name__})") from exc
        except (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as exc:
            raise RetryableError(f"{what}: {type(exc).__name__}") from exc
        except requests.RequestException as exc:
            raise TransientError(f"{what}: {type(exc).__name__}: {exc}") from exc
        status = response.status_code
        log.debug("%s -> %s (%.0f ms, %d bytes)", what, status, (time.monotonic() - started) * 1000,
                  len(response.content))
        if status in (401, 403):
            body = response.content[:500].decode("utf-8", "replace")
            raise AuthError(f"{what}: HTTP {status} (credential rejected)", status=status, body=body)
        if status in RETRY_STATUSES or status >= 500:
            hint = parse_retry_after(response.headers.get("Retry-After"))
            throttled = status == 429 and hint is None and self.throttle_window is not None
            raise RetryableError(f"{what}: HTTP {status}", retry_after=hint, response=response, throttled=throttled)
        return response

    # -- the retry policy ----------------------------------------------------------------------------
    def call(self, attempt: Callable[[], T], *, what: str = "request") -> T:
        """Run ``attempt`` until it returns, retrying RetryableError: at most ``max_attempts`` failures and
        ``max_throttled`` throttle windows in a row; a hint longer than ``max_wait`` goes to the caller."""
        budget = _RetryBudget(self)
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(RetryableError), stop=budget.spent, wait=budget.wait,
            sleep=self.pause, before_sleep=budget.log, reraise=True,
        )
        try:
            return retrying(attempt)
        except RetryableError as exc:
            raise TransientError(f"{what} gave up: {exc}", retry_after=budget.hint(exc)) from exc

    def _backoff(self, exc: RetryableError, failures: int) -> float | None:
        """The service's own hint when it fits in ``max_wait`` (None: too long to wait here), else
        exponential backoff with full jitter and a cap."""
        if exc.retry_after is not None:
            return exc.retry_after if exc.retry_after <= self.max_wait else None
        return self.jitter(0.0, min(self.backoff_cap, self.backoff_base * 2 ** (failures - 1)))

    def window_wait(self, response: requests.Response | None) -> float:
        """Seconds to the end of the service's throttle window (by its clock when it says the time), plus
        1-3 s of jitter so parallel pulls do not all knock at the same instant."""
        window = float(self.throttle_window or 60.0)
        now = server_time(response) if response is not None else None
        now = self.clock() if now is None else now
        return window - (now % window) + self.jitter(1.0, 3.0)

    # -- conveniences --------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, retry: bool = True, **kw: Any) -> requests.Response:
        """One logical request under the retry policy (``retry=False``: a single attempt)."""
        if not retry:
            return self.attempt(method, path, **kw)
        return self.call(lambda: self.attempt(method, path, **kw), what=f"{method} {path}")

    def json(self, method: str, path: str, **kw: Any) -> Any:
        """``request`` + decoded JSON; any non-2xx answer raises HttpStatusError (a PayloadError)."""
        response = self.request(method, path, **kw)
        if not 200 <= response.status_code < 300:
            raise HttpStatusError(f"{method} {path}: HTTP {response.status_code}", response=response)
        return decode_json(response, f"{method} {path}")


class _RetryBudget:
    """One call's retry accounting for tenacity: failures and throttle windows are counted apart, so
    waiting out a service's rate window never uses up the attempts kept for real failures."""

    def __init__(self, client: HttpClient) -> None:
        self.client = client
        self.failures = self.throttled = 0
        self.delay: float | None = None
        self._over = False
        self._counted = 0  # the attempt already counted: tenacity asks wait and stop in either order

    def _count(self, state: tenacity.RetryCallState) -> None:
        if state.attempt_number == self._counted:
            return
        self._counted = state.attempt_number
        exc = state.outcome.exception() if state.outcome else None
        if not isinstance(exc, RetryableError):
            self.delay, self._over = None, True
        elif exc.throttled:
            self.throttled += 1
            self.delay = self.client.window_wait(exc.response)
            self._over = self.throttled > self.client.max_throttled
        else:
            self.failures += 1
            self.delay = self.client._backoff(exc, self.failures)
            self._over = self.failures >= self.client.max_attempts or self.delay is None

    def spent(self, state: tenacity.RetryCallState) -> bool:
        self._count(state)
        return self._over

    def wait(self, state: tenacity.RetryCallState) -> float:
        self._count(state)
        return self.delay or 0.0

    def log(self, state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        throttled = isinstance(exc, RetryableError) and exc.throttled
        progress = (f"throttle window {self.throttled}/{self.client.max_throttled}" if throttled
                    else f"attempt {self.failures + 1}/{self.client.max_attempts}")
        log.warning("%s; retry in %.2f s (%s)", exc, self.delay or 0.0, progress)

    def hint(self, exc: RetryableError) -> float:
        """When the caller may try again: the service's hint, the window's end, or the backoff's cap."""
        if exc.retry_after is not None:
            return exc.retry_after
        if exc.throttled and self.delay is not None:
            return self.delay
        return min(self.client.backoff_cap, self.client.backoff_base * 2 ** self.client.max_attempts)


def decode_json(response: requests.Response, what: str = "response") -> Any:
    """The JSON body, or PayloadError when it is empty, truncated or not JSON at all."""
    try:
        return jsonlib.loads(response.content)  # bytes: json detects UTF-8/16/32 itself
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        size = len(response.content)
        raise PayloadError(f"{what}: undecodable JSON body ({size} bytes): {type(exc).__name__}") from exc
