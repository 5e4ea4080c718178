"""Where a line belongs, checked on every run.

* The import rules (views call services, stores know no HTTP, only report views open the gate,
  each plane reaches another's data through its services) are import-linter contracts in
  ``pyproject.toml``; :func:`test_the_import_contracts_hold` runs them, and the tests below
  make sure their module lists name every view and store module of the tree.
* SQL runs only in store modules; transactions and audit entries are opened and written only in
  service modules. A few modules sit outside the layers on purpose, each named with its reason.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "appliance"
SQL_CALLS = {"execute", "executemany", "executescript"}

# Modules that run SQL without being an area's store, each for a stated reason.
SQL_ELSEWHERE = {
    "db.py": "the connection itself: pragmas, transactions, the write lock, the rebuild",
    "web.py": "the request's connection is rolled back if a page left a transaction open",
    "groupcommit.py": "the submissions' group commit, a measured fast path on the raw connection",
    "schema.py": "runs the migrations and keeps their bookkeeping table",
    "reports/gate.py": "the aggregate gate's own read-only connection and its authorizer",
    "publication/gate.py": "the public gate's own read-only connection and its authorizer",
    "backup/sealed.py": "registers the SQL functions key rotation re-seals columns with",
}
# Modules that open transactions or write audit entries without being a service.
WRITES_ELSEWHERE = {
    "db.py": "defines the transaction",
    "schema.py": "runs the migrations, each in its own transaction, and audits them",
    "audit.py": "the audit log itself",
    "groupcommit.py": "commits the submissions' batches",
    "demo.py": "fills a fresh data directory as staff and respondents would",
    "demo_fieldwork.py": "makes the demo's calls due at one time, for the same order every run",
    "auth/refusals.py": "logs refused requests for the guard, which stays as it is",
}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if not rel.startswith("migrations/"):
            yield rel, ast.parse(path.read_text(), rel)


def _name(rel: str) -> str:
    return rel.rsplit("/", 1)[-1].removesuffix(".py")


def _dotted(rel: str) -> str:
    parts = ["appliance", *rel.removesuffix(".py").split("/")]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_store(rel: str) -> bool:
    return _name(rel) == "store" or _name(rel).endswith("_store")


def _is_view(rel: str) -> bool:
    return _name(rel) == "views" or _name(rel).endswith("_views")


def _is_service(rel: str) -> bool:
    return _name(rel) == "service" or _name(rel).endswith("_service")


def _func_name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _calls(tree: ast.AST, names: set[str]):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _func_name(node.func) in names:
            yield node.lineno, node.func


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def test_the_import_contracts_hold():
    result = subprocess.run(
        # The console script's own entry point: ``-m importlinter.cli`` only imports the module.
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports_command;"
            " sys.exit(lint_imports_command())",
            "--no-cache",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout, result.stdout[-2000:]


def test_the_contracts_name_every_view_and_store():
    modules = [rel for rel, _tree in _modules()]
    views = {_dotted(rel) for rel in modules if _is_view(rel)}
    stores = {_dotted(rel) for rel in modules if _is_store(rel)}
    contracts = _contracts()
    layer = contracts["views-call-services"]
    assert set(layer["source_modules"]) == views, (
        "views-call-services in pyproject.toml must list exactly the view modules; missing: "
        f"{sorted(views - set(layer['source_modules']))}, gone: "
        f"{sorted(set(layer['source_modules']) - views)}"
    )
    assert set(layer["forbidden_modules"]) == stores, (
        "views-call-services in pyproject.toml must forbid exactly the store modules; missing: "
        f"{sorted(stores - set(layer['forbidden_modules']))}"
    )
    assert set(contracts["stores-know-no-http"]["source_modules"]) == stores


def test_the_gate_contract_covers_every_module_but_the_report_views():
    sources = _contracts()["gate-from-report-views"]["source_modules"]
    for rel, _tree in _modules():
        module = _dotted(rel)
        if module == "appliance" or module == "appliance.reports.gate":
            continue
        if (
            module == "appliance.reports"
            or module.startswith("appliance.reports")
            and _is_view(rel)
        ):
            continue
        covered = any(module == s or module.startswith(s + ".") for s in sources)
        assert covered, f"add {module} to the sources of gate-from-report-views in pyproject.toml"


def test_only_store_modules_run_sql():
    found = [
        f"{rel}:{line}"
        for rel, tree in _modules()
        if not _is_store(rel) and rel not in SQL_ELSEWHERE
        for line, _func in _calls(tree, SQL_CALLS)
    ]
    assert not found, "SQL outside a store module:\n" + "\n".join(found)


def test_only_services_open_transactions_and_write_audit_entries():
    found = []
    for rel, tree in _modules():
        if _is_service(rel) or rel in WRITES_ELSEWHERE:
            continue
        for line, func in _calls(tree, {"transaction", "record", "log"}):
            owner = func.value if isinstance(func, ast.Attribute) else None
            audit = isinstance(owner, ast.Name) and owner.id in {"audit", "actor"}
            if _func_name(func) == "transaction" or audit:
                found.append(f"{rel}:{line}")
    assert not found, "a transaction or an audit entry outside a service:\n" + "\n".join(found)
