"""The dashboards are a reader: they import library pieces (settings, warehouse, currencies),
never the Dagster wiring in `dagster_project.defs` (which would parse the dbt project and pull
Dagster into every page load)."""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"


def _imported_modules() -> set[str]:
    modules: set[str] = set()
    for path in sorted(DASHBOARDS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                modules.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules.add(node.module)
                # `from dashboards import data` names a module too
                modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    ours = {m for m in modules if m.split(".")[0] in ("dashboards", "dagster_project")}
    return {m for m in ours if _is_module(m)}


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # `from pkg.module import function`: the function is no module
        return False


def test_pages_name_no_dagster_wiring():
    wiring = sorted(m for m in _imported_modules() if m.startswith("dagster_project.defs") or m == "dagster")
    assert wiring == [], f"dashboards import Dagster wiring: {wiring}"


def test_importing_every_dashboard_module_loads_no_defs_and_no_dagster():
    modules = sorted(_imported_modules())
    assert "dashboards.data" in modules  # the pages do read through data.py
    code = (
        "import importlib, json, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "print(json.dumps(sorted(k for k in sys.modules "
        "if k.startswith('dagster_project.defs') or k == 'dagster' or k.startswith('dagster.'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == [], f"importing the dashboards loaded Dagster wiring: {loaded[:10]}"
