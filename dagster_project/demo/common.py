"""Small shared helpers: dates, instants and money formatting for the demo generator."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from dagster_project.reference.currencies import exponent


def add_months(d: date, n: int, day: int | None = None) -> date:
    """d moved by n months; the day (default d.day) is clamped to the target month's length."""
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(day or d.day, calendar.monthrange(year, month)[1]))


def month_start(d: date) -> date:
    return d.replace(day=1)


def iso_z(dt: datetime, millis: bool = False) -> str:
    dt = dt.astimezone(UTC)
    if millis:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def local_midnight(d: date, tz: str) -> datetime:
    """The UTC instant at which local date d begins in tz."""
    return datetime.combine(d, time(0), ZoneInfo(tz)).astimezone(UTC)


def local_end_of_day(d: date, tz: str) -> datetime:
    return local_midnight(d + timedelta(days=1), tz) - timedelta(seconds=1)


def local_date(dt: datetime, tz: str) -> date:
    return dt.astimezone(ZoneInfo(tz)).date()


def unix(dt: datetime) -> int:
    return int(dt.timestamp())


def round_minor(amount_major: Decimal, currency: str) -> int:
    """Major-unit Decimal to integer minor units, half away from zero."""
    return int((amount_major.scaleb(exponent(currency))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def major_text(amount_minor: int, currency: str) -> str:
    """Integer minor units as the decimal text a CSV export shows ('12.50', '1500', '3.250')."""
    e = exponent(currency)
    return f"{Decimal(amount_minor).scaleb(-e):.{e}f}"


def dec_text(value: Decimal) -> str:
    """A price as Lago writes it: plain decimal text without exponent or trailing zeros."""
    text = format(value.normalize(), "f")
    return text


def daterange(a: date, b: date):
    """Dates a <= d < b."""
    d = a
    while d < b:
        yield d
        d += timedelta(days=1)
