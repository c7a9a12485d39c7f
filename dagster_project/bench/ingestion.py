"""How fast usage ingestion is, next to DuckDB merely counting the same file (`make bench`).

The events are generated set-wise with DuckDB's range() (Python would take longer than the load
being measured). Two yardsticks: a bare `count(*)` of the file (for Parquet that reads only
metadata) and a bare copy of the file into a DuckDB table (the floor of any ingestion); the
ratios show what validation, dedup and lineage cost on top.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from dagster_project.ingest.runner import ingest_landing

DEFAULT_EVENTS = 2_000_000

_EVENTS_SQL = """
    select 'tx-' || i as transaction_id,
           'sub-' || (i % 5000) as external_subscription_id,
           case i % 3 when 0 then 'api_calls' when 1 then 'storage_gb' else 'seats' end as code,
           strftime(timestamp '2026-01-01' + to_seconds(i % 2592000), '%Y-%m-%dT%H:%M:%SZ') as "timestamp",
           {{'quantity': (i % 10)::VARCHAR, 'region': case when i % 2 = 0 then 'eu' else 'us' end}} as properties,
           null::VARCHAR as precise_total_amount_cents
    from range({n}) t(i)
"""


def _timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process): on a shared machine the wall time includes
    waiting for other processes, the CPU time does not (2 cores busy = CPU time / 2 of wall)."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def bench_usage(tmpdir: Path, n_events: int = DEFAULT_EVENTS) -> dict:
    """Events/s of usage ingestion from Parquet and from JSONL, and their ratio to a bare read."""
    tmpdir = Path(tmpdir)
    results: dict = {"events": n_events}
    gen = duckdb.connect()
    gen.execute("set enable_progress_bar = false")
    for fmt in ("parquet", "jsonl"):
        landing = tmpdir / fmt / "landing"
        events = landing / "usage" / "events"
        events.mkdir(parents=True, exist_ok=True)
        path = events / f"events.{fmt}"
        option = "(format parquet)" if fmt == "parquet" else "(format json)"
        gen.execute(f"copy ({_EVENTS_SQL.format(n=n_events)}) to '{path}' {option}")

        reader = f"read_parquet('{path}')" if fmt == "parquet" else f"read_json('{path}')"
        bare = duckdb.connect()
        bare.execute("set enable_progress_bar = false")
        bare_s, _ = _timed(lambda r=reader, c=bare: c.execute(f"select count(*) from {r}").fetchall())
        bare.close()
        # the floor of any ingestion into a DuckDB file: copy the rows as they are, no checks
        copy = duckdb.connect(str(tmpdir / fmt / "copy.duckdb"))
        copy.execute("set enable_progress_bar = false")
        copy_s, _ = _timed(lambda r=reader, c=copy: c.execute(f"create table t as select * from {r}"))
        copy.close()

        con = duckdb.connect(str(tmpdir / fmt / "bench.duckdb"))
        summary = None

        def run(c=con, root=landing):
            nonlocal summary
            summary = ingest_landing(c, root)

        ingest_s, ingest_cpu_s = _timed(run)
        loaded = summary.total("loaded")
        con.close()
        if loaded != n_events:
            raise RuntimeError(f"bench loaded {loaded} of {n_events} {fmt} events")
        results[fmt] = {
            "file_mb": round(path.stat().st_size / 1e6, 1),
            "ingest_s": round(ingest_s, 2),
            "events_per_s": round(n_events / ingest_s),
            "ingest_cpu_s": round(ingest_cpu_s, 2),
            "events_per_cpu_s": round(n_events / ingest_cpu_s) if ingest_cpu_s else None,
            "bare_count_s": round(bare_s, 3),
            "ratio_to_bare_read": round(ingest_s / bare_s, 1) if bare_s else None,
            "bare_copy_s": round(copy_s, 2),
            "ratio_to_bare_copy": round(ingest_s / copy_s, 1) if copy_s else None,
        }
    gen.close()
    return results


if __name__ == "__main__":
    import json
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        n = int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_EVENTS
        print(json.dumps(bench_usage(Path(d), n), indent=2))
