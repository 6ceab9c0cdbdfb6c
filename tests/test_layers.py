"""The layer rules of docs/architecture.md, checked by walking every module's imports (import-linter also runs)."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "deskapp"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules():
    for path in PACKAGE.rglob("*.py"):
        yield path.relative_to(PACKAGE.parent).with_suffix("").as_posix().replace("/", "."), path


def test_only_ui_imports_qt():
    offenders = [m for m, p in _modules() if not m.startswith("deskapp.ui")
                 and any(i.split(".")[0] == "PySide6" for i in _imports(p))]
    assert offenders == []


def test_only_bootstrap_imports_ui_and_only_cli_imports_bootstrap():
    for module, path in _modules():
        imported = _imports(path)
        if not module.startswith(("deskapp.ui", "deskapp.bootstrap")):
            assert not any(i.startswith("deskapp.ui") for i in imported), module
        if module != "deskapp.bootstrap" and not f"{module}.".startswith("deskapp.cli."):
            assert "deskapp.bootstrap" not in imported, module


def test_connectors_never_touch_the_database():
    for module, path in _modules():
        if module.startswith("deskapp.connectors"):
            bad = {i for i in _imports(path) if i.startswith(("deskapp.store", "sqlalchemy", "sqlite3"))}
            assert not bad, (module, bad)


def test_domain_is_plain_python():
    allowed_roots = {"__future__", "collections", "dataclasses", "datetime", "decimal", "enum", "json", "logging",
                     "math", "typing", "deskapp",
                     "phonenumbers"}
    for module, path in _modules():
        if module.startswith("deskapp.domain"):
            roots = {i.split(".")[0] for i in _imports(path)}
            assert roots <= allowed_roots, (module, roots - allowed_roots)


def test_every_module_opens_with_a_docstring():
    missing = [m for m, p in _modules() if ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) is None]
    assert missing == []
