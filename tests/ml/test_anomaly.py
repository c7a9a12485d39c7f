"""ml.anomaly on small synthetic series: a planted spike, drop and silence are flagged, a
steady series is not, and the same input gives the same scores."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from ml_synthetic import DAYS, START, invoice_features, steady, usage_features

from ml import anomaly


def _flags(scores: pd.DataFrame, sub: str) -> pd.DataFrame:
    return scores[(scores["external_subscription_id"] == sub) & scores["is_flagged"]]


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    spike = steady(1)
    spike[60] = 400.0
    drop = steady(2)
    drop[60:] = [1.0] * (DAYS - 60)
    silence = steady(3)
    silence[60:] = [0.0] * (DAYS - 60)
    series = {f"steady_{n}": steady(10 + n) for n in range(8)}
    series.update({"spike": spike, "drop": drop, "silence": silence})
    return anomaly.score_usage(usage_features(series))


def test_a_planted_spike_is_flagged_on_its_day_with_its_figures(planted):
    flags = _flags(planted, "spike")
    assert list(flags["kind"]) == ["usage_spike"]
    assert flags["score_date"].iloc[0] == START + timedelta(days=60)
    assert flags["top_features"].iloc[0].startswith("units 20.")  # 400 vs a median near 20
    assert "× the 28-day median (400 vs" in flags["top_features"].iloc[0]


def test_a_planted_drop_is_flagged_as_a_drop(planted):
    flags = _flags(planted, "drop")
    assert list(flags["kind"]) == ["usage_drop"]  # one flag for the episode, on its first day
    assert min(flags["score_date"]) >= START + timedelta(days=60)


def test_a_planted_silence_is_flagged_after_a_week(planted):
    flags = _flags(planted, "silence")
    assert list(flags["kind"]) == ["usage_silence"]  # one flag, though it lasts 30 days
    assert flags["score_date"].iloc[0] == START + timedelta(days=60 + anomaly.SILENCE_DAYS - 1)
    assert flags["top_features"].iloc[0].startswith("no event for 7 days after 29 active days of 29")


def test_a_gap_in_a_sparse_series_is_not_a_silence():
    sparse = [20.0 if i % 2 == 0 else 0.0 for i in range(DAYS)]  # every other day
    sparse[60:70] = [0.0] * 10  # a 10-day gap: 0.5^10 is no rarity worth a flag
    scores = anomaly.score_usage(usage_features({"sparse": sparse, "other": steady(6)}))
    assert not _flags(scores, "sparse")["kind"].eq("usage_silence").any()


def test_steady_series_are_never_flagged(planted):
    steady = planted[planted["external_subscription_id"].str.startswith("steady_")]
    assert len(steady) > 8 * 60  # they were scored ...
    assert not steady["is_flagged"].any()  # ... and nothing stood out


def test_a_surge_after_a_contract_upsize_is_scored_but_not_flagged():
    surge = steady(4)
    surge[60] = 400.0
    scores = anomaly.score_usage(usage_features({"upsized": surge, "other": steady(5)}, quantity_change=50))
    row = scores[
        (scores["external_subscription_id"] == "upsized")
        & (scores["score_date"] == START + timedelta(days=60))
    ]
    assert row["kind"].iloc[0] == "usage_spike"
    assert not row["is_flagged"].iloc[0]
    assert "not flagged: after a contracted-quantity increase of 50" in row["top_features"].iloc[0]


def test_same_input_same_scores():
    frame = usage_features({"a": steady(7), "b": steady(8)})
    first, second = anomaly.score_usage(frame), anomaly.score_usage(frame.copy())
    pd.testing.assert_frame_equal(first, second)
    assert set(first["model_version"]) == {anomaly.MODEL_VERSION}
    assert set(first["feature_version"]) == {anomaly.FEATURE_VERSION}


def test_an_invoice_far_above_its_own_history_is_flagged_and_a_steady_one_is_not():
    fees = {f"c{n}": [10000 + 50 * n] * 6 for n in range(6)}
    fees["dup"] = [10000, 10000, 10000, 10000, 30000, 10000]
    scores = anomaly.score_invoices(invoice_features(fees))
    flagged = scores[scores["is_flagged"]]
    assert list(flagged["invoice_id"]) == ["dup-4"]
    assert flagged["kind"].iloc[0] == "invoice_amount_anomaly"
    assert (
        "fees 3.0× the customer's median of its last 4 invoices (30000 vs 10000 EUR minor units)"
        in (flagged["top_features"].iloc[0])
    )


def test_an_invoice_high_for_the_customer_but_usual_for_its_plan_is_not_flagged():
    fees = {f"c{n}": [10000] * 6 for n in range(6)}
    fees["grew"] = [4000, 4000, 4000, 4000, 12000, 12000]
    scores = anomaly.score_invoices(invoice_features(fees, plan_median=12000))
    assert not scores["is_flagged"].any()


@pytest.mark.parametrize(
    ("plans", "usage_share", "why"),
    [(2, 0, "a plan change billed on the invoice"), (1, 80, "the customer's invoices are mostly usage fees")],
)
def test_a_high_invoice_from_an_upgrade_or_from_usage_is_not_flagged(plans, usage_share, why):
    fees = {f"c{n}": [10000] * 6 for n in range(6)}
    fees["up"] = [10000, 10000, 10000, 10000, 30000, 30000]
    scores = anomaly.score_invoices(invoice_features(fees, plans=plans, usage_share=usage_share))
    assert not scores["is_flagged"].any()
    assert f"not flagged: {why}" in scores.set_index("invoice_id").loc["up-4", "top_features"]


def test_no_features_no_scores():
    empty = anomaly.score_all(usage_features({"x": [1.0]}).iloc[0:0], invoice_features({"c": [1]}).iloc[0:0])
    assert list(empty.columns) == anomaly.SCORE_COLUMNS
    assert len(empty) == 0


def low_volume(seed: int, rate: float = 3.0) -> list[float]:
    """Poisson counts around `rate` a day: zero days are common, a day's count says little."""
    rng = np.random.default_rng(seed)
    return [float(x) for x in rng.poisson(rate, DAYS)]


def test_a_drop_on_a_low_volume_series_is_found_once():
    drop = low_volume(21)
    drop[60:70] = [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0]  # about 10% of 3 a day
    series = {f"quiet_{n}": low_volume(30 + n) for n in range(12)}
    series["drop"] = drop
    scores = anomaly.score_usage(usage_features(series))
    flags = _flags(scores, "drop")
    # one flag for the 10 days, though days 61, 62, 64.. are 0 or 1 like a usual quiet day
    assert list(flags["kind"]) == ["usage_drop"]
    assert START + timedelta(days=60) <= flags["score_date"].iloc[0] <= START + timedelta(days=66)
    assert "events in 7 days where" in flags["top_features"].iloc[0]
    # the quiet weeks of a series at 3 events a day are no drop
    quiet = scores[scores["external_subscription_id"].str.startswith("quiet_")]
    assert len(quiet) > 12 * 60 and not quiet["is_flagged"].any()


def test_a_usage_that_fades_then_stops_is_one_silence():
    fade = steady(22)
    fade[60:63] = [2.0, 1.0, 1.0]  # a drop first ...
    fade[63:] = [0.0] * (DAYS - 63)  # ... then nothing: one episode
    scores = anomaly.score_usage(usage_features({"fade": fade, "other": steady(23)}))
    flags = _flags(scores, "fade")
    assert list(flags["kind"]) == ["usage_silence"]
    assert flags["score_date"].iloc[0] == START + timedelta(days=63 + anomaly.SILENCE_DAYS - 1)


def test_episode_flags_one_per_run_a_silence_over_its_drop_days():
    series = ["a"] * 6 + ["b"] * 3
    kinds = ["usage_drop", "usage_drop", "usage_silence", "usage_silence", "usage_spike", "usage_drop"]
    kinds += ["usage_drop", "usage_drop", "usage_drop"]
    raised = [True, True, True, True, True, False, True, False, True]
    assert anomaly.episode_flags(series, kinds, raised) == [
        False,  # the drop days before the silence ...
        False,
        True,  # ... are its episode: flagged on its first silence day
        False,
        True,  # a spike is its own episode
        False,
        True,  # another series' drop
        False,
        True,  # and again once it held again after a day it did not
    ]
    # ... unless that day was still low (the drop days lower the rate it is judged against)
    sustained = [False] * 7 + [True, False]
    assert anomaly.episode_flags(series, kinds, raised, sustained)[6:] == [True, False, False]


def test_a_usage_fee_billed_ten_times_its_metered_units_is_flagged_without_history():
    # a customer billed mostly usage, on its second invoice: no history to judge the total by
    fees = {f"c{n}": [10000] * 6 for n in range(6)}
    fees["x10"] = [29900, 53443]
    charges = {"x10": [("117.76", "117.76"), ("1177.60", "117.76")]}
    scores = anomaly.score_invoices(invoice_features(fees, usage_share=80, charges=charges))
    flagged = scores[scores["is_flagged"]]
    assert list(flagged["invoice_id"]) == ["x10-1"]
    assert (
        flagged["top_features"]
        .iloc[0]
        .startswith(
            "data_transfer_gb billed for 1177.6 units, 10.0× the 117.76 metered in its service period"
        )
    )


def test_a_usage_surge_after_an_upsize_billed_as_metered_is_not_flagged():
    # fees 3× the customer's usual, from usage really metered (billed = metered), on an
    # upgrade: the amount alone would flag it, the usage fee is right
    fees = {f"c{n}": [10000] * 6 for n in range(6)}
    fees["surge"] = [10000, 10000, 10000, 10000, 30000, 30000]
    charges = {"surge": [("100", "100")] * 4 + [("1900", "1900"), ("1800", "1800")]}
    for plans, usage_share in ((2, 0), (1, 80)):
        scores = anomaly.score_invoices(
            invoice_features(fees, plans=plans, usage_share=usage_share, charges=charges)
        )
        assert not scores["is_flagged"].any()
        assert "1.0× the 1900 metered" in scores.set_index("invoice_id").loc["surge-4", "top_features"]


def test_charge_ratio_without_a_fee_or_without_metered_units():
    assert anomaly.charge_ratio({"top_charge_billed_units": None, "top_charge_metered_units": None}) is None
    billed_unmetered = {"top_charge_billed_units": Decimal("5"), "top_charge_metered_units": Decimal("0")}
    assert anomaly.charge_ratio(billed_unmetered).is_infinite()
    assert anomaly.charge_ratio(
        {"top_charge_billed_units": Decimal("1177.60"), "top_charge_metered_units": Decimal("117.76")}
    ) == Decimal("10")
