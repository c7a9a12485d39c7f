"""The usage pre-aggregates as their readers see them, to compare an incremental build with a full one.

An incremental run appends one row per load to int_billing__usage_daily and
int_billing__usage_daily_unique_values (macros/rating/usage.sql), a full build has one row per
day, so the two are compared after aggregating to the grain readers use: subscription version ×
charge × filter × group × local day (× distinct value). Only the columns that carry usage are
compared; ids and lineage columns (_min/_max_ingested_at) legitimately differ between the two.
The latest value is the one with the latest instant, as int_billing__charge_usage takes it; a
unique value's last operation of the day likewise (a remove wins a tie).
"""

from __future__ import annotations

INTERMEDIATE = "intermediate"
PRE_AGGREGATES = (
    "int_billing__usage_daily",
    "int_billing__usage_daily_unique_values",
    "int_billing__unbillable_events",
)

_DAY_KEYS = "lago_subscription_id, charge_lago_id, charge_filter_index, grouped_by, usage_date"

READER_GRAIN_SQL = {
    "int_billing__usage_daily": f"""
        select {_DAY_KEYS},
            sum(events_count) as events_count,
            sum(value_sum) as value_sum,
            max(value_max) as value_max,
            arg_max(latest_value, latest_event_at) as latest_value,
            max(latest_event_at) as latest_event_at,
            sum(weighted_moment_sum) as weighted_moment_sum,
            sum(precise_total_amount_cents_sum) as precise_total_amount_cents_sum,
            min(first_event_at) as first_event_at,
            max(last_event_at) as last_event_at
        from {{relation}}
        group by {_DAY_KEYS}""",
    "int_billing__usage_daily_unique_values": f"""
        select {_DAY_KEYS}, unique_value,
            min(first_seen_at) as first_seen_at,
            sum(events_count) as events_count,
            sum(add_events_count) as add_events_count,
            max(last_event_at) as last_event_at,
            -- the day's last operation as int_billing__charge_usage merges loads: a remove at
            -- the latest instant wins
            coalesce(max(case when is_last_removed then last_event_at end) = max(last_event_at), false)
                as is_last_removed
        from {{relation}}
        group by {_DAY_KEYS}, unique_value""",
    # one row per event × charge already: compared as is, without the run's lineage stamp
    "int_billing__unbillable_events": """
        select unbillable_event_id, event_key, charge_lago_id, unbillable_reason, _ingested_at
        from {relation}""",
}


def snapshot(con, model: str, into: str) -> None:
    """Store `model` aggregated to its reader grain as table `into` (replaced)."""
    sql = READER_GRAIN_SQL[model].format(relation=f"{INTERMEDIATE}.{model}")
    con.execute(f"create or replace table {into} as {sql}")


def rows_differing(con, model: str, snapshot_table: str) -> int:
    """Rows in one but not the other, `model` now vs `snapshot_table`, both at the reader grain
    (EXCEPT ALL both ways, so a row counted twice shows as a difference too)."""
    now = READER_GRAIN_SQL[model].format(relation=f"{INTERMEDIATE}.{model}")
    return con.execute(
        f"""select count(*) from (
                (select * from {snapshot_table} except all select * from ({now}))
                union all
                (select * from ({now}) except all select * from {snapshot_table}))"""
    ).fetchone()[0]
