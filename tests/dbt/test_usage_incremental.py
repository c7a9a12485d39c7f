"""The usage pre-aggregates built incrementally equal a full build, at the grain readers use.

tests/e2e checks that a rerun with nothing new changes nothing; this checks the other case: a
further landing file with events for a day already aggregated and for a new day is appended
(macros/rating/usage.sql) — only the new events are read — and the result, aggregated to the
readers' grain, is what a full refresh gives. Then a catalog change (customers' timezone, which
moves events to other local days) must make the next incremental run rebuild, not keep stale rows.
Unique-count adds and removes (pricing.md 1 operation_type) landing in separate loads merge to
what a full refresh gives.
Own demo data and warehouse under tmp_path; dbt runs in-process with its own target path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dagster_project.bench import usage_grain
from dagster_project.bench.measure import InProcessDbt
from dagster_project.ingest.runner import ingest_landing
from dagster_project.settings import REPO_ROOT

pytestmark = pytest.mark.e2e

SELECT = [f"+{m}" for m in usage_grain.PRE_AGGREGATES]
DAILY = f"{usage_grain.INTERMEDIATE}.int_billing__usage_daily"
EXISTING_DAY, NEW_DAY = "2026-01-02", "2026-04-02"


def _ingest(db: Path, landing: Path) -> int:
    con = duckdb.connect(str(db))
    try:
        summary = ingest_landing(con, landing)
        assert not summary.failed, [f.error for f in summary.failed]
        return summary.total("loaded")
    finally:
        con.close()


def _extra_events(landing: Path) -> Path:
    """Copies of one demo day's events, with new transaction ids: half on that same day (already
    aggregated), half moved to a new day, plus one event of an unknown metric (unbillable)."""
    source = landing / "usage" / "events" / f"events_{EXISTING_DAY}.jsonl"
    lines = [json.loads(line) for line in source.read_text().splitlines() if line.strip()]
    assert len(lines) >= 4, "the demo day has too few events to test with"
    extra = []
    for n, event in enumerate(lines):
        event = dict(event, transaction_id=f"extra-{n}")
        if n % 2:
            event["timestamp"] = f"{NEW_DAY}T12:{n % 60:02d}:00Z"
        else:
            event["timestamp"] = f"{EXISTING_DAY}T23:{n % 60:02d}:30Z"
        extra.append(event)
    extra.append(dict(lines[0], transaction_id="extra-unknown", code="no_such_metric"))
    path = landing / "usage" / "events" / "events_extra.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in extra))
    return path


def _snapshot_all(db: Path) -> None:
    con = duckdb.connect(str(db))
    try:
        for model in usage_grain.PRE_AGGREGATES:
            usage_grain.snapshot(con, model, f"main.snap_{model}")
    finally:
        con.close()


def _differences(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db))
    try:
        return {m: usage_grain.rows_differing(con, m, f"main.snap_{m}") for m in usage_grain.PRE_AGGREGATES}
    finally:
        con.close()


def _query(db: Path, sql: str):
    con = duckdb.connect(str(db))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("usage_incremental")
    env = dict(
        os.environ,
        REVHOUSE_DATA_DIR=str(data_dir),
        REVHOUSE_LANDING_DIR=str(data_dir / "landing"),
        REVHOUSE_TRUTH_DIR=str(data_dir / "truth"),
    )
    subprocess.run([str(Path(sys.executable).with_name("revhouse")), "generate"], check=True, env=env)
    landing = data_dir / "landing"
    db = data_dir / "warehouse.duckdb"
    _ingest(db, landing)
    previous = os.environ.get("REVHOUSE_DUCKDB_PATH")
    dbt = InProcessDbt(REPO_ROOT / "dbt_project", db, data_dir / "dbt", {})
    try:
        dbt.parse()
        dbt.seed()
        dbt.run(["run", "--select", *SELECT])
        yield dbt, db, landing
    finally:
        if previous is None:
            os.environ.pop("REVHOUSE_DUCKDB_PATH", None)
        else:
            os.environ["REVHOUSE_DUCKDB_PATH"] = previous


def test_new_events_are_appended_and_equal_a_full_refresh(warehouse):
    dbt, db, landing = warehouse
    ((rows_before, events_before, watermark),) = _query(
        db, f"select count(*), sum(events_count), max(_max_ingested_at) from {DAILY}"
    )
    extra = _extra_events(landing)
    loaded = _ingest(db, landing)
    assert loaded == len(extra.read_text().splitlines())
    ((billable_new,),) = _query(
        db,
        f"""select count(*) from intermediate.int_billing__usage_events_resolved
            where is_billable and _ingested_at > '{watermark}'""",
    )
    assert billable_new > 0

    dbt.run(["run", "--select", *usage_grain.PRE_AGGREGATES])
    # appended, not rebuilt: the old rows are untouched and the new load adds exactly its events
    ((kept,),) = _query(db, f"select count(*) from {DAILY} where _max_ingested_at <= '{watermark}'")
    assert kept == rows_before
    ((events_after,),) = _query(db, f"select sum(events_count) from {DAILY}")
    assert events_after == events_before + billable_new
    ((days_with_two_loads,),) = _query(
        db,
        f"""select count(*) from (
                select 1 from {DAILY} where usage_date = '{EXISTING_DAY}'
                group by lago_subscription_id, charge_lago_id, charge_filter_index, grouped_by, usage_date
                having count(*) > 1)""",
    )
    assert days_with_two_loads > 0, "no day got a second row: the new events were not appended to it"
    dbt.run(["test", "--select", "assert_every_event_billed_or_reported"])

    _snapshot_all(db)
    dbt.run(["run", "--select", *usage_grain.PRE_AGGREGATES, "--full-refresh"])
    assert _differences(db) == {m: 0 for m in usage_grain.PRE_AGGREGATES}


def _write_events(landing: Path, name: str, events: list[dict]) -> None:
    path = landing / "usage" / "events" / name
    path.write_text("".join(json.dumps(e) + "\n" for e in events))


UNIQUE = f"{usage_grain.INTERMEDIATE}.int_billing__usage_daily_unique_values"


def _last_operations(db: Path, external_subscription_id: str) -> dict[str, bool]:
    """Per test value of the subscription: is its last operation (all days, all loads) a
    remove, merged the way int_billing__charge_usage merges rows (latest instant, a remove
    winning a tie)."""
    rows = _query(
        db,
        f"""select unique_value,
                coalesce(max(case when is_last_removed then last_event_at end) = max(last_event_at), false)
            from {UNIQUE}
            where external_subscription_id = '{external_subscription_id}' and unique_value like 'rm-%'
            group by unique_value""",
    )
    return dict(rows)


def test_unique_count_removes_in_later_loads_equal_a_full_refresh(warehouse):
    """pricing.md 1 operation_type: adds and removes of one value arriving in separate loads
    (a remove landing after the add it undoes, a remove at the same instant as an earlier
    load's add, a remove landing later but timed before its add) merge to the same state as a
    full refresh, and the merged last operation is the one by timestamp, not by arrival."""
    dbt, db, landing = warehouse
    source = landing / "usage" / "events" / f"events_{EXISTING_DAY}.jsonl"
    template = next(json.loads(line) for line in source.read_text().splitlines() if '"active_users"' in line)
    sub = template["external_subscription_id"]

    def event(tx: str, value: str, at: str, operation: str | None) -> dict:
        properties = {"user_id": value}
        if operation is not None:
            properties["operation_type"] = operation
        return dict(template, transaction_id=tx, timestamp=f"{EXISTING_DAY}T{at}Z", properties=properties)

    _write_events(
        landing,
        "events_ops_a.jsonl",
        [
            event("ops-1", "rm-1", "10:00:00", None),  # added (default), removed in load B
            event("ops-2", "rm-2", "10:00:00", "add"),  # removed at the same instant in load B
            event("ops-3", "rm-3", "10:00:00", "remove"),  # only ever removed
            event("ops-4", "rm-4", "11:00:00", "add"),  # load B's remove is timed before this add
        ],
    )
    _ingest(db, landing)
    dbt.run(["run", "--select", *usage_grain.PRE_AGGREGATES])
    assert _last_operations(db, sub) == {"rm-1": False, "rm-2": False, "rm-3": True, "rm-4": False}

    _write_events(
        landing,
        "events_ops_b.jsonl",
        [
            event("ops-5", "rm-1", "12:00:00", "remove"),
            event("ops-6", "rm-2", "10:00:00", "remove"),
            event("ops-7", "rm-4", "09:00:00", "remove"),
        ],
    )
    _ingest(db, landing)
    dbt.run(["run", "--select", *usage_grain.PRE_AGGREGATES])
    # appended: the values of both loads have a row each for the day
    ((rows_per_value,),) = _query(
        db,
        f"""select max(n) from (select count(*) as n from {UNIQUE}
            where external_subscription_id = '{sub}' and unique_value like 'rm-%' group by unique_value)""",
    )
    assert rows_per_value == 2
    incremental = _last_operations(db, sub)
    assert incremental == {"rm-1": True, "rm-2": True, "rm-3": True, "rm-4": False}
    _snapshot_all(db)
    dbt.run(["run", "--select", *usage_grain.PRE_AGGREGATES, "--full-refresh"])
    assert _differences(db) == {m: 0 for m in usage_grain.PRE_AGGREGATES}
    assert _last_operations(db, sub) == incremental


def test_catalog_change_rebuilds_instead_of_keeping_stale_rows(warehouse):
    dbt, db, _ = warehouse
    dbt.run(["run", "--select", *usage_grain.PRE_AGGREGATES])  # up to date, nothing new
    ((fingerprints_before,),) = _query(db, f"select count(distinct _catalog_fingerprint) from {DAILY}")
    assert fingerprints_before == 1
    # a catalog change that re-resolves old events: every customer moves far east, so events
    # late in a UTC day fall on the next local day (the same as a new catalog version landing)
    con = duckdb.connect(str(db))
    try:
        con.execute("update raw.lago_customers set timezone = 'Pacific/Kiritimati'")
    finally:
        con.close()

    dbt.run(["run", "--select", *usage_grain.PRE_AGGREGATES])
    ((fingerprints, loads_per_day),) = _query(
        db,
        f"""select count(distinct _catalog_fingerprint), max(n) from (
                select _catalog_fingerprint, count(*) over (
                    partition by lago_subscription_id, charge_lago_id, charge_filter_index, grouped_by, usage_date) as n
                from {DAILY})""",
    )
    # rebuilt: one fingerprint, one row per day again
    assert (fingerprints, loads_per_day) == (1, 1)
    _snapshot_all(db)
    dbt.run(["run", "--select", *usage_grain.PRE_AGGREGATES, "--full-refresh"])
    assert _differences(db) == {m: 0 for m in usage_grain.PRE_AGGREGATES}
    dbt.run(["test", "--select", "assert_every_event_billed_or_reported"])
