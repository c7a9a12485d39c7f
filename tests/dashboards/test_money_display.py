"""Minor units become major units with the currency's own exponent, exactly."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from dashboards.ui import format_money, to_major, with_money


def test_to_major_uses_the_currency_exponent():
    # JPY has no minor unit, USD two digits, BHD three (ISO 4217):
    # 1200 JPY = ¥1200; 1999 USD cents = $19.99; 12345 BHD fils = 12.345 BHD
    assert to_major(1200, "JPY") == Decimal("1200")
    assert to_major(1999, "USD") == Decimal("19.99")
    assert to_major(12345, "BHD") == Decimal("12.345")
    assert to_major(-5, "BHD") == Decimal("-0.005")
    assert to_major(np.int64(1999), "USD") == Decimal("19.99")


def test_format_money_keeps_every_minor_digit():
    assert format_money(1200, "JPY") == "¥1,200"
    assert format_money(123456789, "USD") == "$1,234,567.89"
    # 1 fils must not be rounded away to BHD 0.00
    assert format_money(1, "BHD").endswith("0.001")
    assert format_money(None, "USD") == ""


def test_precise_amounts_are_shown_unrounded():
    # an unrounded fee of 123.4567 cents is $1.234567; 1200.5 yen must not become ¥1,200
    assert format_money(Decimal("123.4567"), "USD") == "$1.234567"
    assert format_money(Decimal("1200.5"), "JPY") == "¥1,200.5"
    # integer minor units still show the currency's full digits: 1990 cents = $19.90
    assert format_money(1990, "USD") == "$19.90"


def test_float_money_is_refused():
    with pytest.raises(TypeError, match="float"):
        to_major(19.99, "USD")
    with pytest.raises(TypeError, match="float"):
        to_major(np.float64(1999.0), "USD")


def test_with_money_formats_each_row_in_its_own_currency():
    df = pd.DataFrame({"currency": ["JPY", "BHD"], "total_amount_minor": [1200, 12345], "units": [1, 2]})
    out = with_money(df)
    assert list(out.columns) == ["currency", "total_amount", "units"]
    assert out["total_amount"].tolist() == ["¥1,200", format_money(12345, "BHD")]
    assert out["total_amount"].iloc[1].endswith("12.345")
