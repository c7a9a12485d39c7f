"""ISO 4217 minor-unit exponents, read from babel (CLDR), never from a hand table.

`write_seed` regenerates dbt_project/seeds/iso_4217_currencies.csv; a test checks the seed
still matches the library.
"""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from babel.core import get_global
from babel.numbers import format_currency, get_currency_precision

from dagster_project.settings import REPO_ROOT

SEED_PATH = REPO_ROOT / "dbt_project" / "seeds" / "iso_4217_currencies.csv"


def known_currencies() -> list[str]:
    """Active ISO 4217 codes known to CLDR (three upper-case letters)."""
    codes = set()
    for territory_currencies in get_global("territory_currencies").values():
        for code, _start, end, tender in territory_currencies:
            if tender and end is None:
                codes.add(code)
    return sorted(c for c in codes if len(c) == 3 and c.isalpha() and c.isupper())


def is_known_currency(code: str | None) -> bool:
    return bool(code) and code.upper() in _KNOWN


def exponent(code: str) -> int:
    """Digits after the decimal point of the currency's minor unit (JPY 0, USD 2, BHD 3)."""
    return get_currency_precision(code.upper())


def to_minor(amount_major: str | Decimal, code: str) -> int:
    """Major-unit decimal text ("12.50") to integer minor units, half away from zero."""
    value = Decimal(str(amount_major)).scaleb(exponent(code))
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_major(amount_minor: int | Decimal, code: str) -> Decimal:
    """Minor units to major, exactly: 1200 JPY -> 1200; 12345 BHD -> 12.345. Unrounded
    `precise_*_minor` Decimals keep their fraction. A float is refused: money is never float."""
    if isinstance(amount_minor, float):
        raise TypeError(f"money must not arrive as a float ({amount_minor!r} {code})")
    exact = amount_minor if isinstance(amount_minor, Decimal) else int(amount_minor)  # numpy ints too
    return Decimal(exact).scaleb(-exponent(code))


def format_money(amount_minor: int | Decimal, code: str, locale: str = "en_US") -> str:
    """Babel's format for the currency (symbol, grouping, the currency's digits: ¥12,345,
    BHD 12.345, $123.45), never rounded: a precise amount shows every digit it carries,
    because babel would otherwise round it half-to-even."""
    return format_currency(
        to_major(amount_minor, code), code.upper(), locale=locale, decimal_quantization=False
    )


def write_seed(path: Path = SEED_PATH) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["currency", "minor_unit_exponent"])
        for code in known_currencies():
            w.writerow([code, exponent(code)])


_KNOWN = set(known_currencies())

if __name__ == "__main__":
    write_seed()
