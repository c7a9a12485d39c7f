"""Builds killed with SIGKILL during ingestion, dbt and publish recover on the next plain
`revhouse build`, with no manual step, to marts identical to a clean build; readers of the
published copy see no error while a build replaces it.

Small demo (20 customers, 2 months), one landing folder for two warehouses: a clean one, built
once (in parallel with the killed ones), and one whose builds are killed at each point in turn.
REVHOUSE_FAULT_KILL_AT makes the build SIGKILL itself at a named point (warehouse.kill_point).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from dagster_project.settings import Settings
from dagster_project.warehouse import FAULT_ENV, marts_fingerprint

pytestmark = pytest.mark.e2e

REVHOUSE = Path(sys.executable).with_name("revhouse")
READERS = 10

READER = r"""
import json, os, sys, time
import duckdb
path, stop, out = sys.argv[1:4]
reads, errors, seen = 0, [], set()
while not os.path.exists(stop):
    try:
        con = duckdb.connect(path, read_only=True)
        try:
            seen.add(con.execute("select published_at from meta.build").fetchone()[0])
            con.execute("select count(*), sum(total_amount_minor) from billing.fct_invoices").fetchone()
        finally:
            con.close()
        reads += 1
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    time.sleep(0.1)
json.dump({"reads": reads, "errors": errors, "seen": sorted(seen)}, open(out, "w"))
"""


def env_for(data_dir: Path, landing: Path, kill_at: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVHOUSE_")}
    env.update(
        REVHOUSE_DATA_DIR=str(data_dir),
        REVHOUSE_LANDING_DIR=str(landing),
        DAGSTER_HOME=str(data_dir / "run" / "dagster_home"),
    )
    env.pop("DBT_TARGET_PATH", None)
    if kill_at:
        env[FAULT_ENV] = kill_at
    return env


def build(data_dir: Path, landing: Path, kill_at: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(REVHOUSE), "build"],
        env=env_for(data_dir, landing, kill_at),
        capture_output=True,
        text=True,
        timeout=900,
    )


def dbt_target(data_dir: Path) -> Path:
    """The dbt target folder a build of this warehouse parses into (one per warehouse)."""
    settings = dataclasses.replace(
        Settings.from_env(), duckdb_path=(data_dir / "warehouse" / "revhouse.duckdb").resolve()
    )
    return settings.dbt_target_path


def fingerprint(path: Path) -> dict[str, str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return marts_fingerprint(con)
    finally:
        con.close()


def tail(result: subprocess.CompletedProcess) -> str:
    return (result.stdout[-1500:] + "\n---\n" + result.stderr[-3000:]).strip()


@pytest.fixture
def tmp_warehouses(tmp_path):
    yield tmp_path
    for name in ("clean", "killed"):  # their dbt targets live under dbt_project/target
        shutil.rmtree(dbt_target(tmp_path / name), ignore_errors=True)


def test_killed_builds_recover_to_a_clean_build_and_readers_never_fail(tmp_warehouses):
    tmp_path = tmp_warehouses
    landing = tmp_path / "landing"
    gen = subprocess.run(
        [str(REVHOUSE), "generate", "--customers", "20", "--months", "2"],
        env=env_for(tmp_path / "gen", landing),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert gen.returncode == 0, tail(gen)
    clean_dir, killed_dir = tmp_path / "clean", tmp_path / "killed"

    clean = subprocess.Popen(
        [str(REVHOUSE), "build"],
        env=env_for(clean_dir, landing),
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "clean.log").open("w"),
    )
    try:
        recovered_lines = []
        for point in ("ingest", "dbt", "publish"):
            result = build(killed_dir, landing, kill_at=point)
            assert result.returncode == -9, f"not killed at {point}: " + tail(result)
            if point != "ingest":  # the build after a killed one recovers the dead run first
                recovered_lines += [ln for ln in result.stderr.splitlines() if ln.startswith("recovered run")]
        assert len(recovered_lines) == 2, recovered_lines
        assert not (killed_dir / "published" / "revhouse.duckdb").exists()
    finally:
        assert clean.wait(timeout=900) == 0, (tmp_path / "clean.log").read_text()[-3000:]

    clean_published = clean_dir / "published" / "revhouse.duckdb"
    expected = fingerprint(clean_published)
    assert expected and any(not v.endswith(":0") for v in expected.values())

    # an earlier copy is published, so the readers see it replaced mid-loop
    published = killed_dir / "published" / "revhouse.duckdb"
    published.parent.mkdir(parents=True, exist_ok=True)
    published.write_bytes(clean_published.read_bytes())
    stop = tmp_path / "stop-readers"
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(published), str(stop), str(tmp_path / f"reader{i}.json")]
        )
        for i in range(READERS)
    ]
    try:
        final = build(killed_dir, landing)
    finally:
        time.sleep(1.0)
        stop.touch()
        for r in readers:
            r.wait(timeout=60)

    assert final.returncode == 0, tail(final)
    recovered = [ln for ln in final.stderr.splitlines() if ln.startswith("recovered run")]
    assert len(recovered) == 1 and "freed" in recovered[0], final.stderr[-2000:]
    assert fingerprint(published) == expected

    reports = [json.loads((tmp_path / f"reader{i}.json").read_text()) for i in range(READERS)]
    assert [r["errors"] for r in reports] == [[]] * READERS
    assert all(r["reads"] > 0 for r in reports)
    assert any(len(r["seen"]) == 2 for r in reports), "no reader saw the copy replaced"
