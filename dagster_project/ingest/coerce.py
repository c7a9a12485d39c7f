"""Turn a parser's Python values into text DuckDB casts to the raw column's declared type.

The runner checks every Row against schema.TABLES here, so a wrong type or an unknown
currency becomes a quarantine row naming the field, whatever parser produced it (one rule,
one place), instead of failing the whole file at insert time.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from dagster_project.ingest.base import BadValue
from dagster_project.ingest.sources._common import parse_ts
from dagster_project.reference.currencies import is_known_currency

_TRUE = {"true", "t", "1", "yes", "y"}
_FALSE = {"false", "f", "0", "no", "n"}


def is_money_currency_column(column: str) -> bool:
    """Columns that name the ISO 4217 currency of an amount (fx quote/base codes are not: the
    ECB history lists retired currencies such as CYP on purpose)."""
    return column in {"currency", "currency_iso_code"} or column.endswith("amount_currency")


def to_db_text(column: str, sql_type: str, value: Any) -> str | None:
    """Text form of `value` for `cast(... as sql_type)`; raises BadValue with a readable reason."""
    if value is None or (isinstance(value, str) and value.strip() == "" and sql_type != "VARCHAR"):
        return None
    kind = sql_type.split("(")[0].upper()
    try:
        if kind == "VARCHAR":
            if isinstance(value, dict | list):
                return json.dumps(value, ensure_ascii=False, default=str)
            if isinstance(value, bool):
                return "true" if value else "false"
            text = str(value)
            if is_money_currency_column(column) and text.strip():
                if not is_known_currency(text.strip()):
                    raise BadValue(column, value, f"unknown currency {text!r} (not an ISO 4217 code)")
                return text.strip().upper()
            return text
        if kind in {"BIGINT", "INTEGER"}:
            if isinstance(value, bool):
                raise ValueError
            number = Decimal(str(value).strip())
            if number != number.to_integral_value():
                raise ValueError
            return str(int(number))
        if kind == "DECIMAL":
            if isinstance(value, bool):
                raise ValueError
            number = Decimal(str(value).strip())
            if not number.is_finite():
                raise ValueError
            return str(number)
        if kind == "BOOLEAN":
            if isinstance(value, bool):
                return "true" if value else "false"
            text = str(value).strip().lower()
            if text in _TRUE:
                return "true"
            if text in _FALSE:
                return "false"
            raise ValueError
        if kind == "TIMESTAMP":
            try:
                return parse_ts(value, column).isoformat(sep=" ")
            except BadValue as exc:
                raise ValueError(exc.reason) from exc  # worded below, like every other type
        if kind == "DATE":
            if isinstance(value, datetime):
                return value.date().isoformat()
            if isinstance(value, date):
                return value.isoformat()
            return date.fromisoformat(str(value).strip()[:10]).isoformat()
    except BadValue:
        raise
    except (ValueError, InvalidOperation, TypeError, OverflowError) as exc:
        expected = {
            "BIGINT": "a whole number",
            "INTEGER": "a whole number",
            "DECIMAL": "a decimal number",
            "BOOLEAN": "true or false",
            "TIMESTAMP": "a timestamp (ISO 8601 or unix seconds)",
            "DATE": "a date (YYYY-MM-DD)",
        }.get(kind, sql_type)
        raise BadValue(column, value, f"{column} is not {expected}: {str(value)[:80]!r}") from exc
    return str(value)
