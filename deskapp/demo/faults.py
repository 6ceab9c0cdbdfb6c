"""Fault switches of the demo backend (outage, latency, 5xx, 429, resets, revoked tokens, conflicts), set at
run time over `POST /demo/faults` or in-process, and the decision each request gets from them.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, fields
from typing import Any


class FaultError(ValueError):
    """A fault setting that is not one of the known keys or has the wrong type."""


@dataclass
class Faults:
    outage: bool = False  # every API request answers 503
    latency_ms: int = 0  # added before every API answer
    error_rate: float = 0.0  # 0..1: this share of API requests answers 500/502/503 (nothing is applied)
    rate_limit: bool = False  # every API request answers 429
    retry_after: int | str | None = None  # Retry-After on 429/503: seconds, or an HTTP-date string
    # Chatwoot's rack-attack throttle: at most this many requests per client IP in each fixed window of
    # throttle_period seconds (the server's default is 3000 a minute), contacts/search 100 a window per account
    throttle_limit: int | None = None
    throttle_period: int = 60
    throttle_search_limit: int = 100
    reset_mid_body: bool = False  # the request IS applied, then the connection drops halfway through the body
    truncate_json: bool = False  # the request IS applied, the answer is cut short (valid HTTP, broken JSON)
    hang_s: float = 0.0  # sleep this long before answering (client timeouts)
    revoke_tokens: bool = False  # every API request answers 401
    conflict_resolved: bool = False  # status pushes find the conversation already resolved by another agent
    duplicate_items: bool = False  # Chatwoot pages overlap by one item; `after=` also returns the cursor's message
    unknown_enums: bool = False  # Chatwoot answers carry enum values no client knows (status, channel, ...)
    extra_fields: bool = False  # every Chatwoot object carries fields no client knows
    scope: str = "all"  # all | chatwoot | shopify: which API the faults hit
    shopify_bucket: int | None = None  # one-shot: set the Shopify cost bucket to this many points
    shopify_read_only: bool = False  # the shop app lost its write scopes: mutations answer ACCESS_DENIED
    fail_after_apply: bool = False  # a Shopify mutation IS applied, then the answer is HTTP 500
    # a Shopify mutation or a Chatwoot write waits this long, then IS applied and answered (reads are not
    # slowed): a client that timed out meanwhile does not know, and a look-up before then finds nothing yet
    slow_apply_s: float = 0.0
    cable_blocked: bool = False  # /cable upgrades answer 503 and open sockets are dropped: clients must poll

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


_TYPES: dict[str, tuple[type, ...]] = {
    "outage": (bool,), "latency_ms": (int,), "error_rate": (int, float), "rate_limit": (bool,),
    "retry_after": (int, str, type(None)), "reset_mid_body": (bool,), "truncate_json": (bool,),
    "hang_s": (int, float), "revoke_tokens": (bool,), "conflict_resolved": (bool,), "scope": (str,),
    "shopify_bucket": (int, type(None)), "duplicate_items": (bool,), "unknown_enums": (bool,),
    "extra_fields": (bool,), "throttle_limit": (int, type(None)), "throttle_period": (int,),
    "throttle_search_limit": (int,), "shopify_read_only": (bool,), "fail_after_apply": (bool,),
    "slow_apply_s": (int, float), "cable_blocked": (bool,),
}

_UNKNOWN = {"status": "escalated", "channel_type": "Channel::Tiktok", "channel": "Channel::Tiktok",
            "priority": "critical", "content_type": "sticker", "role": "owner", "sender_type": "captain"}


def distort(payload: Any, faults: Faults) -> Any:
    """The payload as a newer or quirkier server would send it (unknown enum values, unknown fields)."""
    if not (faults.unknown_enums or faults.extra_fields):
        return payload
    if isinstance(payload, list):
        return [distort(item, faults) for item in payload]
    if not isinstance(payload, dict):
        return payload
    out = {k: distort(v, faults) for k, v in payload.items()}
    if faults.unknown_enums:
        out.update({k: _UNKNOWN[k] for k in out if k in _UNKNOWN and isinstance(out[k], str)})
    if faults.extra_fields and "id" in out:
        out["x_demo_added_in_v9"] = {"nested": [1, None, "two"], "flag": True}
    return out


def parse_faults(body: Any, base: Faults | None = None) -> Faults:
    """Faults from a JSON body: missing keys take their default (or base's value when merging)."""
    if not isinstance(body, dict):
        raise FaultError("the body must be a JSON object")
    known = {f.name for f in fields(Faults)}
    unknown = set(body) - known
    if unknown:
        raise FaultError(f"unknown fault keys: {sorted(unknown)}; known: {sorted(known)}")
    values = asdict(base) if base is not None else {}
    for key, value in body.items():
        types = _TYPES[key]
        if isinstance(value, bool) and bool not in types:
            raise FaultError(f"{key} must be {types[0].__name__}")
        if not isinstance(value, types):
            raise FaultError(f"{key} must be {' or '.join(t.__name__ for t in types)}")
        values[key] = value
    faults = Faults(**values)
    if not 0.0 <= faults.error_rate <= 1.0:
        raise FaultError("error_rate must be within 0..1")
    if faults.latency_ms < 0 or faults.hang_s < 0 or faults.slow_apply_s < 0:
        raise FaultError("latency_ms, hang_s and slow_apply_s must not be negative")
    if faults.scope not in ("all", "chatwoot", "shopify"):
        raise FaultError("scope must be all, chatwoot or shopify")
    if (faults.throttle_limit is not None and faults.throttle_limit < 1) or faults.throttle_period < 1 \
            or faults.throttle_search_limit < 1:
        raise FaultError("throttle_limit, throttle_period and throttle_search_limit must be positive")
    return faults


class Throttle:
    """Rack::Attack's fixed-window counter: the key is (rule, discriminator, now // period), every request
    counts (refused ones too), and the count starts again at each window's boundary."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str, int], int] = {}

    def hit(self, rule: str, who: str, limit: int, period: int, now: float) -> bool:
        """Count one request; True when it is over the limit (answer 429)."""
        window = int(now) // period
        with self._lock:
            if len(self._counts) > 10_000:  # old windows are never read again
                self._counts = {k: v for k, v in self._counts.items() if k[2] >= window}
            key = (rule, who, window)
            self._counts[key] = count = self._counts.get(key, 0) + 1
            return count > limit


@dataclass
class Verdict:
    """What a request gets before (status) and after (mangle) it is handled."""

    delay_s: float = 0.0
    status: int | None = None  # answer with this error instead of handling the request
    mangle: str | None = None  # None | "reset" | "truncate"


class FaultBox:
    """The current faults, shared by all handler threads."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._faults = Faults()
        self._rng = random.Random(seed)

    def get(self) -> Faults:
        with self._lock:
            return self._faults

    def set(self, faults: Faults) -> None:
        with self._lock:
            self._faults = faults

    def take_bucket(self) -> int | None:
        """The one-shot bucket level, cleared as it is read."""
        with self._lock:
            level = self._faults.shopify_bucket
            if level is not None:
                self._faults = Faults(**{**asdict(self._faults), "shopify_bucket": None})
            return level

    def verdict(self, api: str) -> Verdict:
        f = self.get()
        if f.scope not in ("all", api):
            return Verdict()
        v = Verdict(delay_s=f.hang_s + f.latency_ms / 1000.0)
        if f.revoke_tokens:
            v.status = 401
        elif f.outage:
            v.status = 503
        elif f.rate_limit:
            v.status = 429
        elif f.error_rate > 0:
            with self._lock:
                roll, pick = self._rng.random(), self._rng.choice((500, 502, 503))
            if roll < f.error_rate:
                v.status = pick
        if v.status is None:
            v.mangle = "reset" if f.reset_mid_body else "truncate" if f.truncate_json else None
        return v
