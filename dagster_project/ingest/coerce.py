"""Turn a parser's Python values into text DuckDB casts to the raw column's declared type.

The runner checks every Row against schema.TABLES here, so a wrong type or an unknown
currency becomes a quarantine row naming the field, whatever parser produced it (one rule,
one place), instead of failing the whole file at insert time.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from dagster_project.reference.currencies import is_known_currency

_TRUE = {"true", "t", "1", "yes", "y"}
_FALSE = {"false", "f", "0", "no", "n"}


class FieldError(ValueError):
    def __init__(self, field: str, value: Any, reason: str):
        super().__init__(reason)
        self.field, self.value, self.reason = field, value, reason


def is_money_currency_column(column: str) -> bool:
    """Columns that name the ISO 4217 currency of an amount (fx quote/base codes are not: the
    ECB history lists retired currencies such as CYP on purpose)."""
    return column in {"currency", "currency_iso_code"} or column.endswith("amount_currency")


def parse_timestamp(value: Any) -> datetime:
    """UTC naive datetime from a datetime, an ISO 8601 string (offset or Z; none means UTC) or unix seconds."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        seconds = float(value) / 1000 if abs(float(value)) > 1e11 else float(value)
        return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
    else:
        text = str(value).strip()
        if text.lstrip("-").replace(".", "", 1).isdigit():
            return parse_timestamp(Decimal(text))
        dt = datetime.fromisoformat(text.replace("+0000", "+00:00"))
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt


def to_db_text(column: str, sql_type: str, value: Any) -> str | None:
    """Text form of `value` for `cast(... as sql_type)`; raises FieldError with a readable reason."""
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
                    raise FieldError(column, value, f"unknown currency {text!r} (not an ISO 4217 code)")
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
            return parse_timestamp(value).isoformat(sep=" ")
        if kind == "DATE":
            if isinstance(value, datetime):
                return value.date().isoformat()
            if isinstance(value, date):
                return value.isoformat()
            return date.fromisoformat(str(value).strip()[:10]).isoformat()
    except FieldError:
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
        raise FieldError(column, value, f"{column} is not {expected}: {str(value)[:80]!r}") from exc
    return str(value)
