"""The import graph of services/ and shared/, read with ast (nothing is imported, so no
module runs): services stay independent of each other, shared/ never reaches into
services/, the pure packages stay pure, and each infrastructure library has one home.

The rules
    1. A module of a service package ``services/<a>/`` imports nothing of ``services``
       outside ``services/<a>/``. The top-level modules ``services/*.py`` are the
       ``tiendo`` command itself (``cli.py``, ``status.py``, ``__main__.py``): they may
       import each other, never a service package; ``cli.py`` names each service's CLI
       module by string and loads it when its command runs.
    2. ``shared/`` imports nothing of ``services``.
    3. The pure packages import no infrastructure or presentation library (no SQL, no
       Kafka, no command line, no templates, charts or PDF), and of the project only the
       pure packages: ``shared/domain/`` itself, ``shared/scoring/`` itself and
       ``shared/domain/``.
    4. Each infrastructure library has one home: ``kafka`` is imported only in
       ``shared/kafka/``; ``sqlalchemy``, ``alembic`` and ``psycopg`` only in
       ``shared/db/``, except the few modules in :data:`EXCEPTIONS`. An exception that no
       longer happens must leave the list, so the list only shrinks.

An import counts wherever it is written (in a function, under ``TYPE_CHECKING``), relative
imports are resolved, and ``importlib.import_module("…")`` or ``__import__("…")`` with a
literal name counts as an import of that name.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("services", "shared")

PURE = {"shared.domain": ("shared.domain",), "shared.scoring": ("shared.domain", "shared.scoring")}
IMPURE_LIBRARIES = ("sqlalchemy", "alembic", "psycopg", "kafka", "click", "jinja2", "matplotlib", "weasyprint",
                    "pypdf")
HOMES = {"kafka": "shared.kafka", "sqlalchemy": "shared.db", "alembic": "shared.db", "psycopg": "shared.db"}

# (importing module, library) -> why it imports the library outside the library's home.
EXCEPTIONS = {
    ("shared.runtime", "sqlalchemy"): "Runtime.engine is annotated with the Engine it builds through shared.db",
    ("services.report.build", "sqlalchemy"): "ReportBuilder.__init__ is annotated with the Engine it hands to "
                                             "shared.db's stores (an annotation only)",
}


@dataclass(frozen=True)
class Import:
    """One import: which module imports what, and where it is written."""

    importer: str  # dotted name of the importing module
    path: str  # its file, relative to the root
    line: int
    target: str  # dotted name imported (``from a import b`` gives ``a.b``: b may be a module)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.importer} imports {self.target}"


def within(name: str, package: str) -> bool:
    """Whether the dotted ``name`` is ``package`` or inside it."""
    return name == package or name.startswith(package + ".")


def module_name(root: Path, path: Path) -> str:
    """The dotted name of the module in ``path`` (a package's ``__init__.py`` is the package)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(importer: str, is_package: bool, level: int, module: str | None) -> str:
    """The absolute name of ``from <level dots><module> import …`` written in ``importer``."""
    if level == 0:
        return module or ""
    base = importer.split(".")
    base = base[:len(base) - level + (1 if is_package else 0)]
    return ".".join(base + ([module] if module else []))


def imports_in(root: Path, path: Path) -> list[Import]:
    """Every import written in the file ``path``."""
    importer = module_name(root, path)
    is_package = path.name == "__init__.py"
    rel = path.relative_to(root).as_posix()
    found: list[Import] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=rel)):
        if isinstance(node, ast.Import):
            found += [Import(importer, rel, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(importer, is_package, node.level, node.module)
            found += [Import(importer, rel, node.lineno, f"{base}.{alias.name}" if alias.name != "*" else base)
                      for alias in node.names]
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func) and node.args:
            name = node.args[0]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                found.append(Import(importer, rel, node.lineno, name.value))
    return found


def _is_dynamic_import(func: ast.expr) -> bool:
    """Whether a call of ``func`` imports a module by name (``importlib.import_module``, ``__import__``)."""
    return (isinstance(func, ast.Attribute) and func.attr == "import_module") or (
        isinstance(func, ast.Name) and func.id in ("import_module", "__import__"))


def project_imports(root: Path) -> list[Import]:
    """Every import written in a module under services/ and shared/."""
    return [imp for package in PACKAGES for path in sorted((root / package).rglob("*.py"))
            for imp in imports_in(root, path)]


def violations(root: Path, exceptions: dict[tuple[str, str], str]) -> list[str]:
    """Every import that breaks a rule of this module's docstring, and every exception
    that no longer happens."""
    service_packages = {p.name for p in (root / "services").iterdir() if (p / "__init__.py").is_file()}
    out: list[str] = []
    used: set[tuple[str, str]] = set()
    for imp in project_imports(root):
        out += [f"{imp}: {why}" for why in (*_services_apart(imp, service_packages), *_shared_below_services(imp),
                                             *_pure(imp), *_one_home(imp, exceptions, used))]
    out += [f"{importer} no longer imports {library}: remove it from the exceptions"
            for importer, library in sorted(set(exceptions) - used)]
    return out


def _services_apart(imp: Import, service_packages: set[str]) -> list[str]:
    """Rule 1."""
    if not (within(imp.importer, "services") and within(imp.target, "services")):
        return []
    mine = _second(imp.importer)
    theirs = _second(imp.target)
    if mine in service_packages:
        return [] if theirs == mine else ["a service imports only its own package (rule 1)"]
    # a top-level module: the command itself
    return ["the top-level command names a service's module by string (rule 1)"] if theirs in service_packages else []


def _shared_below_services(imp: Import) -> list[str]:
    """Rule 2."""
    if within(imp.importer, "shared") and within(imp.target, "services"):
        return ["shared/ imports nothing of services/ (rule 2)"]
    return []


def _pure(imp: Import) -> list[str]:
    """Rule 3."""
    top = imp.target.split(".")[0]
    for pure, allowed in PURE.items():
        if not within(imp.importer, pure):
            continue
        if top in IMPURE_LIBRARIES:
            return [f"{pure} is pure (rule 3)"]
        if top in PACKAGES and not any(within(imp.target, a) for a in allowed):
            return [f"{pure} imports only {', '.join(allowed)} of the project (rule 3)"]
    return []


def _one_home(imp: Import, exceptions: dict[tuple[str, str], str], used: set[tuple[str, str]]) -> list[str]:
    """Rule 4; the exceptions that apply are added to ``used``."""
    top = imp.target.split(".")[0]
    home = HOMES.get(top)
    if home is None or within(imp.importer, home):
        return []
    if (imp.importer, top) in exceptions:
        used.add((imp.importer, top))
        return []
    return [f"only {home} imports {top} (rule 4)"]


def _second(name: str) -> str | None:
    """``b`` of ``a.b.c``; None for a single name."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else None


def test_the_project_keeps_its_import_rules():
    assert violations(ROOT, EXCEPTIONS) == []


def test_every_exception_says_why():
    assert all(reason.strip() for reason in EXCEPTIONS.values())


# ---- the checker itself, on a small tree ---------------------------------------------------
FAKE_TREE = {
    "services/__init__.py": "",
    "services/cli.py": 'COMMANDS = {"a": "services.a.cli:a"}\nfrom services.status import status\n',
    "services/status.py": "from shared.db.store import Store\n",
    "services/a/__init__.py": "",
    "services/a/cli.py": "import click\nfrom services.a import work\nfrom .work import run\n",
    "services/a/work.py": "from shared.scoring.core import fold\nfrom shared.db.store import Store\n",
    "services/b/__init__.py": "",
    "services/b/work.py": "from shared.kafka.client import Broker\n",
    "shared/__init__.py": "",
    "shared/runtime.py": "from sqlalchemy import Engine\n",
    "shared/db/__init__.py": "",
    "shared/db/store.py": "import sqlalchemy\nfrom alembic import command\n",
    "shared/kafka/__init__.py": "",
    "shared/kafka/client.py": "from kafka import KafkaProducer\n",
    "shared/domain/__init__.py": "",
    "shared/domain/catalogue.py": "import yaml\nfrom pydantic import BaseModel\n",
    "shared/scoring/__init__.py": "",
    "shared/scoring/core.py": "from shared.domain.catalogue import Target\nfrom . import rows\n",
    "shared/scoring/rows.py": "from dataclasses import dataclass\n",
}
FAKE_EXCEPTIONS = {("shared.runtime", "sqlalchemy"): "an annotation"}


def _tree(tmp_path: Path, changed: dict[str, str] | None = None) -> Path:
    """The small tree under ``tmp_path``, with the files in ``changed`` written instead."""
    for rel, text in {**FAKE_TREE, **(changed or {})}.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def _append(path: str, code: str) -> dict[str, str]:
    """``path`` of the small tree with ``code`` added at its end."""
    return {path: FAKE_TREE.get(path, "") + code}


def test_the_small_tree_keeps_the_rules(tmp_path):
    assert violations(_tree(tmp_path), FAKE_EXCEPTIONS) == []


FORBIDDEN = [
    ("services/a/work.py", "from services.b.work import x\n", "rule 1"),
    ("services/a/work.py", "from ..b import work\n", "rule 1"),
    ("services/a/work.py", "def later():\n    import services.b.work\n", "rule 1"),
    ("services/a/work.py", 'import importlib\nimportlib.import_module("services.b.work")\n', "rule 1"),
    ("services/a/work.py", "from services.cli import COMMANDS\n", "rule 1"),
    ("services/cli.py", "from services.a.cli import a\n", "rule 1"),
    ("shared/runtime.py", "from services.a.work import run\n", "rule 2"),
    ("shared/scoring/core.py", "from sqlalchemy import select\n", "rule 3"),
    ("shared/scoring/core.py", "import matplotlib.pyplot\n", "rule 3"),
    ("shared/scoring/core.py", "from shared.db.store import Store\n", "rule 3"),
    ("shared/domain/catalogue.py", "from shared.scoring.core import fold\n", "rule 3"),
    ("shared/domain/catalogue.py", "import click\n", "rule 3"),
    ("services/b/work.py", "from kafka import KafkaConsumer\n", "rule 4"),
    ("services/b/work.py", "from sqlalchemy import text\n", "rule 4"),
    ("shared/kafka/client.py", "import psycopg\n", "rule 4"),
]


@pytest.mark.parametrize(("path", "code", "rule"), FORBIDDEN,
                         ids=[f"{path}: {code.strip().splitlines()[-1].strip()}" for path, code, _ in FORBIDDEN])
def test_a_forbidden_import_is_found(tmp_path, path, code, rule):
    found = violations(_tree(tmp_path, _append(path, code)), FAKE_EXCEPTIONS)
    assert any(rule in v for v in found), found
    assert all(v.startswith(path + ":") for v in found), found


def test_an_exception_that_no_longer_happens_is_reported(tmp_path):
    root = _tree(tmp_path, {"shared/runtime.py": "from shared.db.store import Store\n"})
    assert violations(root, FAKE_EXCEPTIONS) == [
        "shared.runtime no longer imports sqlalchemy: remove it from the exceptions"]


def test_an_exception_covers_only_its_own_module(tmp_path):
    found = violations(_tree(tmp_path, _append("shared/config.py", "import sqlalchemy\n")), FAKE_EXCEPTIONS)
    assert found == ["shared/config.py:1: shared.config imports sqlalchemy: only shared.db imports sqlalchemy (rule 4)"]
