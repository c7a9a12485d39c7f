"""`revhouse collections --as-of DATE`: receivables aging, DSO, unapplied cash and the dunning
actions due, read from the published warehouse (collections.md 6, 7).

Every figure comes from dbt: this module selects and formats, it computes no money rule. The
one exception is the aging *at an arbitrary date*: `fct_receivables_aging` holds month ends and
the build's as_of only, so the open amount at DATE is summed here from the dated rows dbt
exposes (`int_collections__receivable_invoices` and its settlement movements
`int_collections__invoice_settlements`, collections.md 6.1) and bucketed by `AGING_BUCKETS`,
the boundaries as `int_collections__open_invoices_by_date` writes them (6.2). One code path
serves every date, and the e2e test `tests/e2e/test_collections_report.py` checks it equals the
mart on every report date the mart holds, so the two cannot drift apart unnoticed.

Money stays in integer minor units with its currency and the exponent from the data; nothing is
summed across currencies.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import duckdb

RECEIVABLE_INVOICES = "intermediate.int_collections__receivable_invoices"
INVOICE_SETTLEMENTS = "intermediate.int_collections__invoice_settlements"
REPORT_DATES = "intermediate.int_collections__report_dates"
AGING = "collections.fct_receivables_aging"
DSO = "collections.fct_dso"
DUNNING_ATTEMPTS = "collections.fct_dunning_attempts"
UNAPPLIED_CASH = "collections.fct_unapplied_cash"
EXPONENTS = "reference.iso_4217_currencies"

# collections.md 6.2: days past due = d − due date; (label, last day of the bucket). The same
# boundaries as int_collections__open_invoices_by_date (current <= 0, ..., 90+ >= 91).
AGING_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("current", 0),
    ("1-30", 30),
    ("31-60", 60),
    ("61-90", 90),
    ("90+", None),
)
# fct_receivables_aging's column for each bucket, in the same order.
AGING_COLUMNS = (
    "current_amount_minor",
    "days_1_30_amount_minor",
    "days_31_60_amount_minor",
    "days_61_90_amount_minor",
    "days_over_90_amount_minor",
)
# Marts without a currency_exponent column take it from the ISO 4217 seed.
WITH_EXPONENT = (
    "left join (select currency, minor_unit_exponent as currency_exponent "
    f"from {EXPONENTS}) exponents using (currency)"
)


@dataclass
class Section:
    """One block of the report: its rows (dicts), and why it is empty or partial."""

    name: str
    title: str
    columns: list[str]
    rows: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def load(
        self, con, tables: tuple[str, ...], sql: str, params: list, empty_note: str | None = None
    ) -> None:
        """Fill the rows from `sql`, or say which of `tables` the published copy lacks."""
        self.missing = missing_tables(con, *tables)
        if self.missing:
            self.notes.append(_missing_note(self.missing))
            return
        self.rows = _rows(con, sql, params)
        if not self.rows and empty_note:
            self.notes.append(empty_note)


@dataclass
class CollectionsReport:
    as_of: date
    build_as_of: date | None
    entity: str | None
    currency: str | None
    sections: list[Section]

    def section(self, name: str) -> Section:
        return next(s for s in self.sections if s.name == name)


def missing_tables(con: duckdb.DuckDBPyConnection, *names: str) -> list[str]:
    present = {
        f"{s}.{t}"
        for s, t in con.execute("select table_schema, table_name from information_schema.tables").fetchall()
    }
    return [n for n in names if n not in present]


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _missing_note(tables: list[str]) -> str:
    return (
        f"not in the published warehouse yet: {', '.join(tables)} "
        "(built by the collections models; run `revhouse build` once they exist)"
    )


def bucket_case(days: str) -> str:
    """The SQL `case` putting `days` (days past due) in its AGING_BUCKETS label."""
    whens = [f"when {days} <= {last} then '{label}'" for label, last in AGING_BUCKETS if last is not None]
    other = next(label for label, last in AGING_BUCKETS if last is None)
    return f"case {' '.join(whens)} else '{other}' end"


def aging_sql() -> str:
    """Open amount per customer × entity × currency at $1, by bucket (collections.md 6.1, 6.2):
    invoices finalized by the date and not voided by it, total − Σ settlement movements
    effective by the end of that day, kept when above 0."""
    bucket_sums = ",\n".join(
        f"cast(coalesce(sum(open_amount_minor) filter (where aging_bucket = '{label}'), 0) as bigint) as {col}"
        for (label, _), col in zip(AGING_BUCKETS, AGING_COLUMNS, strict=True)
    )
    return f"""
        with invoices as (
            select * from {RECEIVABLE_INVOICES}
            where cast(finalized_at as date) <= $1
              and (voided_at is null or cast(voided_at as date) > $1)
              and ($2::varchar is null or billing_entity_code = $2::varchar)
              and ($3::varchar is null or currency = $3::varchar)
        ),
        settled as (
            select invoice_source, invoice_id, sum(amount_minor) as settled_amount_minor
            from {INVOICE_SETTLEMENTS}
            where cast(effective_at as date) <= $1
            group by invoice_source, invoice_id
        ),
        open_invoices as (
            select invoices.*,
                   invoices.total_amount_minor - coalesce(settled.settled_amount_minor, 0) as open_amount_minor,
                   {bucket_case("date_diff('day', invoices.payment_due_date, $1)")} as aging_bucket
            from invoices
            left join settled using (invoice_source, invoice_id)
        )
        select external_customer_id, billing_entity_code, currency,
               cast(max(currency_exponent) as integer) as currency_exponent,
               {bucket_sums},
               cast(sum(open_amount_minor) as bigint) as open_amount_minor,
               count(*) as open_invoices_count
        from open_invoices
        where open_amount_minor > 0
        group by external_customer_id, billing_entity_code, currency
        order by currency, days_over_90_amount_minor desc, open_amount_minor desc, external_customer_id,
                 billing_entity_code
    """


def aging(con, as_of: date, entity: str | None = None, currency: str | None = None) -> Section:
    section = Section(
        "aging",
        f"Receivables aging at {as_of} (per customer × entity × currency)",
        ["external_customer_id", "billing_entity_code", "currency", *AGING_COLUMNS, "open_amount_minor",
         "open_invoices_count"],
    )  # fmt: skip
    section.load(con, (RECEIVABLE_INVOICES, INVOICE_SETTLEMENTS), aging_sql(), [as_of, entity, currency],
                 "no open receivables at that date")  # fmt: skip
    return section


def dso(con, as_of: date, currency: str | None = None) -> Section:
    section = Section(
        "dso",
        "DSO per currency at the latest month end on or before the date (all entities)",
        ["report_date", "currency", "receivables_amount_minor", "window_sales_amount_minor", "window_days",
         "simple_dso_days", "countback_dso_days", "is_countback_capped"],
    )  # fmt: skip
    section.load(
        con,
        (DSO,),
        f"""
        select report_date, currency, currency_exponent, receivables_amount_minor,
               window_sales_amount_minor, window_days, simple_dso_days, countback_dso_days,
               is_countback_capped
        from {DSO}
        where report_date = (select max(report_date) from {DSO} where report_date <= $1)
          and ($2::varchar is null or currency = $2::varchar)
        order by currency
        """,
        [as_of, currency],
        "no month end on or before that date in fct_dso",
    )
    return section


def unapplied_cash(con, currency: str | None = None, build_as_of: date | None = None) -> Section:
    section = Section(
        "unapplied",
        "Unapplied cash per customer × currency (as of the build; all entities)",
        ["customer_key", "currency", "unapplied_amount_minor", "payment_count", "suggested_amount_minor",
         "currency_mismatch_amount_minor", "oldest_paid_at"],
    )  # fmt: skip
    section.load(
        con,
        (UNAPPLIED_CASH, EXPONENTS),
        f"""
        select u.customer_key, u.currency, exponents.currency_exponent,
               u.unapplied_minor as unapplied_amount_minor, u.payment_count,
               u.suggested_minor as suggested_amount_minor,
               u.currency_mismatch_minor as currency_mismatch_amount_minor, u.oldest_paid_at
        from {UNAPPLIED_CASH} u
        {WITH_EXPONENT}
        where ($1::varchar is null or u.currency = $1::varchar) and u.unapplied_minor <> 0
        order by u.currency, u.unapplied_minor desc, u.customer_key
        """,
        [currency],
    )
    if build_as_of is not None and not section.missing:
        section.notes.append(f"unapplied cash is as the build left it ({build_as_of}), not dated")
    return section


def dunning_actions_due(con, as_of: date, entity: str | None = None, currency: str | None = None,
                        build_as_of: date | None = None) -> Section:  # fmt: skip
    section = Section(
        "dunning_actions",
        f"Dunning actions due on {as_of} (UTC)",
        ["external_customer_id", "billing_entity_code", "currency", "attempt_number", "is_final_attempt",
         "dunning_campaign_code", "attempt_source", "attempted_at", "dunning_attempt_id", "amount_minor"],
    )  # fmt: skip
    # fct_dunning_actions_due is this same filter at the build's as_of; any other day reads the
    # attempts themselves (replayed ones exist up to the build's as_of only).
    section.load(
        con,
        (DUNNING_ATTEMPTS, EXPONENTS),
        f"""
        select a.external_customer_id, a.billing_entity_code, a.currency, exponents.currency_exponent,
               a.attempt_number, a.is_final_attempt, a.dunning_campaign_code, a.attempt_source,
               a.attempted_at, a.dunning_attempt_id, a.amount_minor
        from {DUNNING_ATTEMPTS} a
        {WITH_EXPONENT}
        where a.attempted_date = $1
          and ($2::varchar is null or a.billing_entity_code = $2::varchar)
          and ($3::varchar is null or a.currency = $3::varchar)
        order by a.currency, a.attempted_at, a.external_customer_id, a.dunning_attempt_id
        """,
        [as_of, entity, currency],
    )
    if section.missing:
        return section
    if build_as_of is not None and as_of > build_as_of:
        section.notes.append(
            f"{as_of} is after the build's as_of ({build_as_of}): attempts are replayed up to it only"
        )
    elif not section.rows:
        section.notes.append("no dunning attempt that day")
    return section


def build_as_of(con) -> date | None:
    if missing_tables(con, REPORT_DATES):
        return None
    row = con.execute(f"select max(report_date) from {REPORT_DATES} where is_as_of_date").fetchone()
    return row[0] if row else None


def load_report(
    con, as_of: date, entity: str | None = None, currency: str | None = None
) -> CollectionsReport:
    built = build_as_of(con)
    return CollectionsReport(
        as_of=as_of,
        build_as_of=built,
        entity=entity,
        currency=currency,
        sections=[
            aging(con, as_of, entity, currency),
            dso(con, as_of, currency),
            unapplied_cash(con, currency, built),
            dunning_actions_due(con, as_of, entity, currency, built),
        ],
    )


# ---- formatting ------------------------------------------------------------------------------


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


# Short headers for the terminal; CSV measures use the bucket labels too.
HEADERS = {
    **{col: label for (label, _), col in zip(AGING_BUCKETS, AGING_COLUMNS, strict=True)},
    "external_customer_id": "customer",
    "customer_key": "customer",
    "billing_entity_code": "entity",
    "open_amount_minor": "open",
    "open_invoices_count": "invoices",
    "receivables_amount_minor": "AR",
    "window_sales_amount_minor": "window sales",
    "window_days": "days",
    "simple_dso_days": "DSO simple",
    "countback_dso_days": "DSO countback",
    "is_countback_capped": "capped",
    "unapplied_amount_minor": "unapplied",
    "payment_count": "payments",
    "suggested_amount_minor": "to review",
    "currency_mismatch_amount_minor": "currency mismatch",
    "attempt_number": "attempt",
    "is_final_attempt": "final",
    "dunning_campaign_code": "campaign",
    "attempt_source": "source",
    "dunning_attempt_id": "attempt id",
    "amount_minor": "amount",
}


def _label(column: str) -> str:
    return HEADERS.get(column, column.removesuffix("_minor"))


def _cell(row: dict, column: str, grouping: bool = True) -> str:
    value = row.get(column)
    if column.endswith("_minor"):
        return format_amount(value, row.get("currency_exponent"), grouping)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    return str(value)


def render_table(report: CollectionsReport, width: int = 160) -> str:
    """The report as rich tables (money in each row's own currency; per-currency totals only)."""
    from rich.console import Console
    from rich.table import Table

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None)
    scope = ", ".join(f"{k} {v}" for k, v in (("entity", report.entity), ("currency", report.currency)) if v)
    console.print(
        f"Collections as of {report.as_of}" + (f" ({scope})" if scope else "")
        + (f"; warehouse built as of {report.build_as_of}" if report.build_as_of else ""),
        markup=False,
    )  # fmt: skip
    for section in report.sections:
        table = Table(title=section.title, title_justify="left")
        for col in section.columns:
            right = col.endswith(("_minor", "_days", "_count", "_number"))
            table.add_column(_label(col), justify="right" if right else "left")
        for row in section.rows:
            table.add_row(*[_cell(row, c) for c in section.columns])
        if section.name == "aging":
            for total in aging_totals(section.rows):
                table.add_row(*[_cell(total, c) for c in section.columns], style="bold")
        if section.rows:
            console.print(table)
        else:
            console.print(section.title, style="bold", markup=False)
        for note in section.notes:
            console.print(f"  {note}", markup=False)
    return buffer.getvalue()


def aging_totals(rows: list[dict]) -> list[dict]:
    """One total row per currency (never across currencies)."""
    totals: dict[str, dict] = {}
    for row in rows:
        t = totals.setdefault(
            row["currency"],
            {"external_customer_id": "TOTAL", "billing_entity_code": "", "currency": row["currency"],
             "currency_exponent": row["currency_exponent"], "open_invoices_count": 0,
             **{c: 0 for c in (*AGING_COLUMNS, "open_amount_minor")}},
        )  # fmt: skip
        for c in (*AGING_COLUMNS, "open_amount_minor", "open_invoices_count"):
            t[c] += row[c]
    return [totals[c] for c in sorted(totals)]


CSV_COLUMNS = ["section", "date", "external_customer_id", "billing_entity_code", "currency", "measure",
               "value", "detail"]  # fmt: skip


def render_csv(report: CollectionsReport) -> str:
    """Long CSV, one figure per line: money as exact major units of the row's currency (no
    grouping), days as the marts give them. Sections that cannot be computed are not rows: the
    CLI prints their notes on stderr."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for row in report.section("aging").rows:
        for (label, _), col in zip(AGING_BUCKETS, AGING_COLUMNS, strict=True):
            w.writerow(["aging", report.as_of, row["external_customer_id"], row["billing_entity_code"],
                        row["currency"], label, _cell(row, col, False), ""])  # fmt: skip
    for row in report.section("dso").rows:
        for measure in ("simple_dso_days", "countback_dso_days"):
            detail = (
                "capped at 12 months"
                if measure.startswith("countback") and row["is_countback_capped"]
                else ""
            )
            w.writerow(
                ["dso", row["report_date"], "", "", row["currency"], measure, _cell(row, measure), detail]
            )
        w.writerow(["dso", row["report_date"], "", "", row["currency"], "receivables_amount",
                    _cell(row, "receivables_amount_minor", False), ""])  # fmt: skip
    for row in report.section("unapplied").rows:
        w.writerow(["unapplied_cash", report.build_as_of or "", row["customer_key"], "", row["currency"],
                    "unapplied_amount", _cell(row, "unapplied_amount_minor", False), ""])  # fmt: skip
    for row in report.section("dunning_actions").rows:
        detail = (
            f"attempt {row['attempt_number']} of {row['dunning_campaign_code']}"
            + (" (final)" if row["is_final_attempt"] else "")
            + f" {row['attempt_source']} {row['dunning_attempt_id']}"
        )
        w.writerow(["dunning_action", report.as_of, row["external_customer_id"], row["billing_entity_code"],
                    row["currency"], "amount", _cell(row, "amount_minor", False), detail])  # fmt: skip
    return out.getvalue()
