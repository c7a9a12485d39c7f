import csv

from dagster_project.reference.currencies import SEED_PATH, exponent, known_currencies, to_minor


def test_currency_seed_matches_babel():
    with SEED_PATH.open() as f:
        seed = {row["currency"]: int(row["minor_unit_exponent"]) for row in csv.DictReader(f)}
    assert seed == {code: exponent(code) for code in known_currencies()}
    assert (seed["JPY"], seed["USD"], seed["BHD"], seed["KWD"]) == (0, 2, 3, 3)


def test_to_minor_rounds_half_away_from_zero_without_float():
    assert to_minor("12.345", "USD") == 1235
    assert to_minor("-12.345", "USD") == -1235
    assert to_minor("1500", "JPY") == 1500
    assert to_minor("0.0005", "BHD") == 1
    assert to_minor("0.1", "USD") + to_minor("0.2", "USD") == 30
