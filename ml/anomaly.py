"""Anomaly scores for usage and invoices (docs/assurance.md §4). Pure: frames in, frames out.

Each entity is scored twice over:

- an IsolationForest (scikit-learn, `random_state=0`) on robust-scaled features ranks how
  unusual a row is among all rows of its kind (`score`, the forest's anomaly score in (0, 1]);
- a rule gate per kind (spike, drop, silence, invoice amount) says whether the row is
  flagged, so a steady series is never flagged however the forest ranks it, and a flag always
  has figures a finance lead can check. A row is flagged on the first day of an episode in
  which its gate holds (a drop or a silence lasts; a usage that fades then stops is one
  episode, flagged as the silence), and for a spike or an invoice amount when its score also
  reaches `MIN_SCORE`. Drops, silences and a usage fee billed for more units than were metered
  rest on their gate alone: the forest separates them weakly (a planted 90% drop scores about
  0.42-0.46 where the median row scores 0.37 and a spike 0.7), so its score only ranks them.

`top_features` names the features that stand out most on the row (largest robust z-score
against all rows), in words with the figures ("units 45.4× the 28-day median (318 vs 7)").
Money enters only as ratios of exact Decimals; floats are model inputs, never amounts.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest
from sklearn.preprocessing import RobustScaler

MODEL_VERSION = "iforest-robust-2"
FEATURE_VERSION = "usage-2+invoice-2"
RANDOM_STATE = 0
N_ESTIMATORS = 200
MIN_SCORE = 0.5  # for spikes and invoice amounts
SCORED_KINDS = ("usage_spike", "invoice_amount_anomaly")

# usage gates
BASELINE_DAYS = 28  # the trailing window of the SQL features (d-28 .. d-1)
MIN_HISTORY_DAYS = 14  # days of baseline before a day is scored
MIN_ACTIVE_DAYS = 14  # a series active fewer of its last 28 days is too sparse to judge
SPIKE_RATIO = 3.0  # units at least this many times the median and the same-weekday mean
SPIKE_Z = 6.0  # and this many robust standard deviations above the median
SPIKE_MAX_RATIO = 3.0  # and this many times the largest day of the 28 (a bursty series' peaks are usual)
DROP_RATIO = 0.25  # 7-day mean at most this share of the median (whatever the day's own units:
# on a low-volume series a day of a drop is often 0 or 1, as a usual day can be), and the week's
# events at most this share of the baseline's rate × 7 and that few that unlikely at that rate
# (Poisson lower tail below DROP_ODDS): a bursty or sparse series' quiet week is no drop
DROP_ODDS = 1e-4
SILENCE_DAYS = 7  # no event for at least this many days on a series that was active,
# and a gap that unlikely at the series' activity before it: (1 - active share)^days below this
SILENCE_ODDS = 1e-5
# invoice gates: fees at least this many times the customer's own median (and the plan's
# median in the month, when the plan has peers), with enough history to judge
INVOICE_RATIO = Decimal("2")
# a customer whose invoices are mostly usage fees is billed what it uses, which the usage
# scores judge day by day (its usual share: median usage fees / median fees of its history)
MAX_USAGE_SHARE = Decimal("0.5")
MIN_PRIOR_INVOICES = 3
# a usage fee (additive metric) billing at least this many times the units metered in its
# service period is over-billed whatever the invoice's total or the customer's history
CHARGE_RATIO = Decimal("2")
MIN_PLAN_PEERS = 3

USAGE_KINDS = ("usage_spike", "usage_drop", "usage_silence")
# the phrase of `_usage_words` each kind leads with: the ratio to the median, the 7-day mean,
# the silent days
USAGE_HEADLINE = {"usage_spike": 0, "usage_drop": 3, "usage_silence": 4}
INVOICE_KIND = "invoice_amount_anomaly"

# The table ml.anomaly_scores (docs/assurance.md §4): its columns in order, with their SQL types.
SCORE_TYPES = {
    "score_id": "varchar",
    "entity_type": "varchar",
    "entity_key": "varchar",
    "external_customer_id": "varchar",
    "external_subscription_id": "varchar",
    "invoice_id": "varchar",
    "metric_code": "varchar",
    "score_date": "date",
    "score": "double",
    "is_flagged": "boolean",
    "kind": "varchar",
    "top_features": "varchar",
    "model_version": "varchar",
    "feature_version": "varchar",
}
SCORE_COLUMNS = list(SCORE_TYPES)


def _num(value) -> float:
    """A feature value as a model input (None/NaN -> 0)."""
    if value is None:
        return 0.0
    if isinstance(value, Decimal):
        return float(value)
    try:
        out = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if np.isnan(out) else out


def _fmt(value) -> str:
    """A figure in words: integers plain, others to 3 significant digits."""
    x = _num(value)
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.3g}"


def _day(value) -> date | None:
    """A date whether the frame holds dates or timestamps (DuckDB's DATE reads back as the latter)."""
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def _score_id(*parts: object) -> str:
    return hashlib.md5("|".join("" if p is None else str(p) for p in parts).encode()).hexdigest()


def forest_scores(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(anomaly score in (0, 1], per-feature robust z) of each row: RobustScaler (median and
    IQR, so a few spikes do not set the scale) then an IsolationForest with a fixed seed."""
    if len(matrix) == 0:
        return np.zeros(0), np.zeros((0, matrix.shape[1] if matrix.ndim == 2 else 0))
    scaled = RobustScaler().fit_transform(matrix)
    forest = IsolationForest(n_estimators=N_ESTIMATORS, random_state=RANDOM_STATE)
    forest.fit(scaled)
    return -forest.score_samples(scaled), scaled


def _top_features(z_row: np.ndarray, words: list[str], headline: int = 0, k: int = 2) -> str:
    """The kind's headline feature first, then the others that stand out most (|robust z|)."""
    order = sorted((i for i in range(len(words)) if i != headline), key=lambda i: (-abs(z_row[i]), i))
    picked = [headline, *order][:k]
    return "; ".join(words[i] for i in picked if words[i])


# ---------------------------------------------------------------- usage


def _usage_derived(row: Mapping[str, object]) -> dict[str, float]:
    units = _num(row["units"])
    median = _num(row["median_units_28d"])
    mad = _num(row["mad_units_28d"])
    weekday = _num(row["same_weekday_mean_units"])
    mean7 = _num(row["mean_units_7d"])
    # robust sd: 1.4826 × MAD, floored at a tenth of the level and at the Poisson sd of a
    # count (√median, at least 1) so a flat or small series does not turn noise into a huge z
    scale = max(1.4826 * mad, 0.1 * abs(median), float(np.sqrt(max(abs(median), 1.0))))
    return {
        "units": units,
        "median": median,
        "weekday": weekday,
        "mean7": mean7,
        "events7": _num(row["events_7d"]),
        "expected7": 7 * _num(row["mean_events_28d"]),
        "max28": _num(row["max_units_28d"]),
        "ratio": units / median if median > 0 else (float("inf") if units > 0 else 1.0),
        "weekday_ratio": units / weekday if weekday > 0 else (float("inf") if units > 0 else 1.0),
        "mean7_ratio": mean7 / median if median > 0 else 1.0,
        "z": (units - median) / scale,
        "silent_days": _num(row["days_since_last_event"]),
        "active_days": _num(row["active_days_28d"]),
        "active_before_gap": _num(row["active_days_before_gap"]),
        "quantity_change": _num(row["contracted_quantity_change_28d"]),
        "plan_change": bool(row["has_plan_change_28d"]),
    }


def silence_odds(d: dict[str, float]) -> float:
    """How likely the gap is by chance: the share of quiet days in the 29 up to the last event,
    to the power of the gap's length."""
    share = min(d["active_before_gap"] / (BASELINE_DAYS + 1), 1.0)
    return (1.0 - share) ** d["silent_days"]


def poisson_lower_tail(k: float, lam: float) -> float:
    """P(X <= k) for X ~ Poisson(lam): how likely that few events are at the usual rate."""
    if lam <= 0:
        return 1.0
    term = math.exp(-lam)  # 0 for a huge rate: the tail is then far below any odds we test
    total = term
    for i in range(1, int(k) + 1):
        term *= lam / i
        total += term
    return min(total, 1.0)


def drop_odds(d: dict[str, float]) -> float:
    return poisson_lower_tail(d["events7"], d["expected7"])


def usage_kind(d: dict[str, float]) -> str:
    """The direction of a usage row: spike (above the median), silence (no event for at least
    `SILENCE_DAYS` and the silence gate holds or is explained away), or else drop: a quiet week
    on a series whose gaps are usual is judged as a drop of its 7-day mean, not as a silence."""
    if d["units"] > d["median"]:
        return "usage_spike"
    if (
        d["units"] == 0
        and d["silent_days"] >= SILENCE_DAYS
        and usage_gate("usage_silence", d) != (False, None)
    ):
        return "usage_silence"
    return "usage_drop"


def usage_gate(kind: str, d: dict[str, float]) -> tuple[bool, str | None]:
    """(does the rule gate hold, the reason it is explained away if it does but is not a fault).
    A silence is judged on the series' activity before it began, the others on the baseline."""
    active = d["active_before_gap"] if kind == "usage_silence" else d["active_days"]
    if active < MIN_ACTIVE_DAYS:
        return False, None
    if kind == "usage_spike":
        holds = (
            d["ratio"] >= SPIKE_RATIO
            and d["weekday_ratio"] >= SPIKE_RATIO
            and d["z"] >= SPIKE_Z
            and d["units"] >= SPIKE_MAX_RATIO * d["max28"]
        )
        if holds and d["quantity_change"] > 0:
            return False, f"after a contracted-quantity increase of {_fmt(d['quantity_change'])}"
        if holds and d["plan_change"]:
            return False, "after a plan change in the last 28 days"
        return holds, None
    if kind == "usage_drop":
        holds = (
            d["median"] > 0
            and d["mean7_ratio"] <= DROP_RATIO
            and d["events7"] <= DROP_RATIO * d["expected7"]
            and drop_odds(d) < DROP_ODDS
        )
    else:
        holds = d["silent_days"] >= SILENCE_DAYS and silence_odds(d) < SILENCE_ODDS
    if holds and d["quantity_change"] < 0:
        return False, f"after a contracted-quantity decrease of {_fmt(-d['quantity_change'])}"
    if holds and d["plan_change"]:
        return False, "after a plan change in the last 28 days"
    return holds, None


def _usage_words(d: dict[str, float]) -> list[str]:
    """One phrase per model feature, in the order of `_usage_matrix`'s columns."""
    ratio = "∞" if d["ratio"] == float("inf") else f"{d['ratio']:.1f}"
    weekday = "∞" if d["weekday_ratio"] == float("inf") else f"{d['weekday_ratio']:.1f}"
    return [
        f"units {ratio}× the 28-day median ({_fmt(d['units'])} vs {_fmt(d['median'])})",
        f"{abs(d['z']):.1f} robust deviations {'above' if d['z'] >= 0 else 'below'} the 28-day median",
        f"units {weekday}× the same-weekday mean ({_fmt(d['weekday'])})",
        f"7-day mean {_fmt(d['mean7'])} vs 28-day median {_fmt(d['median'])} "
        f"({_fmt(d['events7'])} events in 7 days where {_fmt(d['expected7'])} are usual)",
        f"no event for {int(d['silent_days'])} days after {int(d['active_before_gap'])} active days of 29"
        if d["silent_days"] >= 1
        else "",
    ]


def _log_ratio(x: float) -> float:
    """Signed log1p, capped: ratios span orders of magnitude (and a sum metric can go negative)."""
    x = max(min(x, 1e6), -1e6)
    return float(np.sign(x) * np.log1p(abs(x)))


def _usage_matrix(derived: list[dict[str, float]]) -> np.ndarray:
    return np.array(
        [
            [
                _log_ratio(d["ratio"]),
                float(np.clip(d["z"], -1e3, 1e3)),
                _log_ratio(d["weekday_ratio"]),
                _log_ratio(d["mean7_ratio"]),
                d["silent_days"],
            ]
            for d in derived
        ],
        dtype=float,
    ).reshape(len(derived), 5)


LOW_KINDS = ("usage_drop", "usage_silence")


def still_low(kind: str, d: dict[str, float]) -> bool:
    """Does a low episode that was raised go on today: the week is still at most `DROP_RATIO`
    of the usual (units and events), however likely that has become as the drop days enter the
    baseline and lower the rate it is judged against."""
    return kind in LOW_KINDS and (
        d["units"] == 0
        and d["silent_days"] >= 1
        or d["median"] > 0
        and d["mean7_ratio"] <= DROP_RATIO
        and d["events7"] <= DROP_RATIO * d["expected7"]
    )


def episode_flags(
    series: list[object], kinds: list[str], raised: list[bool], sustained: list[bool] | None = None
) -> list[bool]:
    """One flag per episode (rows in series order, then day by day): an episode is a run of
    consecutive days of one series, from a raised day on while the days are raised (or, for a
    low episode, `sustained`: still low), a spike's, or a low one's where drop and silence days
    mix (usage fades, then stops: one episode). A spike is flagged on its first day; a low
    episode on its first raised silence day if it has one (a silence is the stronger finding),
    else on its first day, as a drop."""
    sustained = sustained or [False] * len(kinds)
    flags = [False] * len(kinds)
    i = 0
    while i < len(kinds):
        if not raised[i]:
            i += 1
            continue
        low = kinds[i] in LOW_KINDS
        end = i + 1
        while (
            end < len(kinds)
            and (raised[end] or (low and sustained[end]))
            and series[end] == series[i]
            and (kinds[end] in LOW_KINDS if low else kinds[end] == kinds[i])
        ):
            end += 1
        run = range(i, end)
        first = next((j for j in run if kinds[j] == "usage_silence" and raised[j]), i) if low else i
        flags[first] = True
        i = end
    return flags


def score_usage(features: pd.DataFrame) -> pd.DataFrame:
    """Scores of the usage feature rows (int_assurance__usage_features) with enough history."""
    rows = features[features["history_days"].fillna(0) >= MIN_HISTORY_DAYS]
    rows = rows.sort_values(["external_subscription_id", "billable_metric_code", "usage_date"])
    records = rows.to_dict("records")
    derived = [_usage_derived(r) for r in records]
    scores, z = forest_scores(_usage_matrix(derived))
    kinds = [usage_kind(d) for d in derived]
    gates = [usage_gate(k, d) for k, d in zip(kinds, derived, strict=True)]
    raised = [
        bool(holds and (k not in SCORED_KINDS or scores[i] >= MIN_SCORE))
        for i, (k, (holds, _)) in enumerate(zip(kinds, gates, strict=True))
    ]
    series = [(r["external_subscription_id"], r["billable_metric_code"]) for r in records]
    sustained = [still_low(k, d) for k, d in zip(kinds, derived, strict=True)]
    flagged = episode_flags(series, kinds, raised, sustained)
    out = []
    for i, row in enumerate(records):
        d, kind, explained = derived[i], kinds[i], gates[i][1]
        top = _top_features(z[i], _usage_words(d), headline=USAGE_HEADLINE[kind])
        if explained:
            top = f"{top}; not flagged: {explained}"
        day = _day(row["usage_date"])
        key = f"{row['external_subscription_id']}|{row['billable_metric_code']}|{day}"
        out.append(
            {
                "score_id": _score_id("usage", key, MODEL_VERSION, FEATURE_VERSION),
                "entity_type": "usage",
                "entity_key": key,
                "external_customer_id": row["external_customer_id"],
                "external_subscription_id": row["external_subscription_id"],
                "invoice_id": None,
                "metric_code": row["billable_metric_code"],
                "score_date": day,
                "score": round(float(scores[i]), 6),
                "is_flagged": flagged[i],
                "kind": kind,
                "top_features": top,
                "model_version": MODEL_VERSION,
                "feature_version": FEATURE_VERSION,
            }
        )
    return pd.DataFrame(out, columns=SCORE_COLUMNS)


# ---------------------------------------------------------------- invoices


def _ratio(amount, median) -> Decimal | None:
    """Exact ratio of two minor-unit amounts (None when there is no positive median)."""
    if amount is None or median is None or pd.isna(amount) or pd.isna(median) or Decimal(int(median)) <= 0:
        return None
    return Decimal(int(amount)) / Decimal(int(median))


def _decimal(value) -> Decimal | None:
    if value is None or pd.isna(value):
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _units(value) -> str:
    """A quantity as billed, to the hundredth (1522.55, 463): no exponent for a finance lead."""
    return f"{_decimal(value) or 0:.2f}".rstrip("0").rstrip(".")


def charge_ratio(row: Mapping[str, object]) -> Decimal | None:
    """Units the invoice's top usage fee bills over the units metered for it (infinite when it
    bills units where none were metered; None without such a fee)."""
    billed = _decimal(row.get("top_charge_billed_units"))
    metered = _decimal(row.get("top_charge_metered_units"))
    if billed is None or billed <= 0 or metered is None:
        return None
    return billed / metered if metered > 0 else Decimal("Infinity")


def _invoice_words(
    row: Mapping[str, object],
    customer: Decimal | None,
    plan: Decimal | None,
    share: Decimal,
    charge: Decimal | None,
) -> list[str]:
    return [
        f"fees {customer:.1f}× the customer's median of its last {int(row['customer_prior_invoices'])} invoices "
        f"({int(row['fees_amount_minor'])} vs {int(row['customer_median_fees_minor'])} {row['currency']} minor units)"
        if customer is not None
        else "",
        f"fees {plan:.1f}× the median of plan {row['plan_code']} in the month "
        f"({int(row['plan_month_median_fees_minor'])} minor units over {int(row['plan_month_invoices'])} invoices)"
        if plan is not None
        else "",
        f"usage fees {share * 100:.0f}% of the invoice",
        f"{row['top_charge_key']} billed for {_units(row['top_charge_billed_units'])} units, "
        f"{'∞' if charge.is_infinite() else f'{charge:.1f}'}× the {_units(row['top_charge_metered_units'])} "
        "metered in its service period"
        if charge is not None
        else "",
    ]


def invoice_gate(
    row: Mapping[str, object], customer: Decimal | None, plan: Decimal | None, charge: Decimal | None = None
) -> tuple[bool, str | None]:
    """(flag, why not when the amount alone would): a usage fee billing far more units than were
    metered (whatever the history: a first month's fee too, and a customer billed mostly usage
    fees), or an invoice far above the customer's own history and, when its plan has peers that
    month, far above them too. Only upward: a low invoice is usually a legitimate proration, and
    under-billing is the rule checks' job."""
    if charge is not None and charge >= CHARGE_RATIO:
        return True, None
    if customer is None or int(row["customer_prior_invoices"]) < MIN_PRIOR_INVOICES:
        return False, None
    if customer < INVOICE_RATIO:
        return False, None
    if plan is not None and int(row["plan_month_invoices"]) >= MIN_PLAN_PEERS and plan < INVOICE_RATIO:
        return False, None
    if int(row["plans_count"] or 0) > 1:
        return False, "a plan change billed on the invoice (an upgrade's fees)"
    usual_share = _ratio(row["customer_median_usage_fees_minor"], row["customer_median_fees_minor"])
    if usual_share is not None and usual_share > MAX_USAGE_SHARE:
        return False, "the customer's invoices are mostly usage fees, which the usage scores judge"
    return True, None


def score_invoices(features: pd.DataFrame) -> pd.DataFrame:
    """Scores of the invoice feature rows (int_assurance__invoice_features)."""
    rows = features.sort_values(["invoice_id"])
    prepared = []
    for row in rows.to_dict("records"):
        customer = _ratio(row["fees_amount_minor"], row["customer_median_fees_minor"])
        plan = _ratio(row["fees_amount_minor"], row["plan_month_median_fees_minor"])
        fees = Decimal(int(row["fees_amount_minor"] or 0))
        usage = Decimal(int(row["usage_fees_amount_minor"] or 0))
        share = usage / fees if fees > 0 else Decimal(0)
        prepared.append((row, customer, plan, share, charge_ratio(row)))
    matrix = np.array(
        [
            [
                _log_ratio(float(c)) if c is not None else 0.0,
                _log_ratio(float(p)) if p is not None else 0.0,
                float(s),
                _log_ratio(float(g)) if g is not None else 0.0,
            ]
            for _, c, p, s, g in prepared
        ],
        dtype=float,
    ).reshape(len(prepared), 4)
    scores, z = forest_scores(matrix)
    out = []
    for i, (row, customer, plan, share, charge) in enumerate(prepared):
        holds, explained = invoice_gate(row, customer, plan, charge)
        over_metered = charge is not None and charge >= CHARGE_RATIO
        words = _invoice_words(row, customer, plan, share, charge)
        top = _top_features(z[i], words, headline=3 if over_metered else 0)
        if explained:
            top = f"{top}; not flagged: {explained}"
        out.append(
            {
                "score_id": _score_id("invoice", row["invoice_id"], MODEL_VERSION, FEATURE_VERSION),
                "entity_type": "invoice",
                "entity_key": row["invoice_id"],
                "external_customer_id": row["external_customer_id"],
                # the subscription of the usage fee billed over its metered units, if that is why
                "external_subscription_id": row.get("top_charge_subscription_id") if over_metered else None,
                "invoice_id": row["invoice_id"],
                "metric_code": None,
                "score_date": _day(row["issuing_date"]),
                "score": round(float(scores[i]), 6),
                # a fee billed over its metered units rests on that figure alone, like a drop
                "is_flagged": bool(holds and (over_metered or scores[i] >= MIN_SCORE)),
                "kind": INVOICE_KIND,
                "top_features": top,
                "model_version": MODEL_VERSION,
                "feature_version": FEATURE_VERSION,
            }
        )
    return pd.DataFrame(out, columns=SCORE_COLUMNS)


SCORERS: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "usage": score_usage,
    "invoice": score_invoices,
}


def score_all(usage_features: pd.DataFrame, invoice_features: pd.DataFrame) -> pd.DataFrame:
    """Every score of one build, usage then invoices, in a stable order."""
    frames = [f for f in (score_usage(usage_features), score_invoices(invoice_features)) if len(f)]
    if not frames:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    return pd.concat(frames, ignore_index=True)
