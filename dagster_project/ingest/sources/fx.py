"""ECB reference rates (`Date,USD,JPY,...,` with a trailing comma and `N/A`) → one row per date × currency.

Why long form: dbt joins a rate by (date, currency) and fills missing days from the last earlier
rate; a wide table would need a column per currency. `N/A` means the ECB did not quote that
currency that day (retired or not yet adopted), so no row is written for it — it is not an
error. A rate that is neither a number nor N/A is quarantined.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation

from dagster_project.ingest.base import LandingFile, Reject, Row
from dagster_project.ingest.sources._common import iter_csv, with_record

BASE = "EUR"
NOT_QUOTED = {"", "N/A", "NA", "-"}


def _date(text: str) -> str:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d %B %Y"):  # eurofxref-hist.csv / eurofxref.csv (daily file)
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise ValueError(text)


def parse(f: LandingFile) -> Iterator[Row | Reject]:
    for n, row in iter_csv(f, required=["Date"]):
        raw = ",".join(v or "" for v in row.values())
        try:
            rate_date = _date(row["Date"] or "")
        except ValueError:
            yield Reject(n, "Date is not a date (YYYY-MM-DD or '13 April 2026')", "Date", row["Date"], raw)
            continue
        rows: list[Row] = []
        for currency, value in row.items():
            if currency == "Date":
                continue
            text = (value or "").strip()
            if text.upper() in NOT_QUOTED:
                continue
            try:
                rate = Decimal(text)
                if rate <= 0:
                    raise InvalidOperation
            except InvalidOperation:
                yield Reject(n, f"rate for {currency} is not a positive number", currency, text, raw)
                continue
            rows.append(
                Row(
                    "fx_rates",
                    n,
                    {"rate_date": rate_date, "base_currency": BASE, "quote_currency": currency, "rate": rate},
                    natural_key=f"{BASE}|{currency}|{rate_date}",
                )
            )
        yield from with_record(rows, row, raw)  # the ECB row once, on its first currency cell
