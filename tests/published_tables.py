"""Hand-made published copies for the report command tests: tables given as column definitions
and rows, and the review queue's columns (docs/assurance.md §3, §5) the CLI and page tests share."""

from __future__ import annotations

from pathlib import Path

import duckdb

ASSURANCE_QUEUE_COLUMNS = (
    "finding_id varchar, rule_code varchar, reason_code varchar, severity varchar, source varchar, "
    "external_customer_id varchar, external_subscription_id varchar, invoice_id varchar, invoice_number varchar, "
    "invoice_is_finalized boolean, period_month date, currency varchar, amount_at_risk_minor bigint, "
    "direction varchar, reason_text varchar, evidence varchar, detected_on date, status varchar, "
    "explained_by varchar, first_seen_on date"
)


def write_tables(path: Path, tables: dict[str, tuple[str, list[tuple]]]) -> Path:
    """A DuckDB file at `path` holding `tables` (schema.table -> (column definitions, rows))."""
    con = duckdb.connect(str(path))
    try:
        for schema in sorted({name.split(".")[0] for name in tables}):
            con.execute(f"create schema if not exists {schema}")
        for name, (columns, rows) in tables.items():
            con.execute(f"create table {name} ({columns})")
            if rows:
                con.executemany(f"insert into {name} values ({', '.join('?' * len(rows[0]))})", rows)
    finally:
        con.close()
    return path
