"""Typing and naming rules mypy cannot state: no bare ``Any`` in ui signatures, one style for Qt signal names."""

import ast
import re
from pathlib import Path

UI = Path(__file__).resolve().parents[1] / "deskapp" / "ui"

# Past-tense snake_case: the name says what happened (``conversation_opened``, ``send_requested``).
SIGNAL_NAME = re.compile(r"^[a-z]+(_[a-z]+)*$")
IRREGULAR_PAST = {"done", "shown", "sent", "chosen"}


def _trees():
    for path in sorted(UI.rglob("*.py")):
        yield path.relative_to(UI.parent.parent).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _is_bare_any(annotation: ast.expr | None) -> bool:
    """``Any``, ``typing.Any``, or a top-level union with it (``Any | None``, ``Optional[Any]``)."""
    if annotation is None:
        return False
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        return _is_bare_any(ast.parse(annotation.value, mode="eval").body)
    if isinstance(annotation, ast.Name):
        return annotation.id == "Any"
    if isinstance(annotation, ast.Attribute):
        return annotation.attr == "Any"
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return _is_bare_any(annotation.left) or _is_bare_any(annotation.right)
    if isinstance(annotation, ast.Subscript) and getattr(annotation.value, "id", "") in ("Optional", "Union"):
        inner = annotation.slice
        parts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
        return any(_is_bare_any(part) for part in parts)
    return False


def _bare_any_in_signatures(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
            params += [a for a in (args.vararg, args.kwarg) if a is not None]
            found += [f"{node.name}({p.arg})" for p in params if _is_bare_any(p.annotation)]
            if _is_bare_any(node.returns):
                found.append(f"{node.name} -> Any")
    return found


def _signal_names(tree: ast.AST) -> list[str]:
    names = []
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        for stmt in cls.body:
            value = stmt.value if isinstance(stmt, ast.Assign | ast.AnnAssign) else None
            if isinstance(value, ast.Call) and getattr(value.func, "id", getattr(value.func, "attr", "")) == "Signal":
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names


def _follows_signal_style(name: str) -> bool:
    last = name.rsplit("_", 1)[-1]
    return bool(SIGNAL_NAME.match(name)) and (last.endswith("ed") or last in IRREGULAR_PAST)


def test_no_bare_any_in_ui_signatures():
    offenders = {path: found for path, tree in _trees() if (found := _bare_any_in_signatures(tree))}
    assert offenders == {}


def test_every_ui_signal_is_named_in_past_tense_snake_case():
    offenders = {path: bad for path, tree in _trees() if (bad := [n for n in _signal_names(tree)
                                                                   if not _follows_signal_style(n)])}
    assert offenders == {}


def test_the_checks_catch_what_they_forbid():
    source = """
class Panel(QWidget):
    rowsArrived = Signal(int)
    drill = QtCore.Signal(str)
    conversation_opened = Signal(int)

    def show(self, service: Any, row: typing.Any | None = None, *rest: "Any") -> Optional[Any]:
        pass

    def fine(self, payload: dict[str, Any]) -> list[Any]:
        pass
"""
    tree = ast.parse(source)
    assert _bare_any_in_signatures(tree) == ["show(service)", "show(row)", "show(rest)", "show -> Any"]
    assert [n for n in _signal_names(tree) if not _follows_signal_style(n)] == ["rowsArrived", "drill"]
