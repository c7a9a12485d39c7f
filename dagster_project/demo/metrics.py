"""SaaS-metrics cases of the demo (one named customer per MRR rule) and the MRR ground truth.

The truth is computed here from the generator's own subscriptions, plans and applied coupons with the
rules of metrics-and-revrec.md B1, B2 and B10, independently of the dbt models: MRR of an item on a
day = its recurring price normalised to a month (monthly 1, quarterly 1/3, yearly 1/12, weekly 52/12)
less the discounts in force, rounded half away from zero per item; an item counts on day D when
first paid day <= D < first day without service; the month's MRR is the balance at its last day.

The cases draw from their own random stream and are appended after the random company, so the
company's own customers, subscriptions and coupons come out as before.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from dagster_project.demo.catalog import Charge, Coupon, Plan
from dagster_project.demo.common import add_months, local_midnight
from dagster_project.demo.company import Customer, Sub, add_subscription
from dagster_project.demo.ids import lago_uuid, token

MONTH_FACTOR = {
    "weekly": Fraction(52, 12),
    "monthly": Fraction(1),
    "quarterly": Fraction(1, 3),
    "yearly": Fraction(1, 12),
}
COUPON_INTERVAL_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}

MRR_COLUMNS = ["external_customer_id", "currency", "month", "month_end_date", "mrr_minor"]
CASE_COLUMNS = [
    "case",
    "external_customer_id",
    "currency",
    "month",
    "movement",
    "amount_minor",
    "scheduled_churn_minor",
    "reporting_currency",
    "fx_impact_reporting_minor",
    "note",
]
# movements as metrics.fct_mrr names them; `absent`: the customer never has MRR, so it has no row
MOVEMENTS = ("new", "expansion", "contraction", "churn", "reactivation", "none", "absent")

# Industries and lead sources in Salesforce's standard picklists
INDUSTRIES = ["Technology", "Finance", "Healthcare", "Retail", "Manufacturing", "Media", "Energy"]
LEAD_SOURCES = ["Web", "Partner Referral", "Advertisement", "Trade Show", "Phone Inquiry", "Other"]


def extra_plans(rng: random.Random) -> list[Plan]:
    """A weekly plan and a free plan (both USD, pay as you go on API calls)."""
    out = []
    for code, name, interval, cents in (
        ("pulse_usd", "Pulse weekly (USD)", "weekly", 3000),
        ("free_usd", "Free (USD)", "monthly", 0),
    ):
        out.append(
            Plan(
                lago_id=lago_uuid(rng),
                code=code,
                family=code.split("_")[0],
                name=name,
                interval=interval,
                billing_time="calendar",
                amount_cents=cents,
                currency="USD",
                pay_in_advance=False,
                trial_period=0,
                bill_charges_monthly=None,
                charges=[
                    Charge(
                        lago_id=lago_uuid(rng),
                        code=f"{code}__api_calls",
                        metric="api_calls",
                        charge_model="standard",
                        properties={"amount": "0.002"},
                    )
                ],
            )
        )
    return out


def extra_coupons(rng: random.Random) -> list[Coupon]:
    """An amount-off coupon for two invoices (the percent one, launch_20pct, is in the catalog)."""
    return [
        Coupon(
            lago_uuid(rng),
            "winback_15usd",
            "Win-back 15 USD off for 2 invoices",
            "fixed_amount",
            1500,
            "USD",
            None,
            "recurring",
            2,
            [],
        )
    ]


@dataclass
class Case:
    name: str
    customer: Customer
    note: str


def plant(
    rng: random.Random,
    customers: list[Customer],
    subs: list[Sub],
    plans: dict[str, Plan],
    coupons: list[Coupon],
    window_start: date,
    window_end: date,
) -> list[Case]:
    """Append one customer per metrics case, with its subscriptions (and coupon), to the company."""
    cases: list[Case] = []

    def m(k: int, day: int = 1) -> date:
        return add_months(window_start, k, day=day)

    coupon = {cp.code: cp for cp in coupons}

    def customer(name: str, currency: str = "USD") -> Customer:
        i = len(customers)
        tz, country, tax, entity = {
            "USD": ("America/New_York", "US", "us_sales_tax", "rh-us"),
            "EUR": ("Europe/Berlin", "DE", "fr_vat_20", "rh-eu"),
        }[currency]
        c = Customer(
            index=i,
            lago_id=lago_uuid(rng),
            external_id=f"cust_{i:05d}",
            name=f"{name} {i:04d}",
            currency=currency,
            country=country,
            timezone=tz,
            entity=entity,
            tax_code=tax,
            provider="stripe",
            provider_customer_id="cus_" + token(rng, 14),
            created_at=local_midnight(window_start - timedelta(days=500), tz),
            intensity=0.5,
        )
        customers.append(c)
        return c

    def sub(c: Customer, plan_code: str, start: date, external_id: str | None = None, first=None) -> Sub:
        return add_subscription(rng, subs, c, plans[plan_code], start, external_id, first)

    def cancel(s: Sub, first_day_without_service: date) -> None:
        s.end_date, s.terminated_by = first_day_without_service, "cancel"

    def change(s: Sub, plan_code: str, day: date, kind: str) -> Sub:
        s.end_date, s.terminated_by, s.next_plan_code = day, kind, plan_code
        if kind == "downgrade":
            s.downgrade_plan_date = day
        new = sub(s.customer, plan_code, day, external_id=s.external_id, first=s.first_start_date)
        new.previous_plan_code = s.plan.code
        return new

    def case(name: str, c: Customer, note: str) -> None:
        cases.append(Case(name, c, note))

    c = customer("Phoenix Returns")
    cancel(sub(c, "starter_usd", m(-2)), m(1))
    sub(c, "starter_usd", m(2, 10))
    case("reactivation", c, "churned at the end of month 1 (a month end at 0), back in month 3")

    c = customer("Boomerang Labs")
    cancel(sub(c, "starter_usd", m(-3)), m(1, 6))
    sub(c, "starter_usd", m(1, 16))
    case("cancel_and_return", c, "cancelled and back inside one month: no gap, no movement")

    c = customer("Annual Robotics")
    sub(c, "scale_usd", m(1))
    case("yearly_plan", c, "yearly plan 24,000.00/12 + commitment above it 6,000.00/12")

    c = customer("Weekly Pulse")
    sub(c, "pulse_usd", m(0, 14))
    case("weekly_plan", c, "weekly plan 30.00 × 52/12 = 130.00")

    c = customer("Percent Coupon Health")
    c.coupon, c.coupon_lago_id = coupon["launch_20pct"], lago_uuid(rng)
    sub(c, "starter_usd", m(1))
    case("percent_coupon_expiry", c, "20% off for 3 monthly invoices from month 1: 39.20, then 49.00")

    c = customer("Amount Coupon Foods")
    c.coupon, c.coupon_lago_id = coupon["winback_15usd"], lago_uuid(rng)
    sub(c, "starter_usd", m(2))
    case("amount_coupon_expiry", c, "15.00 off for 2 monthly invoices from month 2: 34.00, then 49.00")

    c = customer("Upgrade Analytics")
    change(sub(c, "starter_usd", m(-1)), "growth_usd", m(2, 15), "upgrade")
    case("mid_month_upgrade", c, "starter 49.00 → growth 299.00 on day 15 of month 2")

    c = customer("Downgrade Media")
    change(sub(c, "growth_usd", m(-2)), "starter_usd", m(3), "downgrade")
    case("downgrade", c, "growth 299.00 → starter 49.00 at the start of month 3")

    c = customer("Trial Converts Cloud")
    sub(c, "growth_usd", m(1, 21))
    case("trial_converts", c, "14-day trial from day 21 of month 1: paying from month 2")

    c = customer("Trial Lapses Studio")
    cancel(sub(c, "growth_usd", m(2, 6)), m(2, 15))
    case("trial_never_converts", c, "cancelled on the 9th trial day: never paying")

    c = customer("Scheduled Exit Works")
    s = sub(c, "team_usd", m(0, 10))
    s.ending_date = window_end + timedelta(days=9)
    case("scheduled_churn", c, f"team 99.00 ends {s.ending_date} (after as_of): scheduled churn, no movement")

    c = customer("Free Tier Networks")
    change(sub(c, "free_usd", m(0, 5)), "starter_usd", m(2, 2), "upgrade")
    case("free_plan", c, "free plan (0 MRR, not paying) until day 2 of month 2, then starter: new")

    c = customer("Euro Steady Systems", "EUR")
    sub(c, "starter_eur", m(-1))
    case("fx_rate_change", c, "49.00 EUR every month: no movement, fx_impact at each month-end rate")

    c = customer("Two Subs Dynamics")
    # the cancelled one first: collections' involuntary churn picks a customer whose last one ended
    cancel(sub(c, "team_usd", m(-1, 10)), m(2, 10))
    sub(c, "starter_usd", m(-1))
    case("contraction_not_churn", c, "cancels team (99.00) of two subscriptions: contraction")
    return cases


# ---------------------------------------------------------------- truth (B1, B2, B10)
def _round_half_away(x: Fraction) -> int:
    n = abs(x)
    q = int(n)
    if n - q >= Fraction(1, 2):
        q += 1
    return q if x >= 0 else -q


def _coupon_window(cp: Coupon, applied: date, interval: str) -> tuple[date, date | None]:
    if cp.frequency == "forever":
        return applied, None
    if interval == "weekly":
        return applied, applied + timedelta(days=7 * cp.frequency_duration)
    return applied, add_months(applied, cp.frequency_duration * COUPON_INTERVAL_MONTHS[interval])


def sub_mrr(s: Sub, day: date, coupon: Coupon | None, coupon_applied: date | None) -> int:
    """MRR (minor units, document currency) of one subscription at the end of `day`."""
    paid_from = max(s.start_date, s.trial_end_date or s.start_date)
    if day < paid_from or (s.end_date is not None and day >= s.end_date):
        return 0
    plan, factor = s.plan, MONTH_FACTOR[s.plan.interval]
    items = [Fraction(plan.amount_cents) * factor]
    if plan.minimum_commitment_cents and plan.minimum_commitment_cents > plan.amount_cents:
        items.append(Fraction(plan.minimum_commitment_cents - plan.amount_cents) * factor)
    pct, off = Fraction(0), Fraction(0)
    # a `once` coupon is a one-time concession (a one-off, B1 excludes those); limited coupons cover
    # only their plans; an amount off needs the item's currency
    if (
        coupon is not None
        and coupon.frequency in ("recurring", "forever")
        and (not coupon.plan_codes or plan.code in coupon.plan_codes)
        and (coupon.coupon_type == "percentage" or coupon.currency == plan.currency)
    ):
        start, end = _coupon_window(coupon, coupon_applied, plan.interval)
        if start <= day and (end is None or day < end):
            if coupon.coupon_type == "percentage":
                pct = Fraction(coupon.percentage_rate) / 100
            else:
                off = Fraction(coupon.amount_cents) * factor  # per invoice, normalised like the item
    total = sum(items)
    out = 0
    for lst in items:
        share = off * lst / total if total else Fraction(0)
        out += _round_half_away(lst - min(lst, lst * pct + share))
    return out


def month_ends(first: date, window_end: date):
    m = first.replace(day=1)
    while add_months(m, 1) - timedelta(days=1) < window_end:
        yield m, add_months(m, 1) - timedelta(days=1)
        m = add_months(m, 1)


def mrr_truth(customers: list[Customer], subs: list[Sub], window_end: date) -> list[list]:
    """Month-end MRR per customer × currency from its first month end with MRR > 0 to the last
    complete month before as_of, months at 0 included (gaps and after churn)."""
    by_customer: dict[str, list[Sub]] = {}
    for s in subs:
        by_customer.setdefault(s.customer.external_id, []).append(s)
    rows = []
    for c in customers:
        ss = by_customer.get(c.external_id, [])
        if not ss:
            continue
        applied = ss[0].start_date  # the coupon is applied when the customer's first subscription starts
        series = [
            (m, e, sum(sub_mrr(s, e, c.coupon, applied) for s in ss))
            for m, e in month_ends(min(s.start_date for s in ss), window_end)
        ]
        paying = [i for i, (_, _, v) in enumerate(series) if v > 0]
        if not paying:
            continue
        for m, e, v in series[paying[0] :]:
            rows.append([c.external_id, c.currency, m.strftime("%Y-%m"), e.isoformat(), v])
    return rows


def movement(opening: int, closing: int, had_mrr_before: bool) -> tuple[str, int]:
    """B3: one bucket per customer and month."""
    if opening == 0 and closing > 0:
        return ("reactivation" if had_mrr_before else "new"), closing
    if opening > 0 and closing == 0:
        return "churn", opening
    if closing > opening:
        return "expansion", closing - opening
    if closing < opening:
        return "contraction", opening - closing
    return "none", 0


def customer_movements(mrr_rows: list[list]) -> dict[str, list[tuple[str, str, int, str, int]]]:
    """external id -> [(month, movement, amount, currency, closing)] from the truth rows."""
    out: dict[str, list] = {}
    prev: dict[str, tuple[int, bool]] = {}
    for ext, ccy, month, _, v in mrr_rows:
        opening, had = prev.get(ext, (0, False))
        mv, amount = movement(opening, v, had)
        out.setdefault(ext, []).append((month, mv, amount, ccy, v))
        prev[ext] = (v, had or opening > 0)
    return out


def case_rows(
    cases: list[Case],
    mrr_rows: list[list],
    subs: list[Sub],
    window_start: date,
    window_end: date,
    involuntary: list[str],
    usd_per_eur: dict[date, Fraction],
    reporting_currency: str = "USD",
) -> list[list]:
    """Expected movement per case customer and month inside the demo window (months with a
    movement, and for the no-movement cases every month), plus the involuntary churn of collections."""
    moves = customer_movements(mrr_rows)
    first_month = window_start.strftime("%Y-%m")
    rows = []
    named = [(c.name, c.customer.external_id, c.customer.currency, c.note) for c in cases] + [
        ("involuntary_churn", ext, None, "dunning never recovered; subscription cancelled")
        for ext in involuntary
    ]
    for name, ext, ccy, note in named:
        series = [r for r in moves.get(ext, []) if r[0] >= first_month]
        if not moves.get(ext):
            s = next(s for s in subs if s.customer.external_id == ext)
            rows.append([name, ext, ccy, s.start_date.strftime("%Y-%m"), "absent", 0, "", "", "", note])
            continue
        keep_none = name in ("cancel_and_return", "scheduled_churn", "fx_rate_change")
        for month, mv, amount, ccy, closing in series:
            if mv == "none" and not keep_none:
                continue
            if name == "involuntary_churn" and mv != "churn":
                continue
            scheduled = fx = ""
            if name == "scheduled_churn":
                scheduled = closing  # its end is known at every snapshot: all of its MRR
            if name == "fx_rate_change" and ccy == "EUR" and reporting_currency == "USD":
                prev_end = date.fromisoformat(month + "-01") - timedelta(days=1)
                end = add_months(prev_end + timedelta(days=1), 1) - timedelta(days=1)
                opening = closing if mv == "none" else None
                if opening is not None and prev_end in usd_per_eur and end in usd_per_eur:
                    fx = _round_half_away(opening * usd_per_eur[end]) - _round_half_away(
                        opening * usd_per_eur[prev_end]
                    )
            rows.append(
                [
                    name,
                    ext,
                    ccy,
                    month,
                    mv,
                    amount,
                    scheduled,
                    reporting_currency if fx != "" else "",
                    fx,
                    note,
                ]
            )
    return rows


def month_end_rates(published: dict[date, object], first: date, window_end: date) -> dict[date, Fraction]:
    """The rate in force at each month end: the last one published on or before it (B11)."""
    out = {}
    days = sorted(published)
    for _, end in month_ends(first, window_end):
        before = [d for d in days if d <= end]
        if before:
            out[end] = Fraction(str(published[before[-1]]))
    return out
