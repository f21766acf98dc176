"""diary/ is the domain: it never imports the web framework, templates, the scheduler or server."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = {"litestar", "jinja2", "apscheduler", "server", "uvicorn", "web"}
ROOT = Path(__file__).resolve().parent.parent


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_diary_never_imports_the_web_layer():
    files = sorted((ROOT / "diary").rglob("*.py"))
    assert len(files) > 10
    offenders = {str(p.relative_to(ROOT)): sorted(imported_roots(p) & FORBIDDEN) for p in files}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_check_sees_a_forbidden_import(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("import os\nfrom litestar import get\nfrom server.app import create_app\n")
    assert imported_roots(sample) & FORBIDDEN == {"litestar", "server"}


def test_web_holds_only_templates_and_static_files():
    stray = [p for p in (ROOT / "web").rglob("*") if p.is_file() and p.suffix == ".py"]
    assert stray == []
