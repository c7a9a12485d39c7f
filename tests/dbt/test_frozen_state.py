"""Invoice assembly reads the frozen marts (fct_finalized_*) as they stood before the run,
through the source `frozen_state` (macros/invoicing/frozen_state.sql). If a frozen mart is
renamed or disabled, the compile must fail loudly instead of treating every finalized invoice
as open (which would silently recompute and renumber frozen invoices)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from dagster_project.settings import REPO_ROOT

DBT = Path(sys.executable).with_name("dbt")
READER = "int_billing__invoices"


def _copy_project(tmp_path: Path) -> Path:
    project = tmp_path / "dbt_project"
    shutil.copytree(
        REPO_ROOT / "dbt_project",
        project,
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", ".user.yml"),
    )
    return project


def _dbt(project: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "REVHOUSE_DUCKDB_PATH": str(tmp_path / "frozen_probe.duckdb"),
        "REVHOUSE_LANDING_DIR": str(tmp_path / "landing"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    return subprocess.run(
        [str(DBT), *args, "--profiles-dir", str(project), "--project-dir", str(project)],
        capture_output=True,
        text=True,
        env=env,
        cwd=project,
    )


def test_frozen_marts_are_declared_sources_that_assembly_depends_on(tmp_path):
    project = _copy_project(tmp_path)
    result = _dbt(project, tmp_path, "parse")
    assert result.returncode == 0, result.stdout[-3000:]
    manifest = json.loads((project / "target" / "manifest.json").read_text())
    reader = manifest["nodes"][f"model.revhouse.{READER}"]
    assert "source.revhouse.frozen_state.fct_finalized_invoices" in reader["depends_on"]["nodes"]
    frozen_sources = {s["name"] for s in manifest["sources"].values() if s["source_name"] == "frozen_state"}
    models = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    assert frozen_sources and frozen_sources <= models  # each frozen source is a model of ours


def test_compile_fails_when_a_frozen_mart_is_renamed(tmp_path):
    """A thorough rename (file, yml, every ref) still misses the frozen-state source: loud."""
    project = _copy_project(tmp_path)
    old, new = "fct_finalized_invoices", "fct_finalized_invoices_v2"
    mart = project / "models" / "marts" / "billing" / f"{old}.sql"
    mart.rename(mart.with_name(f"{new}.sql"))
    for path in [*project.joinpath("models").rglob("*.sql"), *project.joinpath("models").rglob("*.yml")]:
        if path.name == "_frozen_state__sources.yml":
            continue
        text = path.read_text()
        renamed = re.sub(rf"(ref\('|name: |model: ){old}\b", rf"\g<1>{new}", text)
        if renamed != text:
            path.write_text(renamed)

    result = _dbt(project, tmp_path, "compile", "-s", READER)

    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert f"frozen state of model '{old}'" in out, out[-3000:]
    assert "renamed or disabled" in out


def test_compile_fails_when_a_frozen_mart_is_disabled(tmp_path):
    project = _copy_project(tmp_path)
    mart = project / "models" / "marts" / "billing" / "fct_finalized_invoice_credits.sql"
    mart.write_text("{{ config(enabled=false) }}\n" + mart.read_text())

    result = _dbt(project, tmp_path, "compile", "-s", READER)

    assert result.returncode != 0
    assert "fct_finalized_invoice_credits" in result.stdout + result.stderr


def test_compile_reads_an_unbuilt_frozen_mart_as_empty(tmp_path):
    """On a fresh warehouse the mart is in the graph but was never built: empty state, no error."""
    project = _copy_project(tmp_path)
    result = _dbt(project, tmp_path, "compile", "-s", READER)
    assert result.returncode == 0, result.stdout[-3000:]
    compiled = next((project / "target" / "compiled").rglob(f"{READER}.sql")).read_text()
    assert "where 1 = 0" in compiled
