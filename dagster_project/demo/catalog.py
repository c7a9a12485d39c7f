"""The demo company's Lago catalog: taxes, billable metrics, plans (with charges), coupons, add-ons."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from dagster_project.demo.common import dec_text, round_minor
from dagster_project.demo.ids import lago_uuid

CATALOG_CREATED_AT = "2025-06-01T09:00:00Z"

# (code, name, rate) — rates in percent, as Lago sends them (a JSON number)
TAXES = [
    ("fr_vat_20", "TVA 20%", Decimal("20")),
    ("us_sales_tax", "US sales tax (NYC)", Decimal("8.875")),
    ("jp_consumption_10", "Japan consumption tax", Decimal("10")),
    ("bh_vat_10", "Bahrain VAT", Decimal("10")),
]

# (code, name, aggregation_type, field_name, recurring, weighted_interval, filters)
METRICS = [
    ("api_calls", "API calls", "count_agg", None, False, None, []),
    (
        "data_transfer_gb",
        "Data transfer (GB)",
        "sum_agg",
        "gb",
        False,
        None,
        [{"key": "region", "values": ["us-east", "eu-west", "ap-northeast"]}],
    ),
    ("peak_concurrency", "Peak concurrency", "max_agg", "concurrency", False, None, []),
    ("active_users", "Monthly active users", "unique_count_agg", "user_id", False, None, []),
    ("storage_gb", "Storage (GB)", "latest_agg", "gb", False, None, []),
    ("gpu_level", "Provisioned GPUs", "weighted_sum_agg", "gpus", True, "seconds", []),
    ("seats", "Seats", "sum_agg", "seats", True, None, []),
    ("payment_volume", "Payment volume", "sum_agg", "amount", False, None, []),
]
METRIC_CODES = [m[0] for m in METRICS]

# How a currency's prices relate to the USD list price (major units); JPY has no minor unit.
PRICE_FACTOR = {"USD": Decimal("1"), "EUR": Decimal("1"), "JPY": Decimal("150"), "BHD": Decimal("0.376")}


def _p(value: str, currency: str) -> str:
    return dec_text(Decimal(value) * PRICE_FACTOR[currency])


def _ranges(spec: list[tuple[int, int | None, str, str]], currency: str) -> list[dict]:
    return [
        {
            "from_value": a,
            "to_value": b,
            "flat_amount": _p(flat, currency),
            "per_unit_amount": _p(unit, currency),
        }
        for a, b, unit, flat in spec
    ]


@dataclass
class Charge:
    lago_id: str
    code: str
    metric: str
    charge_model: str
    properties: dict
    filters: list = field(default_factory=list)
    min_amount_cents: int = 0


@dataclass
class Plan:
    lago_id: str
    code: str
    family: str
    name: str
    interval: str
    billing_time: str  # what subscriptions to this plan use
    amount_cents: int
    currency: str
    pay_in_advance: bool
    trial_period: int
    bill_charges_monthly: bool | None
    charges: list[Charge]
    minimum_commitment_cents: int | None = None
    usage_threshold_cents: int | None = None

    @property
    def yearly_amount_cents(self) -> int:
        return self.amount_cents * {"weekly": 52, "monthly": 12, "quarterly": 4, "yearly": 1}[self.interval]


# family -> (interval, billing_time, usd list price, in advance, trial days, bill_charges_monthly, currencies)
FAMILIES = {
    "starter": ("monthly", "calendar", "49", False, 0, None, ["USD", "EUR", "JPY", "BHD"]),
    "growth": ("monthly", "calendar", "299", True, 14, None, ["USD", "EUR", "JPY", "BHD"]),
    "team": ("monthly", "anniversary", "99", True, 0, None, ["USD", "EUR"]),
    "business": ("quarterly", "calendar", "1500", False, 0, None, ["USD", "EUR"]),
    "scale": ("yearly", "calendar", "24000", True, 0, True, ["USD"]),
}


def _charges(rng: random.Random, family: str, plan_code: str, ccy: str) -> list[Charge]:
    def ch(metric, model, props, filters=None, min_amount=None):
        return Charge(
            lago_id=lago_uuid(rng),
            code=f"{plan_code}__{metric}",
            metric=metric,
            charge_model=model,
            properties=props,
            filters=filters or [],
            min_amount_cents=round_minor(Decimal(min_amount) * PRICE_FACTOR[ccy], ccy) if min_amount else 0,
        )

    if family == "starter":
        return [
            ch(
                "api_calls",
                "graduated",
                {
                    "graduated_ranges": _ranges(
                        [(0, 100, "0", "5"), (101, 400, "0.05", "0"), (401, None, "0.03", "10")], ccy
                    )
                },
            ),
            ch("storage_gb", "standard", {"amount": _p("0.10", ccy)}),
        ]
    if family == "growth":
        return [
            ch(
                "api_calls",
                "volume",
                {"volume_ranges": _ranges([(0, 200, "0.04", "0"), (201, None, "0.03", "15")], ccy)},
                min_amount="25",
            ),
            ch(
                "data_transfer_gb",
                "standard",
                {"amount": _p("0.12", ccy)},
                filters=[
                    {
                        "invoice_display_name": "Data transfer US",
                        "properties": {"amount": _p("0.09", ccy)},
                        "values": {"region": ["us-east"]},
                    },
                    {
                        "invoice_display_name": "Data transfer EU",
                        "properties": {"amount": _p("0.08", ccy)},
                        "values": {"region": ["eu-west"]},
                    },
                ],
            ),
            ch("active_users", "package", {"amount": _p("20", ccy), "free_units": 5, "package_size": 10}),
        ]
    if family == "team":
        return [
            ch("seats", "standard", {"amount": _p("12", ccy)}),
            ch("storage_gb", "standard", {"amount": _p("0.10", ccy)}),
        ]
    if family == "business":
        return [
            ch(
                "payment_volume",
                "percentage",
                {"rate": "1.5", "fixed_amount": _p("0.10", ccy), "free_units_per_events": 5},
            ),
            ch("peak_concurrency", "standard", {"amount": _p("2", ccy), "pricing_group_keys": ["cluster"]}),
        ]
    if family == "scale":
        return [
            ch("gpu_level", "standard", {"amount": _p("250", ccy)}),
            ch("api_calls", "standard", {"amount": _p("0.02", ccy)}),
        ]
    raise ValueError(family)


def build_plans(rng: random.Random) -> list[Plan]:
    plans = []
    for family, (interval, billing_time, usd, advance, trial, bcm, currencies) in FAMILIES.items():
        for ccy in currencies:
            code = f"{family}_{ccy.lower()}"
            plan = Plan(
                lago_id=lago_uuid(rng),
                code=code,
                family=family,
                name=f"{family.capitalize()} ({ccy})",
                interval=interval,
                billing_time=billing_time,
                amount_cents=round_minor(Decimal(usd) * PRICE_FACTOR[ccy], ccy),
                currency=ccy,
                pay_in_advance=advance,
                trial_period=trial,
                bill_charges_monthly=bcm,
                charges=_charges(rng, family, code, ccy),
            )
            if family == "scale":
                plan.minimum_commitment_cents = round_minor(Decimal("30000") * PRICE_FACTOR[ccy], ccy)
                # progressive billing is declared but set above any demo usage, so it never fires
                plan.usage_threshold_cents = round_minor(Decimal("1000000") * PRICE_FACTOR[ccy], ccy)
            plans.append(plan)
    return plans


def tax_json(lago_ids: dict[str, str], code: str) -> dict:
    name, rate = next((n, r) for c, n, r in TAXES if c == code)
    return {
        "lago_id": lago_ids[code],
        "name": name,
        "code": code,
        "rate": float(rate),
        "description": name,
        "applied_to_organization": False,
        "created_at": CATALOG_CREATED_AT,
    }


def taxes_json(lago_ids: dict[str, str]) -> list[dict]:
    return [tax_json(lago_ids, code) for code, _, _ in TAXES]


def metrics_json(lago_ids: dict[str, str]) -> list[dict]:
    out = []
    for code, name, agg, field_name, recurring, weighted, filters in METRICS:
        out.append(
            {
                "lago_id": lago_ids[code],
                "name": name,
                "code": code,
                "description": name,
                "aggregation_type": agg,
                "weighted_interval": weighted,
                "recurring": recurring,
                "rounding_function": None,
                "rounding_precision": None,
                "expression": None,
                "field_name": field_name,
                "created_at": CATALOG_CREATED_AT,
                "filters": filters,
            }
        )
    return out


def plan_json(plan: Plan, metric_ids: dict[str, str]) -> dict:
    charges = []
    for c in plan.charges:
        charges.append(
            {
                "lago_id": c.lago_id,
                "lago_billable_metric_id": metric_ids[c.metric],
                "billable_metric_code": c.metric,
                "code": c.code,
                "created_at": CATALOG_CREATED_AT,
                "amount_currency": plan.currency,
                "prorated": False,
                "charge_model": c.charge_model,
                "pay_in_advance": False,
                "invoiceable": True,
                "invoice_display_name": next(m[1] for m in METRICS if m[0] == c.metric),
                "min_amount_cents": c.min_amount_cents,
                "properties": c.properties,
                "filters": c.filters,
                "taxes": [],
                "accepts_target_wallet": False,
            }
        )
    return {
        "lago_id": plan.lago_id,
        "name": plan.name,
        "invoice_display_name": plan.name,
        "created_at": CATALOG_CREATED_AT,
        "code": plan.code,
        "interval": plan.interval,
        "description": f"{plan.family} plan billed {plan.interval}",
        "amount_cents": plan.amount_cents,
        "amount_currency": plan.currency,
        "trial_period": float(plan.trial_period),
        "pay_in_advance": plan.pay_in_advance,
        "bill_charges_monthly": plan.bill_charges_monthly,
        "charges": charges,
        "minimum_commitment": None
        if plan.minimum_commitment_cents is None
        else {
            "lago_id": lago_uuid(random.Random(plan.lago_id + "mc")),
            "plan_code": plan.code,
            "invoice_display_name": "Minimum commitment",
            "amount_cents": plan.minimum_commitment_cents,
            "interval": plan.interval,
            "created_at": CATALOG_CREATED_AT,
            "updated_at": CATALOG_CREATED_AT,
            "taxes": [],
        },
        "usage_thresholds": []
        if plan.usage_threshold_cents is None
        else [
            {
                "lago_id": lago_uuid(random.Random(plan.lago_id + "ut")),
                "amount_cents": plan.usage_threshold_cents,
                "threshold_display_name": "Usage safety threshold",
                "recurring": False,
            }
        ],
        "taxes": [],
        "metadata": {"family": plan.family},
    }


@dataclass
class Coupon:
    lago_id: str
    code: str
    name: str
    coupon_type: str
    amount_cents: int | None
    currency: str | None
    percentage_rate: Decimal | None
    frequency: str
    frequency_duration: int | None
    plan_codes: list[str]


def build_coupons(rng: random.Random) -> list[Coupon]:
    return [
        Coupon(
            lago_uuid(rng),
            "welcome_50",
            "Welcome 50 USD off",
            "fixed_amount",
            5000,
            "USD",
            None,
            "once",
            None,
            [],
        ),
        Coupon(
            lago_uuid(rng),
            "launch_20pct",
            "Launch 20% for 3 invoices",
            "percentage",
            None,
            None,
            Decimal("20"),
            "recurring",
            3,
            [],
        ),
        Coupon(
            lago_uuid(rng),
            "partner_10pct",
            "Partner 10% forever",
            "percentage",
            None,
            None,
            Decimal("10"),
            "forever",
            None,
            [],
        ),
        Coupon(
            lago_uuid(rng),
            "growth_eu_25",
            "Growth EU 25 EUR per invoice",
            "fixed_amount",
            2500,
            "EUR",
            None,
            "recurring",
            6,
            ["growth_eur"],
        ),
    ]


def coupon_json(c: Coupon) -> dict:
    return {
        "lago_id": c.lago_id,
        "name": c.name,
        "code": c.code,
        "description": c.name,
        "amount_cents": c.amount_cents,
        "amount_currency": c.currency,
        "expiration": "no_expiration",
        "expiration_at": None,
        "percentage_rate": None if c.percentage_rate is None else dec_text(c.percentage_rate),
        "frequency": c.frequency,
        "frequency_duration": c.frequency_duration,
        "coupon_type": c.coupon_type,
        "reusable": c.frequency != "once",
        "limited_plans": bool(c.plan_codes),
        "limited_billable_metrics": False,
        "plan_codes": c.plan_codes,
        "billable_metric_codes": [],
        "created_at": CATALOG_CREATED_AT,
        "terminated_at": None,
    }


def add_ons_json(rng: random.Random, tax_ids: dict[str, str]) -> list[dict]:
    out = []
    for code, name, cents, ccy, tax in [
        ("onboarding_usd", "Onboarding package", 150000, "USD", "us_sales_tax"),
        ("premium_support_eur", "Premium support (one-off)", 50000, "EUR", "fr_vat_20"),
    ]:
        out.append(
            {
                "lago_id": lago_uuid(rng),
                "name": name,
                "invoice_display_name": name,
                "code": code,
                "amount_cents": cents,
                "amount_currency": ccy,
                "description": name,
                "created_at": CATALOG_CREATED_AT,
                "taxes": [tax_json(tax_ids, tax)],
            }
        )
    return out
