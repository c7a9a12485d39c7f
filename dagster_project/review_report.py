"""`revhouse review`: the assurance review queue and the leakage it adds up to, read from the
published warehouse (docs/assurance.md §3, §5).

Every figure comes from the assurance marts: this module filters, orders and formats, it judges
and sums nothing. The findings are rows of `fct_assurance_review_queue`, largest amount at risk
first within each currency (amounts of different currencies are never compared or added); the
leakage is `fct_assurance_leakage` as the mart gives it, per month, reason code and currency, with
its reporting-currency amounts. Money in exact major units with the ISO 4217 exponent of the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb

from dagster_project.report_output import (
    EXPONENTS,
    console_text,
    csv_text,
    format_amount,
    missing_tables,
    query_rows,
    text_console,
)

QUEUE = "assurance.fct_assurance_review_queue"
LEAKAGE = "assurance.fct_assurance_leakage"
SEVERITIES = ("high", "medium", "low")
STATUSES = ("open", "acknowledged", "resolved", "false_positive")

FINDING_COLUMNS = [
    "finding_id", "period_month", "external_customer_id", "external_subscription_id", "invoice_id",
    "invoice_number", "invoice_is_finalized", "reason_code", "severity", "source", "currency",
    "amount_at_risk_minor", "direction", "status", "explained_by", "reason_text",
]  # fmt: skip
LEAKAGE_COLUMNS = [
    "period_month", "reason_code", "currency", "findings_count", "leaked_amount_minor",
    "over_billed_amount_minor", "reporting_currency", "fx_rate", "fx_rate_date", "leaked_reporting_minor",
    "over_billed_reporting_minor",
]  # fmt: skip


@dataclass
class ReviewFilter:
    """The command's options; None means any."""

    severity: str | None = None
    reason: str | None = None
    status: str | None = None
    customer: str | None = None
    month: date | None = None

    def describe(self) -> str:
        parts = [
            f"{name} {value}"
            for name, value in (
                ("severity", self.severity),
                ("reason", self.reason),
                ("status", self.status),
                ("customer", self.customer),
                ("month", f"{self.month:%Y-%m}" if self.month else None),
            )
            if value
        ]
        return ", ".join(parts)

    def where(self, columns: tuple[str, ...]) -> tuple[str, list]:
        """`where` clause and parameters over those of the filter's columns a table has."""
        terms = [
            (column, value)
            for column, value in (
                ("severity", self.severity),
                ("reason_code", self.reason),
                ("status", self.status),
                ("external_customer_id", self.customer),
                ("period_month", self.month),
            )
            if value is not None and column in columns
        ]
        sql = " and ".join(f"t.{column} = ?" for column, _ in terms)
        return (f"where {sql}" if sql else ""), [value for _, value in terms]


@dataclass
class ReviewReport:
    filter: ReviewFilter
    top: int
    findings: list[dict] = field(default_factory=list)
    matched_per_currency: dict[str, int] = field(default_factory=dict)
    leakage: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def has_findings(self) -> bool:
        return bool(self.findings)


def check_choice(option: str, value: str | None, choices: tuple[str, ...]) -> str | None:
    """The value in lower case, or ValueError naming the option and its choices."""
    if value is None:
        return None
    if value.lower() not in choices:
        raise ValueError(f"{option} {value!r}: use {', '.join(choices)}")
    return value.lower()


def load_report(con: duckdb.DuckDBPyConnection, flt: ReviewFilter, top: int = 20) -> ReviewReport:
    report = ReviewReport(filter=flt, top=top)
    missing = missing_tables(con, QUEUE, LEAKAGE, EXPONENTS)
    if missing:
        report.notes.append(
            f"not in the published warehouse yet: {', '.join(missing)} (run `revhouse build`)"
        )
        return report
    where, params = flt.where(("severity", "reason_code", "status", "external_customer_id", "period_month"))
    severity_rank = "case t.severity when 'high' then 0 when 'medium' then 1 else 2 end"
    ranked = f"""
        select {", ".join(f"t.{c}" for c in FINDING_COLUMNS)}, e.minor_unit_exponent as currency_exponent,
            row_number() over (
                partition by t.currency
                order by t.amount_at_risk_minor desc, {severity_rank}, t.external_customer_id, t.finding_id
            ) as rank_in_currency,
            count(*) over (partition by t.currency) as matched_in_currency
        from {QUEUE} t
        left join {EXPONENTS} e on e.currency = t.currency
        {where}
    """
    report.findings = query_rows(
        con,
        f"select * from ({ranked}) where rank_in_currency <= ? order by currency, rank_in_currency",
        [*params, top],
    )
    report.matched_per_currency = {f["currency"]: f["matched_in_currency"] for f in report.findings}
    if not report.findings:
        report.notes.append(_nothing_matches(con, flt))
        return report
    where, params = flt.where(("reason_code", "period_month"))
    report.leakage = query_rows(
        con,
        f"""
        select {", ".join(f"t.{c}" for c in LEAKAGE_COLUMNS)},
            e.minor_unit_exponent as currency_exponent, r.minor_unit_exponent as reporting_exponent
        from {LEAKAGE} t
        left join {EXPONENTS} e on e.currency = t.currency
        left join {EXPONENTS} r on r.currency = t.reporting_currency
        {where}
        order by t.period_month, t.reason_code, t.currency
        """,
        params,
    )
    if flt.severity or flt.status or flt.customer:
        report.notes.append(
            "leakage totals are the mart's, cut by --month and --reason only "
            "(not by severity, status or customer)"
        )
    if not report.leakage:
        report.notes.append(
            "no leakage counted"
            + (f" for {report.filter.describe()}" if flt.month or flt.reason else "")
            + " (false positives and findings the data explains are not counted)"
        )
    return report


def _nothing_matches(con: duckdb.DuckDBPyConnection, flt: ReviewFilter) -> str:
    total = con.execute(f"select count(*) from {QUEUE}").fetchone()[0]
    note = (
        f"no finding in the review queue matches {flt.describe()}"
        if flt.describe()
        else "the review queue is empty"
    )
    if total and flt.describe():
        note += f" ({total} finding(s) in all"
        if flt.reason:
            codes = [
                r[0] for r in con.execute(f"select distinct reason_code from {QUEUE} order by 1").fetchall()
            ]
            note += f"; reason codes: {', '.join(codes)}"
        if flt.month:
            months = [
                r[0] for r in con.execute(f"select distinct period_month from {QUEUE} order by 1").fetchall()
            ]
            note += f"; months: {', '.join(f'{m:%Y-%m}' for m in months)}"
        note += ")"
    return note


# ---- formatting ------------------------------------------------------------------------------


def _where_billed(finding: dict) -> str:
    """The invoice when there is one (a draft has no number yet), else the subscription."""
    if finding["invoice_number"]:
        return finding["invoice_number"]
    if finding["invoice_id"]:
        return f"draft {finding['invoice_id']}"
    return finding["external_subscription_id"] or ""


def render_table(report: ReviewReport, width: int = 200) -> str:
    from rich.table import Table

    console = text_console(width)
    scope = report.filter.describe()
    console.print("Assurance review queue" + (f" ({scope})" if scope else ""), markup=False)
    if report.findings:
        shown = "; ".join(
            f"{currency}: {sum(f['currency'] == currency for f in report.findings)} of {matched}"
            for currency, matched in report.matched_per_currency.items()
        )
        table = Table(
            title=f"Findings, largest amount at risk first within each currency (top {report.top} "
            f"per currency; {shown})",
            title_justify="left",
        )
        for label in ("month", "customer", "invoice / subscription", "reason code", "severity", "ccy",
                      "at risk", "direction", "status", "explained by", "reason"):  # fmt: skip
            table.add_column(label, justify="right" if label == "at risk" else "left")
        for f in report.findings:
            table.add_row(
                f"{f['period_month']:%Y-%m}", f["external_customer_id"], _where_billed(f), f["reason_code"],
                f["severity"], f["currency"], format_amount(f["amount_at_risk_minor"], f["currency_exponent"]),
                f["direction"], f["status"], f["explained_by"] or "", f["reason_text"],
            )  # fmt: skip
        console.print(table)
    if report.leakage:
        leakage = Table(
            title="Leakage by month and cause (per currency, never summed across currencies; reporting "
            "currency at the month-end ECB rate as fct_assurance_leakage gives it)",
            title_justify="left",
        )
        for label in ("month", "reason code", "ccy", "findings", "leaked", "over-billed", "reporting ccy",
                      "leaked (rep.)", "over-billed (rep.)", "fx rate", "rate date"):  # fmt: skip
            leakage.add_column(label, justify="left" if label in ("month", "reason code", "ccy",
                                                                  "reporting ccy", "rate date") else "right")  # fmt: skip
        for row in report.leakage:
            exp, rep = row["currency_exponent"], row["reporting_exponent"]
            leakage.add_row(
                f"{row['period_month']:%Y-%m}", row["reason_code"], row["currency"], f"{row['findings_count']:,}",
                format_amount(row["leaked_amount_minor"], exp), format_amount(row["over_billed_amount_minor"], exp),
                row["reporting_currency"], format_amount(row["leaked_reporting_minor"], rep),
                format_amount(row["over_billed_reporting_minor"], rep),
                "" if row["fx_rate"] is None else f"{row['fx_rate']:f}", str(row["fx_rate_date"] or ""),
            )  # fmt: skip
        console.print(leakage)
    for note in report.notes:
        console.print(f"  {note}", markup=False)
    return console_text(console)


CSV_COLUMNS = [
    "section", "period_month", "finding_id", "external_customer_id", "external_subscription_id",
    "invoice_number", "invoice_id", "invoice_is_finalized", "reason_code", "severity", "source", "currency",
    "amount_at_risk", "direction", "status", "explained_by", "reason_text", "findings_count", "leaked_amount",
    "over_billed_amount", "reporting_currency", "fx_rate", "fx_rate_date", "leaked_reporting",
    "over_billed_reporting",
]  # fmt: skip


def render_csv(report: ReviewReport) -> str:
    """One line per finding (section `finding`) then one per leakage row (section `leakage`), in
    the table's order; money in exact major units of its currency (no grouping), the rate as the
    mart stores it; a column a section does not have is empty."""
    return csv_text(CSV_COLUMNS, _csv_rows(report))


def _csv_rows(report: ReviewReport):
    for f in report.findings:
        cells = {
            **{c: f[c] for c in FINDING_COLUMNS if c != "amount_at_risk_minor"},
            "period_month": f"{f['period_month']:%Y-%m}",
            "amount_at_risk": format_amount(
                f["amount_at_risk_minor"], f["currency_exponent"], grouping=False
            ),
        }
        yield ["finding", *[_csv_cell(cells.get(c)) for c in CSV_COLUMNS[1:]]]
    for row in report.leakage:
        exp, rep = row["currency_exponent"], row["reporting_exponent"]
        cells = {
            **{c: row[c] for c in LEAKAGE_COLUMNS if not c.endswith("_minor")},
            "period_month": f"{row['period_month']:%Y-%m}",
            "leaked_amount": format_amount(row["leaked_amount_minor"], exp, grouping=False),
            "over_billed_amount": format_amount(row["over_billed_amount_minor"], exp, grouping=False),
            "leaked_reporting": format_amount(row["leaked_reporting_minor"], rep, grouping=False),
            "over_billed_reporting": format_amount(row["over_billed_reporting_minor"], rep, grouping=False),
        }
        yield ["leakage", *[_csv_cell(cells.get(c)) for c in CSV_COLUMNS[1:]]]


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
