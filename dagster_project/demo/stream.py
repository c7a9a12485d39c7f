"""Benchmark-sized usage events as Parquet, generated chunk by chunk with numpy/pyarrow (no per-event loops)."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dagster_project.demo.catalog import METRICS

# the metrics whose events carry one numeric property, by the property Lago's metric reads
STREAM_METRICS = [
    (code, field or "value")
    for code, _, _, field, _, _, _ in METRICS
    if code in ("api_calls", "data_transfer_gb", "peak_concurrency", "storage_gb", "payment_volume")
]
WEEKDAY_WEIGHT = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.35, 0.35])


def _progress(enabled: bool, total: int):
    if not enabled:
        return nullcontext(None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    return Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()
    )


def stream_events_parquet(
    out_dir: Path,
    customers: int,
    months: int,
    events: int,
    seed: int,
    chunk_rows: int = 5_000_000,
    progress: bool = True,
    start: datetime = datetime(2026, 1, 1, tzinfo=UTC),
) -> list[Path]:
    """Write `events` Lago-shaped usage events into ceil(events / chunk_rows) Parquet files.

    Columns: transaction_id, external_subscription_id, code, timestamp (UTC, ms), properties (JSON text) and
    the flattened numeric property `value` (int64). Memory is bounded by one chunk."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    start_ms = int(start.timestamp() * 1000)
    days = int(round(months * 30.4375))
    # per-customer intensity (lognormal) and per-day weight (weekday/weekend, month growth)
    cust_p = rng.lognormal(0.0, 0.8, customers)
    cust_p /= cust_p.sum()
    day_idx = np.arange(days)
    weekday = (np.datetime64(start.date()) + day_idx).astype("datetime64[D]").view("int64")
    day_w = WEEKDAY_WEIGHT[(weekday + 3) % 7] * (1 + 0.06 * (day_idx // 30))
    day_p = day_w / day_w.sum()
    codes = pa.array([m[0] for m in STREAM_METRICS])
    fields = [m[1] for m in STREAM_METRICS]
    paths: list[Path] = []
    n_chunks = max(1, -(-events // chunk_rows))
    with _progress(progress, events) as bar:
        task = bar.add_task("usage events", total=events) if bar else None
        written = 0
        for k in range(n_chunks):
            n = min(chunk_rows, events - written)
            ids = np.arange(written, written + n, dtype=np.int64)
            cust = rng.choice(customers, size=n, p=cust_p)
            day = rng.choice(days, size=n, p=day_p)
            ts = start_ms + day.astype(np.int64) * 86_400_000 + rng.integers(0, 86_400_000, n)
            metric = rng.integers(0, len(STREAM_METRICS), n)
            value = np.where(metric == 0, 1, rng.integers(1, 500, n))
            sub_ids = pc.binary_join_element_wise(
                "sub_", pc.utf8_lpad(pc.cast(pa.array(cust), pa.string()), 6, "0"), ""
            )
            txn = pc.binary_join_element_wise(
                "evt_", pc.utf8_lpad(pc.cast(pa.array(ids), pa.string()), 12, "0"), ""
            )
            field_names = pc.take(pa.array(fields), pa.array(metric))
            props = pc.binary_join_element_wise(
                '{"', field_names, '":', pc.cast(pa.array(value), pa.string()), "}", ""
            )
            table = pa.table(
                {
                    "transaction_id": txn,
                    "external_subscription_id": sub_ids,
                    "code": pc.take(codes, pa.array(metric)),
                    "timestamp": pa.array(ts, pa.timestamp("ms", tz="UTC")),
                    "properties": props,
                    "value": pa.array(value, pa.int64()),
                }
            )
            path = out_dir / f"events_part_{k:05d}.parquet"
            pq.write_table(table, path, compression="zstd")
            paths.append(path)
            written += n
            del table, ids, cust, day, ts, metric, value, sub_ids, txn, props
            if bar:
                bar.update(task, advance=n)
    return paths
