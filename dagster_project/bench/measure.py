"""Wall time and peak memory of one bench step, and dbt run in-process.

Peak memory per step: Linux keeps the process's resident high-water mark (VmHWM, the value
`getrusage(RUSAGE_SELF).ru_maxrss` reports); writing "5" to /proc/self/clear_refs resets it, so
each step reads its own peak. DuckDB, pandas and dbt all run inside this process, so their
memory is in it. Where the reset is not allowed, the step shows the process peak so far and
says so (`peak_is_step=False`).
"""

from __future__ import annotations

import os
import resource
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

_lifetime_peak_mb = 0.0


def _reset_peak() -> bool:
    global _lifetime_peak_mb
    # the reset also resets what getrusage reports, so the lifetime peak is kept here
    _lifetime_peak_mb = max(_lifetime_peak_mb, _vm_hwm_mb() or 0.0, maxrss_mb())
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _vm_hwm_mb() -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def maxrss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Lifetime peak resident memory (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(who).ru_maxrss / 1024


def lifetime_peak_mb() -> float:
    """Peak resident memory of this process over its life, across per-step resets."""
    return max(_lifetime_peak_mb, _vm_hwm_mb() or 0.0, maxrss_mb())


@dataclass
class Measure:
    seconds: float = 0.0
    peak_mb: float | None = None
    peak_is_step: bool = False
    extra: dict = field(default_factory=dict)


@contextmanager
def measured():
    """`with measured() as m: ...` fills m.seconds and m.peak_mb for the block."""
    m = Measure()
    m.peak_is_step = _reset_peak()
    start = time.perf_counter()
    try:
        yield m
    finally:
        m.seconds = time.perf_counter() - start
        m.peak_mb = _vm_hwm_mb() if m.peak_is_step else maxrss_mb()


class DbtError(RuntimeError):
    pass


class InProcessDbt:
    """dbt commands through dbtRunner, parsed once, so timings exclude interpreter and parse start-up.

    The profile reads REVHOUSE_DUCKDB_PATH, so it is pointed at the bench warehouse here; target
    and log paths are the bench's own, never dbt_project/target.
    """

    def __init__(self, project_dir: Path, duckdb_path: Path, work_dir: Path, vars_: dict):
        from dbt.cli.main import dbtRunner

        self._runner_cls = dbtRunner
        os.environ["REVHOUSE_DUCKDB_PATH"] = str(duckdb_path)
        self.common = [
            "--project-dir", str(project_dir),
            "--profiles-dir", str(project_dir),
            "--target-path", str(work_dir / "target"),
            "--log-path", str(work_dir / "logs"),
            "--quiet", "--no-use-colors", "--no-send-anonymous-usage-stats",
        ]  # fmt: skip
        self.vars = dict(vars_)
        self.manifest = None

    def _vars(self, extra: dict | None) -> list[str]:
        import json

        return ["--vars", json.dumps({**self.vars, **(extra or {})})]

    def _invoke(self, runner, command: list[str], extra_vars: dict | None = None):
        res = runner.invoke([*command, *self.common, *self._vars(extra_vars)])
        if not res.success:
            raise DbtError(f"dbt {' '.join(command)} failed: {_failure_text(res)}")
        return res

    def parse(self) -> None:
        res = self._invoke(self._runner_cls(), ["parse"])
        self.manifest = res.result

    def run(self, command: list[str], extra_vars: dict | None = None):
        """Invoke with the parsed manifest (parse first); returns dbt's result object."""
        if self.manifest is None:
            raise DbtError("parse() must run before run()")
        return self._invoke(self._runner_cls(manifest=self.manifest), command, extra_vars).result

    def seed(self) -> None:
        self._invoke(self._runner_cls(manifest=self.manifest), ["seed"])


def prepared_dbt(project_dir: Path, db: Path, work_dir: Path, vars_: dict, selection):
    """A bench part's dbt set-up, untimed as a figure: parse (measured apart), then the seeds and
    the `prepare` selection of `selection(manifest) -> (timed, prepare)`.
    Returns (dbt, timed, prepare, parse measure, prepare measure)."""
    dbt = InProcessDbt(project_dir, db, work_dir, vars_)
    with measured() as parse:
        dbt.parse()
    timed, prepare = selection(dbt.manifest)
    with measured() as prep:
        dbt.seed()
        dbt.run(["run", "--select", *prepare])
    return dbt, timed, prepare, parse, prep


def timed_run(dbt: InProcessDbt, timed: list[str]) -> tuple[Measure, list[dict]]:
    """The timed figure of a dbt bench part: `dbt run` of the `timed` selection, measured, and
    its models slowest first (`model_runs`)."""
    with measured() as m:
        result = dbt.run(["run", "--select", *timed])
    return m, model_runs(result, dbt.manifest)


def _failure_text(res) -> str:
    if res.exception is not None:
        return f"{type(res.exception).__name__}: {res.exception}"
    messages = []
    for r in getattr(res.result, "results", None) or []:
        if str(r.status) not in ("success", "pass", "RunStatus.Success"):
            messages.append(f"{getattr(r.node, 'name', '?')}: {r.status}: {r.message}")
    return "; ".join(messages) or "unknown failure (see the dbt log)"


def model_runs(result, manifest) -> list[dict]:
    """Per model of a dbt run result, slowest first: name, seconds, materialization, schema and
    the models that read it (from the manifest). Models run two at a time (threads: 2), so the
    seconds add up to more than the run's wall time."""
    children = getattr(manifest, "child_map", {}) or {}
    rows = []
    for r in getattr(result, "results", None) or []:
        node = r.node
        readers = [c.split(".")[-1] for c in children.get(node.unique_id, []) if c.startswith("model.")]
        rows.append(
            {
                "model": node.name,
                "seconds": round(float(r.execution_time), 3),
                "materialized": node.config.materialized,
                "schema": node.schema,
                "read_by": sorted(readers),
            }
        )
    return sorted(rows, key=lambda x: -x["seconds"])
