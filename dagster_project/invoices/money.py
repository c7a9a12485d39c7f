"""Money display: integer minor units to a localized amount with the currency's own digits."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency

from dagster_project.reference.currencies import exponent

DEFAULT_LOCALE = "en_US"


def format_money(amount_minor: int | Decimal, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    """12345 JPY -> '¥12,345'; 12345 BHD -> 'BHD 12.345'; 12345 USD -> '$123.45'.

    babel picks the symbol and the number of decimals from CLDR, and the exponent that turns
    minor into major units comes from the same source, so the two always agree.
    """
    major = Decimal(int(amount_minor)).scaleb(-exponent(currency))
    return format_currency(major, currency.upper(), locale=locale)
