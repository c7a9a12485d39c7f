"""`revhouse export journals --period YYYY-MM`: the journal lines of an accounting period, read
from the published warehouse (metrics-and-revrec.md A11, A12), as a generic CSV or an ERP
journal-import file.

Every figure comes from `revrec.fct_journal_lines`: this module selects and formats, it posts
nothing. The generic CSV has every column of the mart as stored (money in integer minor units).
The ERP file has one row per line in the shape journal imports take: entry id, entry date,
account code, debit, credit, currency, memo, external reference (the invoice or credit note,
else the posting), then the functional currency, its debit and credit and the rate, so the
importer can post the entry in the entity's currency too. Amounts are exact decimal major units
formatted from the minor units with the ISO 4217 exponent (JPY 0, BHD 3) through Decimal.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import duckdb

from dagster_project.report_output import EXPONENTS, missing_tables, query_rows, to_major

JOURNAL_LINES = "revrec.fct_journal_lines"
FORMATS = ("csv", "erp")
ERP_COLUMNS = [
    "entry_id",
    "entry_date",
    "account_code",
    "debit",
    "credit",
    "currency",
    "memo",
    "external_reference",
    "functional_currency",
    "functional_debit",
    "functional_credit",
    "fx_rate",
]


class ExportError(LookupError):
    """The export cannot be written (no such period, mart not built); the message says why."""


@dataclass
class JournalExport:
    period: str
    entity: str | None
    columns: list[str] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)


def load_lines(con: duckdb.DuckDBPyConnection, period: date, entity: str | None = None) -> JournalExport:
    """The lines of `period` (optionally one entity) in entry order, with each currency's
    exponent; ExportError naming the periods that exist when there are none."""
    missing = missing_tables(con, JOURNAL_LINES, EXPONENTS)
    if missing:
        raise ExportError(f"not in the published warehouse yet: {', '.join(missing)} (run `revhouse build`)")
    label = f"{period:%Y-%m}"
    cur = con.execute(
        f"""
        select lines.*,
            document_exponent.minor_unit_exponent as currency_exponent,
            functional_exponent.minor_unit_exponent as functional_currency_exponent
        from {JOURNAL_LINES} as lines
        left join {EXPONENTS} as document_exponent on lines.currency = document_exponent.currency
        left join {EXPONENTS} as functional_exponent on lines.functional_currency = functional_exponent.currency
        where lines.period = $1 and ($2::varchar is null or lines.billing_entity_code = $2::varchar)
        order by lines.entry_date, lines.entry_id, lines.line_number
        """,
        [label, entity],
    )
    names = [d[0] for d in cur.description]
    export = JournalExport(period=label, entity=entity)
    export.columns = [n for n in names if n not in ("currency_exponent", "functional_currency_exponent")]
    export.lines = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    if not export.lines:
        known = [
            r["period"]
            for r in query_rows(
                con,
                f"select distinct period from {JOURNAL_LINES} "
                "where $1::varchar is null or billing_entity_code = $1::varchar order by period",
                [entity],
            )
        ]
        where = f" for entity {entity}" if entity else ""
        raise ExportError(
            f"no journal lines for period {label}{where}; periods with journal lines{where}: "
            + (", ".join(known) if known else "none")
        )
    return export


def _major(amount_minor: int | None, exponent: int | None) -> str:
    """Exact decimal major units, as many decimals as the currency has; empty when null."""
    if amount_minor is None:
        return ""
    if exponent is None:
        raise ExportError(f"no ISO 4217 exponent for an amount of {amount_minor} minor units")
    return f"{to_major(amount_minor, exponent):.{int(exponent)}f}"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        raise TypeError(f"money must not arrive as a float ({value!r})")
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def render_csv(export: JournalExport) -> str:
    """Every column of fct_journal_lines, values as stored (minor units)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(export.columns)
    for line in export.lines:
        w.writerow([_text(line[c]) for c in export.columns])
    return out.getvalue()


def render_erp(export: JournalExport) -> str:
    """One row per journal line in the shape ERP journal imports take (see module doc)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(ERP_COLUMNS)
    for line in export.lines:
        exponent = line["currency_exponent"]
        functional_exponent = line["functional_currency_exponent"]
        w.writerow(
            [
                line["entry_id"],
                _text(line["entry_date"]),
                _text(line["account_code"]),
                _major(line["debit_minor"], exponent),
                _major(line["credit_minor"], exponent),
                line["currency"],
                _text(line["memo"]),
                _text(line["document_id"] or line["source_id"] or line["contract_id"]),
                _text(line["functional_currency"]),
                _major(line["functional_debit_minor"], functional_exponent),
                _major(line["functional_credit_minor"], functional_exponent),
                _text(line["fx_rate"]),
            ]
        )
    return out.getvalue()


def render(export: JournalExport, format: str) -> str:
    return render_erp(export) if format == "erp" else render_csv(export)
