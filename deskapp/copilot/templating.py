"""Renders reply templates (sandboxed Jinja2) with a conversation's data, reporting problems instead of raising.

A template reads only the context it is given: the sandbox blocks attribute tricks, and budgets on
calls, loops and string repetition keep a careless template from hanging the preview.
"""

from __future__ import annotations

import contextvars
import functools
import operator
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Template, TemplateSyntaxError, Undefined, nodes
from jinja2.exceptions import SecurityError, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import missing as _NO_OWNER

MAX_OUTPUT = 20_000
MAX_SEQUENCE = 2_000
MAX_OPERATIONS = 20_000
MAX_LOOP_DEPTH = 2

# What a template may use; the manager flags anything else as unknown.
KNOWN_VARIABLES: dict[str, tuple[str, ...]] = {
    "customer": ("first_name", "last_name", "name", "email", "phone"),
    "order": ("number", "status", "financial_status", "fulfillment_status", "tracking_url", "tracking_number",
              "tracking_urls", "items", "total", "currency", "placed_at", "return_eligible", "return_deadline",
              "return_reason", "refundable_amount", "return_items"),
    "agent": ("name", "first_name", "email"),
    "conversation": ("id", "subject", "channel", "intent"),
    "shop": ("name",),
}


@dataclass(frozen=True, slots=True)
class LineItem:
    title: str
    quantity: int
    sku: str = ""

    def __str__(self) -> str:
        return f"{self.quantity} × {self.title}" if self.quantity != 1 else self.title


@dataclass
class RenderResult:
    text: str
    missing: list[str] = field(default_factory=list)  # variables the context had no value for
    error: str | None = None  # syntax or runtime error, said plainly

    @property
    def ok(self) -> bool:
        return self.error is None and not self.missing


_budget: contextvars.ContextVar[list[int]] = contextvars.ContextVar("template_budget")
_missing: contextvars.ContextVar[list[str]] = contextvars.ContextVar("template_missing")


def _spend(n: int = 1) -> None:
    budget = _budget.get(None)
    if budget is not None:
        budget[0] -= n
        if budget[0] < 0:
            raise SecurityError("the template does too much work (loop or recursion too large)")


class _RecordingUndefined(Undefined):
    """Renders as nothing, but remembers the name so the agent sees what is missing."""

    __slots__ = ()

    def _record(self) -> None:
        name = self._undefined_name or "?"
        owner = self._undefined_obj
        if owner is not None and owner is not _NO_OWNER and not isinstance(owner, Undefined):
            label = getattr(owner, "_label", None) or type(owner).__name__
            name = f"{label}.{name}"
        seen = _missing.get(None)
        if seen is not None and name not in seen:
            seen.append(name)

    def __str__(self) -> str:
        self._record()
        return ""

    def __iter__(self):
        self._record()
        return iter(())

    def __bool__(self) -> bool:
        return False  # `{% if order %}` is a template handling absence, not a missing value

    def __getattr__(self, name: str) -> Any:
        if name[:2] == "__":
            raise AttributeError(name)
        parent = self._undefined_name or "?"
        return _RecordingUndefined(name=f"{parent}.{name}")


class Namespace(dict):
    """A dict that reads as attributes in templates and names itself in 'missing' reports."""

    def __init__(self, label: str, values: dict[str, Any]) -> None:
        super().__init__(values)
        self._label = label


def _limited_range(*args: int) -> range:
    r = range(*args)
    if len(r) > MAX_SEQUENCE:
        raise SecurityError(f"range() longer than {MAX_SEQUENCE}")
    return r


class ReplyEnvironment(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+"})

    def call_binop(self, context, operator_name: str, left: Any, right: Any) -> Any:
        _spend()
        if operator_name == "**" and isinstance(right, int | float) and abs(right) > 64:
            raise SecurityError("exponent too large")
        if operator_name == "*" and any(isinstance(v, str | list | tuple) for v in (left, right)):
            count = right if isinstance(left, str | list | tuple) else left
            base = left if isinstance(left, str | list | tuple) else right
            if isinstance(count, int) and count * max(1, len(base)) > MAX_SEQUENCE:
                raise SecurityError("repeated text too long")
        op = {"*": operator.mul, "**": operator.pow, "+": operator.add}[operator_name]
        return op(left, right)

    def call(self, __context, __obj, *args, **kwargs):
        _spend()
        return super().call(__context, __obj, *args, **kwargs)

    def getattr(self, obj: Any, attribute: str) -> Any:
        _spend()
        if isinstance(obj, Namespace):
            if attribute in obj:
                return obj[attribute]
            return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _spend()
        return super().getitem(obj, argument)


ENV = ReplyEnvironment(undefined=_RecordingUndefined, autoescape=False, keep_trailing_newline=False)
ENV.globals = {"range": _limited_range}  # nothing else: no cycler/joiner/namespace/lipsum helpers


def _loop_depth(node: nodes.Node, depth: int = 0) -> int:
    here = depth + isinstance(node, nodes.For)
    return max([here] + [_loop_depth(child, here) for child in node.iter_child_nodes()])


@functools.lru_cache(maxsize=512)
def _compiled(body: str) -> Template:
    return ENV.from_string(body)


@functools.lru_cache(maxsize=512)
def _check_cached(body: str) -> tuple[str, ...]:
    return tuple(_check(body))


def check(body: str) -> list[str]:
    """Problems an editor should show before saving: syntax errors and variables the context never has."""
    return list(_check_cached(body))


def _check(body: str) -> list[str]:
    try:
        tree = ENV.parse(body)
    except TemplateSyntaxError as exc:
        return [f"line {exc.lineno}: {exc.message}"]
    problems = []
    if _loop_depth(tree) > MAX_LOOP_DEPTH:
        problems.append(f"loops nested deeper than {MAX_LOOP_DEPTH}")
    assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    for getattr_node in tree.find_all(nodes.Getattr):
        if isinstance(getattr_node.node, nodes.Name) and getattr_node.node.name in KNOWN_VARIABLES:
            allowed = KNOWN_VARIABLES[getattr_node.node.name]
            if getattr_node.attr not in allowed:
                problems.append(f"unknown variable {getattr_node.node.name}.{getattr_node.attr}")
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name not in KNOWN_VARIABLES and name.name not in assigned \
                and name.name not in ENV.globals and name.name != "loop":
            problems.append(f"unknown variable {name.name}")
    return list(dict.fromkeys(problems))


def render(body: str, context: dict[str, Any]) -> RenderResult:
    """Render ``body`` with ``context``; never raises for anything the template does."""
    problems = check(body)
    if problems and (problems[0].startswith("line ") or problems[0].startswith("loops")):
        return RenderResult("", error=problems[0])
    budget_token = _budget.set([MAX_OPERATIONS])
    missing: list[str] = []
    missing_token = _missing.set(missing)
    try:
        ctx = {k: Namespace(k, v) if isinstance(v, dict) and not isinstance(v, Namespace) else v
               for k, v in context.items()}
        out: list[str] = []
        size = 0
        for chunk in _compiled(body).generate(**ctx):
            size += len(chunk)
            if size > MAX_OUTPUT:
                too_long = f"the reply would be longer than {MAX_OUTPUT} characters"
                return RenderResult("".join(out), missing, error=too_long)
            out.append(chunk)
        unknown = [p.removeprefix("unknown variable ") for p in problems if p.startswith("unknown variable")]
        for name in unknown:
            if name not in missing:
                missing.append(name)
        return RenderResult("".join(out).strip(), missing)
    except (SecurityError, UndefinedError, TemplateError) as exc:
        return RenderResult("", missing, error=str(exc) or type(exc).__name__)
    except (ArithmeticError, TypeError, ValueError, RecursionError, LookupError) as exc:
        return RenderResult("", missing, error=f"{type(exc).__name__}: {exc}")
    finally:
        _budget.reset(budget_token)
        _missing.reset(missing_token)
