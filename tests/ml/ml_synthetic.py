"""Small synthetic feature frames, shaped as the SQL feature models are, for the ML tests."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd

START = date(2026, 1, 1)
DAYS = 90


def usage_features(series: dict[str, list[float]], customer: str = "cust_1", **extra) -> pd.DataFrame:
    """The columns of int_assurance__usage_features computed from daily units, as the SQL does:
    baseline d-28..d-1 (median, MAD, max, same-weekday mean, active days, mean events), mean
    units and events of d-6..d, days since the last day with events. A day's events are its
    units (whole counts)."""
    rows = []
    for sub, units in series.items():
        last_event = None
        active = [sum(1 for b in units[max(0, i - 28) : i] if b > 0) for i in range(len(units))]
        for i, u in enumerate(units):
            base = units[max(0, i - 28) : i]
            weekday = [units[i - k] for k in (7, 14, 21, 28) if i - k >= 0]
            recent = units[max(0, i - 6) : i + 1]
            if u > 0:
                last_event = i
            median = float(np.median(base)) if base else None
            rows.append(
                {
                    "external_customer_id": customer,
                    "external_subscription_id": sub,
                    "billable_metric_code": "api_calls",
                    "usage_date": START + timedelta(days=i),
                    "units": u,
                    "events_count": int(u),
                    "history_days": len(base),
                    "active_days_28d": sum(1 for b in base if b > 0),
                    "median_units_28d": median,
                    "mad_units_28d": float(np.median([abs(b - median) for b in base])) if base else None,
                    "max_units_28d": max(base) if base else None,
                    "same_weekday_mean_units": float(np.mean(weekday)) if weekday else None,
                    "mean_units_7d": float(np.mean(recent)),
                    "events_7d": int(sum(recent)),
                    "mean_events_28d": float(np.mean([int(b) for b in base])) if base else None,
                    "days_since_last_event": None if last_event is None else i - last_event,
                    "active_days_before_gap": None if last_event is None else active[last_event] + 1,
                    "contracted_quantity_change_28d": extra.get("quantity_change", 0),
                    "has_plan_change_28d": extra.get("plan_change", False),
                }
            )
    return pd.DataFrame(rows)


def steady(seed: int) -> list[float]:
    """Poisson-ish daily counts around 20 (a noisy but steady series)."""
    rng = np.random.default_rng(seed)
    return [float(x) for x in rng.poisson(20, DAYS)]


def invoice_features(
    fees: dict[str, list[int]],
    plan_median: int | None = None,
    plans: int = 1,
    usage_share: int = 0,
    charges: dict[str, list[tuple[str, str]]] | None = None,
) -> pd.DataFrame:
    """Invoice feature rows, one customer's invoices a month apart; `usage_share` in percent;
    `charges`: per customer, each invoice's top usage fee as (billed units, metered units)."""
    rows = []
    for customer, amounts in fees.items():
        units = (charges or {}).get(customer)
        for i, fee in enumerate(amounts):
            billed, metered = units[i] if units else (None, None)
            prior = amounts[max(0, i - 12) : i]
            rows.append(
                {
                    "invoice_id": f"{customer}-{i}",
                    "invoice_number": f"INV-{customer}-{i}",
                    "external_customer_id": customer,
                    "currency": "EUR",
                    "issuing_date": date(2026, 1 + i, 1),
                    "plan_code": "pro",
                    "plans_count": plans,
                    "fees_amount_minor": fee,
                    "usage_fees_amount_minor": fee * usage_share // 100,
                    "customer_prior_invoices": len(prior),
                    # percentile_disc 0.5: the lower middle value
                    "customer_median_fees_minor": sorted(prior)[(len(prior) - 1) // 2] if prior else None,
                    "customer_median_usage_fees_minor": (
                        sorted(prior)[(len(prior) - 1) // 2] * usage_share // 100 if prior else None
                    ),
                    "plan_month_invoices": 5 if plan_median else 0,
                    "plan_month_median_fees_minor": plan_median,
                    "top_charge_key": "data_transfer_gb" if units else None,
                    "top_charge_billed_units": Decimal(billed) if billed else None,
                    "top_charge_metered_units": Decimal(metered) if metered else None,
                }
            )
    return pd.DataFrame(rows)
