"""The shape of the code, checked: the layers (import-linter contracts in pyproject.toml), one
writer of the audit log and of prepared bulk SQL, and modules small enough to read."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "baktui"
AUDIT_WRITER = PACKAGE / "data" / "audit.py"
SQL_WRITER = PACKAGE / "data" / "sql.py"
MAX_LINES = 650  # "none over ~600 lines"
WRITE_METHODS = {"insert", "insert_many", "insert_from", "create", "bulk_create", "replace",
                 "replace_many", "update", "delete", "delete_instance", "save"}  # fmt: skip


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_import_contracts_are_kept() -> None:
    """rules ← data ← services ← screens/widgets; exports import only the rules; no Textual
    below the UI; the UI never touches peewee rows (pyproject.toml [tool.importlinter])."""
    run = subprocess.run(
        [
            str(Path(sys.executable).with_name("lint-imports")),
            "--no-cache",
            "--config",
            "pyproject.toml",
        ],  # fmt: skip
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Contracts: 5 kept, 0 broken." in run.stdout


def _writes_to_audit_log(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in WRITE_METHODS
            and isinstance(node.value, ast.Name)
            and node.value.id == "AuditLog"
        ):
            lines.append(node.lineno)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value.lower()
            if "audit_log" in text and any(w in text for w in ("insert", "update ", "delete")):
                lines.append(node.lineno)
    return lines


def test_only_the_audit_module_writes_the_audit_log() -> None:
    offenders = [
        f"{_relative(path)}:{line}"
        for path in _sources()
        if path not in (AUDIT_WRITER, PACKAGE / "data" / "migrations.py")
        for line in _writes_to_audit_log(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == []


def test_only_the_sql_module_runs_executemany() -> None:
    offenders = [
        f"{_relative(path)}:{node.lineno}"
        for path in _sources()
        if path != SQL_WRITER
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if _raw_executemany(node)
    ]
    assert offenders == []


def _raw_executemany(node: ast.AST) -> bool:
    """A driver's executemany (``cursor.executemany``), not the sql module's own function."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "executemany"
        and not (isinstance(node.value, ast.Name) and node.value.id == "sql")
    )


@pytest.mark.parametrize("layer", ["rules", "data", "services", "exports", "demo", "screens",
                                   "widgets"])  # fmt: skip
def test_modules_stay_readable(layer: str) -> None:
    """One module per use case: none past ~600 lines."""
    long = {
        _relative(path): n
        for path in sorted((PACKAGE / layer).rglob("*.py"))
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_guards_can_fail() -> None:
    """The scans above recognise what they look for (so an empty result means something)."""
    sample = ast.parse(
        'AuditLog.insert(at="x").execute()\n'
        'db.execute_sql("INSERT INTO audit_log (at) VALUES (1)")\n'
        "cursor.executemany(sql, rows)\n"
    )
    assert sorted(_writes_to_audit_log(sample)) == [1, 2]
    assert [n.lineno for n in ast.walk(sample) if _raw_executemany(n)] == [3]
    assert not any(_raw_executemany(n) for n in ast.walk(ast.parse("sql.executemany(q, rows)")))


def test_every_table_shows_its_text_as_text() -> None:
    """Textual's own DataTable reads a str cell as markup (a name « Paul [/] » crashed F2):
    screens and widgets use baktui's, which never does."""
    import re

    direct = re.compile(r"^from textual\.widgets import .*\bDataTable\b", re.M)
    offenders = [
        str(path.relative_to(ROOT))
        for path in PACKAGE.rglob("*.py")
        if path.name != "data_table.py" and direct.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
