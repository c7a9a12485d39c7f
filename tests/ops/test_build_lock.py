"""Builds are serialised whole: a second `revhouse build` says for whom it waits, and Ctrl-C
or SIGTERM end the wait."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dagster_project.settings import Settings
from dagster_project.warehouse import build_lock

REVHOUSE = Path(sys.executable).with_name("revhouse")


def read_stderr_until(proc: subprocess.Popen, needle: str, timeout_s: float = 120) -> str:
    seen = ""
    sel = selectors.DefaultSelector()
    sel.register(proc.stderr, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout_s
    while needle not in seen and time.monotonic() < deadline and proc.poll() is None:
        if sel.select(timeout=0.5):
            seen += os.read(proc.stderr.fileno(), 4096).decode(errors="replace")
    return seen


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_second_build_says_whom_it_waits_for_and_stops_on_a_signal(tmp_path, monkeypatch, sig):
    monkeypatch.setenv("REVHOUSE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "run" / "dagster_home"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVHOUSE_") or k == "REVHOUSE_DATA_DIR"}
    with build_lock(Settings.from_env(), say=lambda _: None):  # the "first build" is this test
        proc = subprocess.Popen(
            [str(REVHOUSE), "build"], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL
        )
        try:
            said = read_stderr_until(proc, "waiting")
            assert "waiting for it to finish" in said, said
            assert f"pid {os.getpid()}" in said, said  # for whom
            time.sleep(1.0)
            assert proc.poll() is None, "the second build did not wait"
            proc.send_signal(sig)
            proc.wait(timeout=15)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode != 0


def test_the_lock_is_free_again_once_its_holder_dies(tmp_path, monkeypatch):
    """flock dies with the process: a SIGKILLed build never blocks the next one."""
    monkeypatch.setenv("REVHOUSE_DATA_DIR", str(tmp_path))
    code = (
        "import os, signal\n"
        "from dagster_project.settings import Settings\n"
        "from dagster_project.warehouse import build_lock\n"
        "with build_lock(Settings.from_env()):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    subprocess.run([sys.executable, "-c", code], env=os.environ.copy(), check=False)
    said: list[str] = []
    with build_lock(Settings.from_env(), say=said.append):
        pass
    assert said == []


def test_a_dagster_run_that_writes_holds_the_whole_build_lock(tmp_path, monkeypatch):
    """Runs from the UI, schedule or sensor wait for a build too: the writer resource takes the
    build lock for the whole run."""
    import dagster as dg

    from dagster_project.defs.common.resources import DuckDBWriter
    from dagster_project.defs.ingestion.assets import BOOKKEEPING_ASSET

    monkeypatch.setenv("REVHOUSE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("REVHOUSE_DUCKDB_PATH", raising=False)
    hold_s = 4.0
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from dagster_project.settings import Settings\n"
            "from dagster_project.warehouse import build_lock\n"
            "with build_lock(Settings.from_env()):\n"
            "    print('held', flush=True)\n"
            f"    time.sleep({hold_s})\n",
        ],
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        result = dg.materialize([BOOKKEEPING_ASSET], resources={"duckdb_writer": DuckDBWriter()})
        waited = time.monotonic() - started
    finally:
        holder.wait(timeout=30)
    assert result.success
    assert waited >= hold_s - 1.0, f"the run did not wait for the build lock ({waited:.1f}s)"


def test_revhouse_ingest_waits_for_a_build(tmp_path, monkeypatch):
    """`revhouse ingest` takes the whole-build lock too: its raw rows never land between a
    build's dbt and its publish."""
    monkeypatch.setenv("REVHOUSE_DATA_DIR", str(tmp_path))
    (tmp_path / "landing").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVHOUSE_") or k == "REVHOUSE_DATA_DIR"}
    monkeypatch.delenv("REVHOUSE_DUCKDB_PATH", raising=False)
    with build_lock(Settings.from_env(), say=lambda _: None):
        proc = subprocess.Popen(
            [str(REVHOUSE), "ingest"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        said = ""
        deadline = time.monotonic() + 60
        while "to stop" not in said and time.monotonic() < deadline and proc.poll() is None:
            said += os.read(proc.stdout.fileno(), 4096).decode(errors="replace")
        assert "waiting for it to finish" in said, said
        assert f"pid {os.getpid()}" in said, said
        assert proc.poll() is None, "ingest did not wait for the build"
    assert proc.wait(timeout=120) == 0
