"""Customers, subscriptions (with their lifecycle), applied coupons and wallets of the demo company."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from dagster_project.demo.catalog import Coupon, Plan
from dagster_project.demo.common import add_months, iso_z, local_end_of_day, local_midnight
from dagster_project.demo.ids import lago_uuid, stripe_id, token

# currency -> (entity, [(country, timezone, tax code)])
GEO = {
    "USD": (
        "rh-us",
        [
            ("US", "America/New_York", "us_sales_tax"),
            ("US", "America/Chicago", "us_sales_tax"),
            ("US", "America/Los_Angeles", "us_sales_tax"),
        ],
    ),
    "EUR": (
        "rh-eu",
        [
            ("FR", "Europe/Paris", "fr_vat_20"),
            ("DE", "Europe/Berlin", "fr_vat_20"),
            ("ES", "Europe/Madrid", "fr_vat_20"),
        ],
    ),
    "JPY": ("rh-us", [("JP", "Asia/Tokyo", "jp_consumption_10")]),
    "BHD": ("rh-eu", [("BH", "Asia/Bahrain", "bh_vat_10")]),
}

_FIRST = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Wonka",
    "Gringotts",
    "Oscorp",
    "Aperture",
    "Massive",
    "Pied",
    "Duff",
    "Nakatomi",
    "Zorg",
]
_SECOND = [
    "Labs",
    "Systems",
    "Analytics",
    "Cloud",
    "Robotics",
    "Logistics",
    "Foods",
    "Media",
    "Health",
    "Energy",
    "Finance",
    "Studios",
    "Networks",
    "Dynamics",
    "Works",
]


@dataclass
class Customer:
    index: int
    lago_id: str
    external_id: str
    name: str
    currency: str
    country: str
    timezone: str
    entity: str
    tax_code: str
    provider: str  # stripe | adyen | gocardless
    provider_customer_id: str
    created_at: datetime
    intensity: float
    coupon: Coupon | None = None
    coupon_lago_id: str | None = None
    wallet: dict | None = None
    net_payment_term: int | None = None  # None: the billing entity's term applies
    dunning_campaign_code: str | None = None  # None: the billing entity's campaign applies


@dataclass
class Sub:
    lago_id: str
    external_id: str
    customer: Customer
    plan: Plan
    start_date: date  # local
    end_date: date | None = None  # local, first day without service
    terminated_by: str | None = None  # cancel | upgrade | downgrade
    previous_plan_code: str | None = None
    next_plan_code: str | None = None
    downgrade_plan_date: date | None = None
    first_start_date: date | None = None
    trial_end_date: date | None = None
    ending_date: date | None = None  # local, first day without service of an end set in advance

    @property
    def tz(self) -> str:
        return self.customer.timezone

    @property
    def started_at(self) -> datetime:
        return local_midnight(self.start_date, self.tz)

    @property
    def terminated_at(self) -> datetime | None:
        if self.end_date is None:
            return None
        # a plan change happens at the midnight that starts the new plan; a cancellation at the end of
        # the last service day
        if self.terminated_by in ("upgrade", "downgrade"):
            return local_midnight(self.end_date, self.tz)
        return local_end_of_day(self.end_date - timedelta(days=1), self.tz)

    @property
    def service_end_at(self) -> datetime | None:
        """Exclusive end instant of the usage window."""
        return None if self.end_date is None else local_midnight(self.end_date, self.tz)


@dataclass
class Company:
    customers: list[Customer]
    subs: list[Sub]
    plans: dict[str, Plan]
    coupons: list[Coupon]
    notes: list[str] = field(default_factory=list)


def build_customers(rng: random.Random, n: int, window_start: date) -> list[Customer]:
    out = []
    for i in range(n):
        if i == 1:
            ccy = "EUR"  # the anniversary subscription that starts on a 31st
        elif i == 2:
            ccy = "JPY"
        elif i == 5:
            ccy = "BHD"
        else:
            r = rng.random()
            ccy = "USD" if r < 0.60 else "EUR" if r < 0.96 else "JPY" if r < 0.98 else "BHD"
        entity, geos = GEO[ccy]
        country, tz, tax = geos[rng.randrange(len(geos))]
        if ccy in ("USD", "JPY"):
            provider = "stripe"
        elif ccy == "BHD":
            provider = "adyen"
        else:
            r = rng.random()
            provider = "stripe" if r < 0.5 else "adyen" if r < 0.75 else "gocardless"
        if i == 3 and ccy == "EUR":
            provider = "gocardless"
        name = f"{rng.choice(_FIRST)} {rng.choice(_SECOND)} {i:04d}"
        created = local_midnight(window_start - timedelta(days=rng.randint(1, 420)), tz)
        out.append(
            Customer(
                index=i,
                lago_id=lago_uuid(rng),
                external_id=f"cust_{i:05d}",
                name=name,
                currency=ccy,
                country=country,
                timezone=tz,
                entity=entity,
                tax_code=tax,
                provider=provider,
                provider_customer_id={
                    "stripe": "cus_" + token(rng, 14),
                    "adyen": "shopper_" + token(rng, 10),
                    "gocardless": "CU" + token(rng, 12).upper(),
                }[provider],
                created_at=created,
                intensity=rng.lognormvariate(0, 0.6),
            )
        )
    # the EUR/GoCardless and Adyen paths must exist even in tiny companies
    eur = [c for c in out if c.currency == "EUR"]
    if eur and not any(c.provider == "gocardless" for c in out):
        eur[0].provider, eur[0].provider_customer_id = "gocardless", "CU" + token(rng, 12).upper()
    if len(eur) > 1 and not any(c.provider == "adyen" and c.currency == "EUR" for c in out):
        eur[1].provider, eur[1].provider_customer_id = "adyen", "shopper_" + token(rng, 10)
    return out


def anniversary_period_end(start: date, on_or_after: date) -> date:
    """Last day of the anniversary (monthly) period of a subscription started on `start` containing the date."""
    k = 0
    while True:
        nxt = add_months(start, k + 1, day=start.day)
        if nxt > on_or_after:
            return nxt - timedelta(days=1)
        k += 1


def add_subscription(
    rng: random.Random,
    subs: list[Sub],
    c: Customer,
    plan: Plan,
    start: date,
    external_id: str | None = None,
    first: date | None = None,
) -> Sub:
    """Append a subscription; a plan change passes the old one's external id and first start."""
    s = Sub(
        lago_id=lago_uuid(rng),
        external_id=external_id or f"sub_{c.index:05d}_{len(subs):05d}",
        customer=c,
        plan=plan,
        start_date=start,
        first_start_date=first or start,
    )
    if plan.trial_period:
        s.trial_end_date = s.first_start_date + timedelta(days=plan.trial_period)
    subs.append(s)
    return s


def build_subscriptions(
    rng: random.Random,
    customers: list[Customer],
    plans: dict[str, Plan],
    coupons: list[Coupon],
    window_start: date,
    window_end: date,
) -> list[Sub]:
    subs: list[Sub] = []
    span = (window_end - window_start).days
    first_31st = next(
        (
            window_start + timedelta(days=k)
            for k in range(span)
            if (window_start + timedelta(days=k)).day == 31
        ),
        None,
    )

    def new_sub(
        c: Customer, plan: Plan, start: date, external_id: str | None = None, first: date | None = None
    ):
        return add_subscription(rng, subs, c, plan, start, external_id, first)

    for c in customers:
        ccy = c.currency.lower()
        families = [f for f in ("starter", "growth", "team", "business", "scale") if f"{f}_{ccy}" in plans]
        weights = {"starter": 40, "growth": 30, "team": 15, "business": 10, "scale": 5}
        family = rng.choices(families, [weights[f] for f in families])[0]
        if c.index == 1 and first_31st:
            family = "team" if f"team_{ccy}" in plans else family
        plan = plans[f"{family}_{ccy}"]
        pre_window = plan.billing_time == "calendar" and rng.random() < 0.4
        if c.index == 1 and first_31st and family == "team":
            start = first_31st
        elif pre_window:
            start = window_start - timedelta(days=rng.randint(20, 400))
        else:
            start = window_start + timedelta(days=rng.randint(0, max(span - 25, 0)))
        sub = new_sub(c, plan, start)

        r = rng.random()
        earliest = max(start, window_start) + timedelta(days=20)
        latest = window_end - timedelta(days=5)
        if family == "starter" and r < 0.15 and earliest < latest:
            # upgrade: immediate, same external id, the upgrade day belongs to the new plan
            u = earliest + timedelta(days=rng.randint(0, (latest - earliest).days))
            target = plans[f"growth_{ccy}"]
            if sub.first_start_date + timedelta(days=target.trial_period) < u:
                sub.end_date, sub.terminated_by, sub.next_plan_code = u, "upgrade", target.code
                new_sub(
                    c, target, u, external_id=sub.external_id, first=sub.first_start_date
                ).previous_plan_code = plan.code
        elif family == "growth" and r < 0.12:
            # downgrade at the next calendar period start after at least a month of service
            d = add_months(max(start, window_start), 2, day=1)
            target = plans[f"starter_{ccy}"]
            if d < window_end:
                sub.end_date, sub.terminated_by, sub.next_plan_code = d, "downgrade", target.code
                sub.downgrade_plan_date = d
                new_sub(
                    c, target, d, external_id=sub.external_id, first=sub.first_start_date
                ).previous_plan_code = plan.code
            else:
                sub.next_plan_code, sub.downgrade_plan_date = target.code, window_end
        elif family == "growth" and r < 0.18:
            # pending downgrade: takes effect at the first period start after the demo ends
            sub.next_plan_code, sub.downgrade_plan_date = plans[f"starter_{ccy}"].code, window_end
        elif r > 0.90 and family != "scale" and earliest < latest:
            last = earliest + timedelta(days=rng.randint(0, (latest - earliest).days))
            if plan.pay_in_advance:
                # in-advance plans end with their paid period (no termination credit note to model)
                last = (
                    anniversary_period_end(start, last)
                    if plan.billing_time == "anniversary"
                    else add_months(last, 1, day=1) - timedelta(days=1)
                )
            if last < window_end - timedelta(days=1):
                sub.end_date, sub.terminated_by = last + timedelta(days=1), "cancel"
                back = sub.end_date + timedelta(days=rng.randint(30, 60))
                if rng.random() < 0.5 and back < window_end - timedelta(days=10):
                    new_sub(c, plan, back)  # reactivation: a new subscription for a churned customer

        if rng.random() < 0.12:
            usable = [
                cp
                for cp in coupons
                if (cp.currency in (None, c.currency)) and (not cp.plan_codes or plan.code in cp.plan_codes)
            ]
            c.coupon = usable[rng.randrange(len(usable))]
            c.coupon_lago_id = lago_uuid(rng)
    return subs


def customer_json(c: Customer, tax: dict) -> dict:
    created = iso_z(c.created_at)
    return {
        "lago_id": c.lago_id,
        "external_id": c.external_id,
        "billing_entity_code": c.entity,
        "address_line1": f"{c.index + 1} Market Street",
        "address_line2": None,
        "city": {
            "US": "New York",
            "FR": "Paris",
            "DE": "Berlin",
            "ES": "Madrid",
            "JP": "Tokyo",
            "BH": "Manama",
        }[c.country],
        "country": c.country,
        "created_at": created,
        "updated_at": created,
        "email": f"billing@{c.external_id.replace('_', '-')}.example",
        "legal_name": c.name + (" Inc." if c.country == "US" else " SA"),
        "legal_number": None,
        "tax_identification_number": None,
        "logo_url": None,
        "name": c.name,
        "firstname": None,
        "lastname": None,
        "customer_type": "company",
        "phone": None,
        "state": "NY" if c.country == "US" else None,
        "url": None,
        "zipcode": None,
        "currency": c.currency,
        "timezone": c.timezone,
        "applicable_timezone": c.timezone,
        "net_payment_term": c.net_payment_term,
        "finalize_zero_amount_invoice": "inherit",
        "billing_configuration": {
            "invoice_grace_period": 3,
            "payment_provider": c.provider,
            "payment_provider_code": f"{c.provider}-{c.entity}",
            "provider_customer_id": c.provider_customer_id,
            "sync_with_provider": True,
            "document_locale": {"US": "en", "FR": "fr", "DE": "de", "ES": "es", "JP": "ja", "BH": "en"}[
                c.country
            ],
        },
        "shipping_address": None,
        "metadata": [],
        "taxes": [tax],
    } | ({"applied_dunning_campaign_code": c.dunning_campaign_code} if c.dunning_campaign_code else {})


def subscription_json(s: Sub, window_end: date) -> dict:
    started = iso_z(s.started_at)
    term = s.terminated_at
    status = "terminated" if s.end_date is not None and s.end_date < window_end else "active"
    return {
        "lago_id": s.lago_id,
        "external_id": s.external_id,
        "lago_customer_id": s.customer.lago_id,
        "external_customer_id": s.customer.external_id,
        "name": s.plan.name,
        "billing_time": s.plan.billing_time,
        "plan_code": s.plan.code,
        "plan_amount_cents": s.plan.amount_cents,
        "plan_amount_currency": s.plan.currency,
        "status": status,
        "created_at": started,
        "canceled_at": iso_z(term) if s.terminated_by == "cancel" else None,
        "started_at": started,
        "ending_at": iso_z(local_midnight(s.ending_date, s.tz)) if s.ending_date else None,
        "subscription_at": iso_z(local_midnight(s.first_start_date, s.tz)),
        "terminated_at": iso_z(term) if term is not None else None,
        "previous_plan_code": s.previous_plan_code,
        "next_plan_code": s.next_plan_code,
        "downgrade_plan_date": s.downgrade_plan_date.isoformat() if s.downgrade_plan_date else None,
        "trial_ended_at": iso_z(local_midnight(s.trial_end_date, s.tz)) if s.trial_end_date else None,
        "on_termination_credit_note": "credit" if s.plan.pay_in_advance else None,
        "on_termination_invoice": "generate",
        "consolidate_invoice": False,
        "payment_method": {"payment_method_type": "provider", "payment_method_id": None},
    }


def build_wallets(
    rng: random.Random, customers: list[Customer], window_start: date, window_end: date
) -> None:
    """Give some customers a prepaid wallet: a paid top-up and a granted bonus on the same day."""
    span = (window_end - window_start).days
    for c in customers:
        if c.currency not in ("USD", "EUR") or rng.random() > 0.08:
            continue
        day = window_start + timedelta(days=rng.randint(0, max(span // 2, 1)))
        if day.day == 1:
            day += timedelta(days=1)  # keep the top-up off the calendar invoices' day
        c.wallet = {
            "lago_id": lago_uuid(rng),
            "created_date": day,
            "paid_credits": Decimal(rng.choice(["200", "500", "1000"])),
            "granted_credits": Decimal(rng.choice(["20", "50"])),
            "tx_paid": lago_uuid(rng),
            "tx_granted": lago_uuid(rng),
            "payment_method_id": stripe_id(rng, "pm"),
        }
