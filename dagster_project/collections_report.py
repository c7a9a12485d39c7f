"""`revhouse collections --as-of DATE`: receivables aging, DSO, unapplied cash and the dunning
actions due, read from the published warehouse (collections.md 6, 7).

Every figure comes from dbt: this module selects and formats, it computes no money rule. The
aging at an arbitrary date reads the same rows as `fct_receivables_aging`: the open-amount
periods of `int_collections__invoice_open_amounts` (6.1, the period holding DATE), the bucket
bounds of the `aging_buckets` seed (6.2, published in `reference`) and the unapplied-cash
periods of `int_collections__unapplied_cash_periods` (4.3, the period holding DATE, its own
column), so no rule is written here. The e2e test `tests/e2e/test_collections_report.py` checks it equals the mart on every
report date the mart holds.

Money stays in integer minor units with its currency and the exponent from the data; nothing is
summed across currencies.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

import duckdb

from dagster_project.report_output import (
    EXPONENTS,
    console_text,
    format_amount,
    missing_tables,
    query_rows,
    text_console,
)

OPEN_AMOUNTS = "intermediate.int_collections__invoice_open_amounts"
AGING_BUCKETS = "reference.aging_buckets"
REPORT_DATES = "intermediate.int_collections__report_dates"
AGING = "collections.fct_receivables_aging"
DSO = "collections.fct_dso"
DUNNING_ATTEMPTS = "collections.fct_dunning_attempts"
UNAPPLIED_PERIODS = "intermediate.int_collections__unapplied_cash_periods"
PAYMENTS = "collections.fct_payments"

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
    # headers of columns named by data (the aging buckets: column -> label), in column order
    labels: dict[str, str] = field(default_factory=dict)

    def load(
        self, con, tables: tuple[str, ...], sql: str, params: list, empty_note: str | None = None
    ) -> None:
        """Fill the rows from `sql`, or say which of `tables` the published copy lacks."""
        self.missing = missing_tables(con, *tables)
        if self.missing:
            self.notes.append(_missing_note(self.missing))
            return
        self.rows = query_rows(con, sql, params)
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


def _missing_note(tables: list[str]) -> str:
    return (
        f"not in the published warehouse yet: {', '.join(tables)} "
        "(built by the collections models; run `revhouse build` once they exist)"
    )


@dataclass(frozen=True)
class AgingBucket:
    """One row of the `aging_buckets` seed (collections.md 6.2)."""

    code: str
    label: str
    min_days_past_due: int | None
    max_days_past_due: int | None

    @property
    def column(self) -> str:
        """Its column in fct_receivables_aging."""
        return f"{self.code}_amount_minor"


def aging_buckets(con: duckdb.DuckDBPyConnection) -> list[AgingBucket]:
    """The seed's buckets, youngest first. Codes become column names, so they must be plain."""
    buckets = [
        AgingBucket(*row)
        for row in con.execute(
            f"select aging_bucket, label, min_days_past_due, max_days_past_due from {AGING_BUCKETS} "
            "order by sort_order"
        ).fetchall()
    ]
    bad = [b.code for b in buckets if not re.fullmatch(r"[a-z][a-z0-9_]*", b.code)]
    if bad or not buckets:
        raise ValueError(
            f"{AGING_BUCKETS}: bucket codes must be lower-case identifiers, got {bad or 'no rows'}"
        )
    return buckets


def aging_sql(buckets: list[AgingBucket]) -> str:
    """Open amount per customer × entity × currency at $1, by bucket: the open-amount period of
    each invoice holding $1, in the seed bucket whose bounds hold $1 − due date; and the
    unapplied cash at $1 (the unapplied-cash period of each payment holding $1), not netted."""
    bucket_sums = ",\n".join(
        f"cast(coalesce(sum(open_amount_minor) filter (where aging_bucket = '{b.code}'), 0) as bigint) "
        f"as {b.column}"
        for b in buckets
    )
    return f"""
        with open_invoices as (
            select open_amounts.*, date_diff('day', open_amounts.payment_due_date, $1) as days_past_due
            from {OPEN_AMOUNTS} open_amounts
            where open_amounts.open_from_date <= $1
              and (open_amounts.open_until_date is null or $1 < open_amounts.open_until_date)
              and ($2::varchar is null or open_amounts.billing_entity_code = $2::varchar)
              and ($3::varchar is null or open_amounts.currency = $3::varchar)
        ),
        bucketed as (
            select open_invoices.*, buckets.aging_bucket
            from open_invoices
            inner join {AGING_BUCKETS} buckets
                on (buckets.min_days_past_due is null or open_invoices.days_past_due >= buckets.min_days_past_due)
                and (buckets.max_days_past_due is null or open_invoices.days_past_due <= buckets.max_days_past_due)
        ),
        positions as (
            select external_customer_id, billing_entity_code, currency, currency_exponent, aging_bucket,
                   open_amount_minor, 1 as open_invoices, 0 as unapplied_cash_minor
            from bucketed
            union all
            select customer_key, billing_entity_code, currency, currency_exponent, null,
                   0, 0, unapplied_minor
            from {UNAPPLIED_PERIODS}
            where unapplied_from_date <= $1 and (unapplied_until_date is null or $1 < unapplied_until_date)
              and ($2::varchar is null or billing_entity_code = $2::varchar)
              and ($3::varchar is null or currency = $3::varchar)
        )
        select external_customer_id, billing_entity_code, currency,
               cast(max(currency_exponent) as integer) as currency_exponent,
               {bucket_sums},
               cast(sum(open_amount_minor) as bigint) as open_amount_minor,
               cast(sum(open_invoices) as bigint) as open_invoices_count,
               cast(sum(unapplied_cash_minor) as bigint) as unapplied_cash_minor
        from positions
        group by external_customer_id, billing_entity_code, currency
        order by currency, {buckets[-1].column} desc, open_amount_minor desc, external_customer_id,
                 billing_entity_code
    """


def aging(con, as_of: date, entity: str | None = None, currency: str | None = None) -> Section:
    section = Section(
        "aging",
        f"Receivables aging at {as_of} (per customer × entity × currency)",
        [
            "external_customer_id",
            "billing_entity_code",
            "currency",
            "open_amount_minor",
            "open_invoices_count",
            "unapplied_cash_minor",
        ],
    )
    tables = (OPEN_AMOUNTS, AGING_BUCKETS, UNAPPLIED_PERIODS)
    buckets = [] if missing_tables(con, *tables) else aging_buckets(con)
    section.labels = {b.column: b.label for b in buckets}
    section.columns[3:3] = list(section.labels)
    # with a table missing, load() only records which: the SQL is never run
    section.load(con, tables, aging_sql(buckets) if buckets else "", [as_of, entity, currency],
                 "no open receivables or unapplied cash at that date")  # fmt: skip
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


def unapplied_cash(con, as_of: date, currency: str | None = None) -> Section:
    """Unapplied cash at `as_of`: each payment's unapplied-cash period holding the date; the
    part to review and the currency mismatches by the reason the build gives the payment."""
    section = Section(
        "unapplied",
        f"Unapplied cash at {as_of} per customer × currency (all entities)",
        ["customer_key", "currency", "unapplied_amount_minor", "payment_count", "suggested_amount_minor",
         "currency_mismatch_amount_minor", "oldest_paid_at"],
    )  # fmt: skip
    section.load(
        con,
        (UNAPPLIED_PERIODS, PAYMENTS),
        f"""
        select u.customer_key, u.currency, cast(max(u.currency_exponent) as integer) as currency_exponent,
               cast(sum(u.unapplied_minor) as bigint) as unapplied_amount_minor,
               count(*) as payment_count,
               cast(coalesce(sum(u.unapplied_minor) filter (where p.unapplied_reason = 'suggested'), 0)
                    as bigint) as suggested_amount_minor,
               cast(coalesce(sum(u.unapplied_minor) filter (where p.unapplied_reason = 'currency_mismatch'), 0)
                    as bigint) as currency_mismatch_amount_minor,
               min(u.paid_at) as oldest_paid_at
        from {UNAPPLIED_PERIODS} u
        left join {PAYMENTS} p on u.payment_id = p.payment_id
        where u.unapplied_from_date <= $1 and (u.unapplied_until_date is null or $1 < u.unapplied_until_date)
          and ($2::varchar is null or u.currency = $2::varchar)
        group by u.customer_key, u.currency
        having sum(u.unapplied_minor) <> 0
        order by u.currency, unapplied_amount_minor desc, u.customer_key
        """,
        [as_of, currency],
        "no unapplied cash at that date",
    )
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
            unapplied_cash(con, as_of, currency),
            dunning_actions_due(con, as_of, entity, currency, built),
        ],
    )


# ---- formatting ------------------------------------------------------------------------------


# Short headers for the terminal; CSV measures use the bucket labels too.
HEADERS = {
    "external_customer_id": "customer",
    "customer_key": "customer",
    "billing_entity_code": "entity",
    "open_amount_minor": "open",
    "open_invoices_count": "invoices",
    "unapplied_cash_minor": "unapplied",
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


def _label(column: str, section: Section) -> str:
    return section.labels.get(column) or HEADERS.get(column, column.removesuffix("_minor"))


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
    from rich.table import Table

    console = text_console(width)
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
            table.add_column(_label(col, section), justify="right" if right else "left")
        for row in section.rows:
            table.add_row(*[_cell(row, c) for c in section.columns])
        if section.name == "aging":
            for total in aging_totals(section.rows, list(section.labels)):
                table.add_row(*[_cell(total, c) for c in section.columns], style="bold")
        if section.rows:
            console.print(table)
        else:
            console.print(section.title, style="bold", markup=False)
        for note in section.notes:
            console.print(f"  {note}", markup=False)
    return console_text(console)


def aging_totals(rows: list[dict], bucket_columns: list[str]) -> list[dict]:
    """One total row per currency (never across currencies)."""
    totals: dict[str, dict] = {}
    for row in rows:
        t = totals.setdefault(
            row["currency"],
            {"external_customer_id": "TOTAL", "billing_entity_code": "", "currency": row["currency"],
             "currency_exponent": row["currency_exponent"], "open_invoices_count": 0,
             **{c: 0 for c in (*bucket_columns, "open_amount_minor", "unapplied_cash_minor")}},
        )  # fmt: skip
        for c in (*bucket_columns, "open_amount_minor", "open_invoices_count", "unapplied_cash_minor"):
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
    aging_section = report.section("aging")
    for row in aging_section.rows:
        for col, label in aging_section.labels.items():
            w.writerow(["aging", report.as_of, row["external_customer_id"], row["billing_entity_code"],
                        row["currency"], label, _cell(row, col, False), ""])  # fmt: skip
        if row["unapplied_cash_minor"]:
            w.writerow(["aging", report.as_of, row["external_customer_id"], row["billing_entity_code"],
                        row["currency"], "unapplied_cash", _cell(row, "unapplied_cash_minor", False),
                        "not netted"])  # fmt: skip
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
        w.writerow(["unapplied_cash", report.as_of, row["customer_key"], "", row["currency"],
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
