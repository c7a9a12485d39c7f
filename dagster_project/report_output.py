"""What every report command (`collections`, `metrics`, `reconcile`, `review`, `export journals`)
shares: reading tables of the published copy, money in exact major units of its currency, and the
text and CSV it prints. No money rule lives here: the figures come from the marts."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

import duckdb
from rich.console import Console

EXPONENTS = "reference.iso_4217_currencies"


def missing_tables(con: duckdb.DuckDBPyConnection, *names: str) -> list[str]:
    present = {
        f"{s}.{t}"
        for s, t in con.execute("select table_schema, table_name from information_schema.tables").fetchall()
    }
    return [n for n in names if n not in present]


def query_rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def to_major(amount_minor: int, exponent: int) -> Decimal:
    """Exact major units with the currency's exponent from the data (JPY 0, BHD 3)."""
    if isinstance(amount_minor, float):
        raise TypeError(f"money must not arrive as a float ({amount_minor!r})")
    return Decimal(int(amount_minor)).scaleb(-int(exponent))


def format_amount(amount_minor: int | None, exponent: int | None, grouping: bool = True) -> str:
    if amount_minor is None:
        return ""
    if exponent is None:
        raise ValueError(f"no minor-unit exponent for amount {amount_minor}")
    return f"{to_major(amount_minor, exponent):{',' if grouping else ''}.{int(exponent)}f}"


def text_console(width: int) -> Console:
    """A plain-text rich console writing to memory; `console_text` gives what it printed."""
    return Console(file=io.StringIO(), width=width, color_system=None)


def console_text(console: Console) -> str:
    return console.file.getvalue()


def csv_text(columns: list[str], rows: Iterable[list]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(columns)
    w.writerows(rows)
    return out.getvalue()
