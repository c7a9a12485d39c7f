"""The incumbent billing system's invoices (Lago invoice JSON), rated from the same events and catalog
by Lago's rules (docs/pricing.md), with a few planted billing faults for shadow billing to find."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from dagster_project.demo.catalog import METRICS, TAXES, Charge, Plan
from dagster_project.demo.common import add_months, iso_z, local_midnight, round_minor
from dagster_project.demo.company import Customer, Sub
from dagster_project.demo.ids import lago_uuid
from dagster_project.demo.usage import Event
from dagster_project.reference.currencies import exponent

AGG = {m[0]: (m[2], m[3], m[4]) for m in METRICS}
TAX_RATE = {c: r for c, _, r in TAXES}
PREFIX = {"rh-us": "RHUS", "rh-eu": "RHEU"}


@dataclass
class Fee:
    kind: str  # subscription | charge | credit
    code: str
    name: str
    amount_cents: int
    sub: Sub | None
    from_at: datetime | None
    to_at: datetime | None
    units: Decimal = Decimal(0)
    events_count: int = 0
    charge: Charge | None = None
    filters: dict | None = None
    grouped_by: dict | None = None
    true_up_of: Fee | None = None
    lago_id: str = ""
    full_amount_cents: int | None = None  # what an unprorated plan fee would have been


@dataclass
class Invoice:
    customer: Customer
    issuing_date: date
    invoice_type: str
    fees: list[Fee]
    lago_id: str = ""
    number: str = ""
    fees_cents: int = 0
    coupons_cents: int = 0
    taxes_cents: int = 0
    prepaid_cents: int = 0
    total_cents: int = 0
    coupon_code: str | None = None
    payment_status: str = "pending"
    # Lago's collection fields as exported at the end of the demo (set by receivables.annotate)
    net_payment_term: int = 14
    payment_due_date: date | None = None
    payment_overdue: bool = False
    paid_cents: int = 0
    dispute_lost_at: datetime | None = None
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- periods
def _period_containing(plan: Plan, d: date, anchor: date) -> tuple[date, date]:
    if plan.billing_time == "anniversary":
        k = (d.year - anchor.year) * 12 + d.month - anchor.month
        while add_months(anchor, k, day=anchor.day) > d:
            k -= 1
        while add_months(anchor, k + 1, day=anchor.day) <= d:
            k += 1
        return add_months(anchor, k, day=anchor.day), add_months(anchor, k + 1, day=anchor.day) - timedelta(
            days=1
        )
    if plan.interval == "monthly":
        s = d.replace(day=1)
        return s, add_months(s, 1) - timedelta(days=1)
    if plan.interval == "quarterly":
        s = date(d.year, (d.month - 1) // 3 * 3 + 1, 1)
        return s, add_months(s, 3) - timedelta(days=1)
    if plan.interval == "yearly":
        return date(d.year, 1, 1), date(d.year, 12, 31)
    if plan.interval == "weekly":
        s = d - timedelta(days=d.weekday())
        return s, s + timedelta(days=6)
    raise ValueError(plan.interval)


def _periods(plan: Plan, anchor: date, first: date, last_excl: date, monthly: bool = False):
    d = first
    while d < last_excl:
        if monthly:
            ps, pe = d.replace(day=1), add_months(d.replace(day=1), 1) - timedelta(days=1)
        else:
            ps, pe = _period_containing(plan, d, anchor)
        yield ps, pe
        d = pe + timedelta(days=1)


# ---------------------------------------------------------------- rating
def _num(v) -> Decimal:
    return Decimal(str(v))


def aggregate(
    metric: str,
    events: list[Event],
    from_at: datetime,
    to_at: datetime,
    period_days: int,
    initial_level: Decimal = Decimal(0),
) -> Decimal:
    agg, field_name, _ = AGG[metric]
    evs = [e for e in events if from_at <= e.at < to_at]
    if agg == "count_agg":
        return Decimal(len(evs))
    if agg == "sum_agg":
        return max(Decimal(0), sum((_num(e.props[field_name]) for e in evs), Decimal(0)))
    if agg == "max_agg":
        return max((_num(e.props[field_name]) for e in evs), default=Decimal(0))
    if agg == "unique_count_agg":
        return Decimal(len({str(e.props[field_name]) for e in evs}))
    if agg == "latest_agg":
        return max(Decimal(0), _num(evs[-1].props[field_name])) if evs else Decimal(0)
    if agg == "weighted_sum_agg":
        # a recurring weighted sum opens at the level carried from before the window
        level, prev, acc = initial_level, from_at, Decimal(0)
        for e in evs:
            acc += level * Decimal((e.at - prev) // timedelta(milliseconds=1)) / 1000
            level += _num(e.props[field_name])
            prev = e.at
        acc += level * Decimal((to_at - prev) // timedelta(milliseconds=1)) / 1000
        return acc / (period_days * 86400)
    raise ValueError(agg)


def charge_amount(charge: Charge, props: dict, units: Decimal, evs: list[Event]) -> Decimal:
    m = charge.charge_model
    if m == "standard":
        return units * Decimal(props["amount"])
    if m == "graduated":
        total, prev_to = Decimal(0), None
        for i, r in enumerate(props["graduated_ranges"]):
            lo, hi = Decimal(r["from_value"]), None if r["to_value"] is None else Decimal(r["to_value"])
            if i > 0 and units <= prev_to:
                break
            top = units if hi is None else min(units, hi)
            n = top if i == 0 else top - lo + (0 if lo == prev_to else 1)
            total += n * Decimal(r["per_unit_amount"]) + Decimal(r["flat_amount"])
            if hi is None or hi >= units:
                break
            prev_to = hi
        return total
    if m == "volume":
        for r in props["volume_ranges"]:
            if r["to_value"] is None or units <= Decimal(r["to_value"]):
                return units * Decimal(r["per_unit_amount"]) + Decimal(r["flat_amount"])
    if m == "package":
        paid = units - Decimal(props["free_units"])
        return (
            Decimal(0)
            if paid <= 0
            else math.ceil(paid / Decimal(props["package_size"])) * Decimal(props["amount"])
        )
    if m == "percentage":
        field_name = AGG[charge.metric][1]
        free_n = int(props.get("free_units_per_events") or 0)
        free_units = sum((_num(e.props[field_name]) for e in evs[:free_n]), Decimal(0))
        paid_events = max(len(evs) - free_n, 0)
        return max(units - free_units, Decimal(0)) * Decimal(props["rate"]) / 100 + paid_events * Decimal(
            props.get("fixed_amount") or 0
        )
    raise ValueError(m)


def _charge_fees(sub: Sub, charge: Charge, evs_all: list[Event], cs: date, ce: date) -> list[Fee]:
    ccy = sub.plan.currency
    from_at = max(local_midnight(cs, sub.tz), sub.started_at)
    to_at = local_midnight(ce + timedelta(days=1), sub.tz)
    if sub.service_end_at is not None:
        to_at = min(to_at, sub.service_end_at)
    recurring = AGG[charge.metric][2]
    agg_from = sub.started_at if recurring else from_at
    initial_level = Decimal(0)
    if recurring and AGG[charge.metric][0] == "weighted_sum_agg":
        field_name = AGG[charge.metric][1]
        initial_level = sum(
            (
                _num(e.props[field_name])
                for e in evs_all
                if e.code == charge.metric and agg_from <= e.at < from_at
            ),
            Decimal(0),
        )
        agg_from = from_at
    period_days = (ce - cs).days + 1
    evs = [e for e in evs_all if e.code == charge.metric and agg_from <= e.at < to_at]
    props = charge.properties
    groups: list[tuple[dict | None, dict | None, dict, list[Event]]] = []
    if charge.filters:
        rest = evs
        for f in charge.filters:
            key, values = next(iter(f["values"].items()))
            match = [e for e in rest if e.props.get(key) in values]
            rest = [e for e in rest if e.props.get(key) not in values]
            groups.append(({key: values}, None, f["properties"], match))
        groups.append((None, None, props, rest))
    elif props.get("pricing_group_keys"):
        key = props["pricing_group_keys"][0]
        by = defaultdict(list)
        for e in evs:
            by[str(e.props.get(key))].append(e)
        for value in sorted(by):
            groups.append((None, {key: value}, props, by[value]))
    else:
        groups.append((None, None, props, evs))
    fees = []
    for filters, grouped, p, gevs in groups:
        units = aggregate(charge.metric, gevs, agg_from, to_at, period_days, initial_level)
        amount = charge_amount(charge, p, units, sorted(gevs, key=lambda e: e.at))
        cents = round_minor(max(amount, Decimal(0)), ccy)
        if units == 0 and cents == 0 and not gevs:
            continue
        fees.append(
            Fee(
                "charge",
                charge.metric,
                charge.code,
                cents,
                sub,
                from_at,
                to_at,
                units,
                len(gevs),
                charge,
                filters,
                grouped,
            )
        )
    if charge.min_amount_cents:
        days_billed = (
            min(ce, (sub.end_date or ce + timedelta(days=1)) - timedelta(days=1)) - max(cs, sub.start_date)
        ).days + 1
        minimum = Decimal(charge.min_amount_cents) * days_billed / period_days
        got = sum(f.amount_cents for f in fees)
        if got < minimum:
            true_up = int((minimum - got).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
            if true_up > 0:
                fees.append(
                    Fee(
                        "charge",
                        charge.metric,
                        charge.code + " (minimum)",
                        true_up,
                        sub,
                        from_at,
                        to_at,
                        charge=charge,
                        true_up_of=fees[0] if fees else None,
                    )
                )
    return fees


def _closing_issue(sub: Sub, last_service_day: date) -> date:
    """Issuing date of the in-arrears invoice closing a period: the day after it, or, when a cancellation
    ends the period, the termination day itself (Lago bills a termination at once)."""
    if sub.terminated_by == "cancel" and sub.end_date == last_service_day + timedelta(days=1):
        return last_service_day
    return last_service_day + timedelta(days=1)


def subscription_fees(
    sub: Sub, evs: list[Event], window_start: date, window_end: date
) -> list[tuple[date, Fee]]:
    """(issuing date, fee) for every plan and charge fee of the subscription issued before window_end."""
    plan, out = sub.plan, []
    anchor = sub.start_date
    first = max(sub.start_date, window_start)
    last_excl = min(sub.end_date or window_end, window_end)
    for ps, pe in _periods(plan, anchor, first, last_excl):
        if ps < window_start:
            continue  # billed by the incumbent before the cutover: not part of the demo
        cov_s, cov_e = (
            max(ps, sub.start_date),
            pe if sub.end_date is None else min(pe, sub.end_date - timedelta(days=1)),
        )
        bill_s = cov_s
        if sub.trial_end_date and sub.trial_end_date > cov_s:
            bill_s = sub.trial_end_date
        total_days, days = (pe - ps).days + 1, (cov_e - bill_s).days + 1
        if days > 0:
            full = plan.amount_cents
            cents = (
                full
                if days == total_days
                else round_minor(
                    Decimal(full) * days / total_days / Decimal(10) ** exponent(plan.currency), plan.currency
                )
            )
            issue = bill_s if plan.pay_in_advance else _closing_issue(sub, cov_e)
            fee = Fee(
                "subscription",
                plan.code,
                plan.name,
                cents,
                sub,
                local_midnight(bill_s, sub.tz),
                local_midnight(cov_e + timedelta(days=1), sub.tz),
                Decimal(days) / total_days,
                full_amount_cents=full,
            )
            out.append((issue, fee))
        if not plan.bill_charges_monthly:
            for charge in plan.charges:
                for fee in _charge_fees(sub, charge, evs, ps, pe):
                    out.append((_closing_issue(sub, cov_e), fee))
    if plan.bill_charges_monthly:
        for ps, pe in _periods(plan, anchor, first, last_excl, monthly=True):
            if ps < window_start:
                continue
            cov_e = pe if sub.end_date is None else min(pe, sub.end_date - timedelta(days=1))
            for charge in plan.charges:
                for fee in _charge_fees(sub, charge, evs, ps, pe):
                    out.append((_closing_issue(sub, cov_e), fee))
    return [(d, f) for d, f in out if d < window_end]


# ---------------------------------------------------------------- assembly
class _CouponState:
    def __init__(self, c: Customer):
        self.coupon = c.coupon
        self.remaining_cents = c.coupon.amount_cents if c.coupon else None
        self.uses_left = c.coupon.frequency_duration if c.coupon else None
        self.done = False

    def apply(self, inv: Invoice) -> int:
        cp = self.coupon
        if cp is None or self.done or (cp.currency and cp.currency != inv.customer.currency):
            return 0
        base = sum(
            f.amount_cents
            for f in inv.fees
            if f.kind != "credit"
            and (not cp.plan_codes or (f.sub is not None and f.sub.plan.code in cp.plan_codes))
        )
        if base <= 0:
            return 0
        if cp.coupon_type == "percentage":
            amount = min(
                base,
                round_minor(
                    Decimal(base) * cp.percentage_rate / 100 / Decimal(10) ** exponent(inv.customer.currency),
                    inv.customer.currency,
                ),
            )
        else:
            amount = min(self.remaining_cents, base)
        if cp.frequency == "once":
            if cp.coupon_type == "percentage":
                self.done = True
            else:
                self.remaining_cents -= amount
                self.done = self.remaining_cents <= 0
        elif cp.frequency == "recurring":
            self.uses_left -= 1
            self.done = self.uses_left <= 0
        inv.coupon_code = cp.code
        return amount


def assemble(inv: Invoice, coupon: _CouponState | None, wallet: dict | None) -> None:
    ccy = inv.customer.currency
    inv.fees_cents = sum(f.amount_cents for f in inv.fees)
    inv.coupons_cents = coupon.apply(inv) if coupon and inv.invoice_type == "subscription" else 0
    if inv.invoice_type == "credit":
        inv.taxes_cents = 0  # wallet top-ups are advances, invoiced without tax
    else:
        base = Decimal(inv.fees_cents - inv.coupons_cents) / Decimal(10) ** exponent(ccy)
        inv.taxes_cents = round_minor(base * TAX_RATE[inv.customer.tax_code] / 100, ccy)
    sub_incl = inv.fees_cents - inv.coupons_cents + inv.taxes_cents
    inv.prepaid_cents = 0
    if wallet is not None and inv.invoice_type == "subscription" and wallet["balance_cents"] > 0:
        inv.prepaid_cents = min(wallet["balance_cents"], sub_incl)
        wallet["balance_cents"] -= inv.prepaid_cents
    inv.total_cents = sub_incl - inv.prepaid_cents


def build_invoices(
    rng: random.Random, subs: list[Sub], events: list[Event], window_start: date, window_end: date
) -> list[Invoice]:
    by_sub = defaultdict(list)
    for e in events:
        by_sub[id(e.sub)].append(e)
    grouped: dict[tuple[str, date], list[Fee]] = defaultdict(list)
    customers = {}
    for sub in subs:
        customers[sub.customer.external_id] = sub.customer
        for issue, fee in subscription_fees(sub, by_sub[id(sub)], window_start, window_end):
            grouped[(sub.customer.external_id, issue)].append(fee)
    for c in customers.values():
        if c.wallet:
            w = c.wallet
            w["balance_cents"] = 0
            cents = round_minor(w["paid_credits"], c.currency)
            grouped[(c.external_id, w["created_date"])].insert(
                0, Fee("credit", "prepaid", "Prepaid credits", cents, None, None, None, w["paid_credits"])
            )
    invoices = []
    for ext, issue in sorted(grouped):
        c = customers[ext]
        fees = grouped[(ext, issue)]
        credit = [f for f in fees if f.kind == "credit"]
        other = [f for f in fees if f.kind != "credit"]
        if credit:
            invoices.append(Invoice(c, issue, "credit", credit))
        if other:
            invoices.append(Invoice(c, issue, "subscription", other))
    for inv in invoices:
        inv.lago_id = lago_uuid(rng)
        for f in inv.fees:
            f.lago_id = lago_uuid(rng)
    return invoices


def finalize(invoices: list[Invoice]) -> None:
    """Coupons, taxes and wallets in issuing order per customer, then gap-free numbers per entity."""
    coupons: dict[str, _CouponState] = {}
    for inv in sorted(invoices, key=lambda i: (i.customer.external_id, i.issuing_date, i.invoice_type)):
        c = inv.customer
        st = coupons.setdefault(c.external_id, _CouponState(c))
        assemble(inv, st, c.wallet)
        if inv.invoice_type == "credit" and c.wallet:
            c.wallet["balance_cents"] += round_minor(
                c.wallet["paid_credits"] + c.wallet["granted_credits"], c.currency
            )
    seq = defaultdict(int)
    for inv in sorted(
        invoices,
        key=lambda i: (i.issuing_date, i.customer.entity, i.customer.external_id, i.invoice_type, i.lago_id),
    ):
        seq[inv.customer.entity] += 1
        inv.number = f"{PREFIX[inv.customer.entity]}-{seq[inv.customer.entity]:06d}"


def _applied_tax(inv: Invoice, amount: int, fees_amount: int, lago_id: str) -> dict:
    code = inv.customer.tax_code
    name, rate = next((n, r) for c, n, r in TAXES if c == code)
    return {
        "lago_id": lago_id,
        "lago_invoice_id": inv.lago_id,
        "lago_tax_id": None,
        "tax_name": name,
        "tax_code": code,
        "tax_rate": str(rate),
        "tax_description": name,
        "amount_cents": amount,
        "amount_currency": inv.customer.currency,
        "fees_amount_cents": fees_amount,
    }


def invoice_json(inv: Invoice, rng: random.Random) -> dict:
    c, ccy = inv.customer, inv.customer.currency
    rate = TAX_RATE[c.tax_code] if inv.invoice_type != "credit" else Decimal(0)
    net_fees = inv.fees_cents - inv.coupons_cents
    fees = []
    for f in inv.fees:
        share = Decimal(inv.coupons_cents) * f.amount_cents / inv.fees_cents if inv.fees_cents else Decimal(0)
        f_tax = round_minor(
            (Decimal(f.amount_cents) - share) * rate / 100 / Decimal(10) ** exponent(ccy), ccy
        )
        item = {"type": f.kind, "code": f.code, "name": f.name, "invoice_display_name": f.name}
        if f.filters:
            item["filters"] = f.filters
        if f.grouped_by:
            item["grouped_by"] = f.grouped_by
        fees.append(
            {
                "lago_id": f.lago_id,
                "lago_charge_id": f.charge.lago_id if f.charge else None,
                "lago_invoice_id": inv.lago_id,
                "lago_true_up_parent_fee_id": f.true_up_of.lago_id if f.true_up_of else None,
                "lago_subscription_id": f.sub.lago_id if f.sub else None,
                "external_subscription_id": f.sub.external_id if f.sub else None,
                "invoice_display_name": f.name,
                "item": item,
                "amount_cents": f.amount_cents,
                "amount_currency": ccy,
                "taxes_amount_cents": f_tax,
                "taxes_rate": float(rate),
                "total_amount_cents": f.amount_cents + f_tax,
                "total_amount_currency": ccy,
                "units": str(f.units.quantize(Decimal("0.0001"))).rstrip("0").rstrip(".") if f.units else "0",
                "events_count": f.events_count,
                "from_date": iso_z(f.from_at) if f.from_at else None,
                "to_date": iso_z(f.to_at - timedelta(seconds=1)) if f.to_at else None,
                "applied_taxes": []
                if not rate
                else [
                    {
                        "lago_id": lago_uuid(rng),
                        "lago_fee_id": f.lago_id,
                        "lago_tax_id": None,
                        "tax_name": c.tax_code,
                        "tax_code": c.tax_code,
                        "tax_rate": str(rate),
                        "tax_description": c.tax_code,
                        "amount_cents": f_tax,
                        "amount_currency": ccy,
                    }
                ],
            }
        )
    subs = []
    for s in {id(f.sub): f.sub for f in inv.fees if f.sub}.values():
        subs.append(
            {
                "lago_id": s.lago_id,
                "external_id": s.external_id,
                "lago_customer_id": c.lago_id,
                "external_customer_id": c.external_id,
                "plan_code": s.plan.code,
                "plan_amount_cents": s.plan.amount_cents,
                "plan_amount_currency": s.plan.currency,
                "status": "terminated" if s.end_date and s.end_date <= inv.issuing_date else "active",
                "billing_time": s.plan.billing_time,
                "started_at": iso_z(s.started_at),
                "terminated_at": iso_z(s.terminated_at)
                if s.terminated_at and s.end_date <= inv.issuing_date
                else None,
                "previous_plan_code": s.previous_plan_code,
                "next_plan_code": s.next_plan_code,
            }
        )
    periods = []
    for s in {id(f.sub): f.sub for f in inv.fees if f.sub}.values():
        sf = [f for f in inv.fees if f.sub is s and f.kind == "subscription"]
        cf = [f for f in inv.fees if f.sub is s and f.kind == "charge"]
        periods.append(
            {
                "lago_subscription_id": s.lago_id,
                "external_subscription_id": s.external_id,
                "lago_plan_id": s.plan.lago_id,
                "subscription_from_datetime": iso_z(sf[0].from_at) if sf else None,
                "subscription_to_datetime": iso_z(sf[0].to_at - timedelta(seconds=1)) if sf else None,
                "charges_from_datetime": iso_z(cf[0].from_at) if cf else None,
                "charges_to_datetime": iso_z(cf[0].to_at - timedelta(seconds=1)) if cf else None,
                "invoicing_reason": "subscription_periodic",
            }
        )
    issued = inv.issuing_date
    return {
        "lago_id": inv.lago_id,
        "billing_entity_code": c.entity,
        "sequential_id": int(inv.number.split("-")[1]),
        "number": inv.number,
        "issuing_date": issued.isoformat(),
        "payment_due_date": (inv.payment_due_date or issued + timedelta(days=14)).isoformat(),
        "payment_overdue": inv.payment_overdue,
        "payment_dispute_lost_at": iso_z(inv.dispute_lost_at) if inv.dispute_lost_at else None,
        "net_payment_term": inv.net_payment_term,
        "invoice_type": inv.invoice_type,
        "version_number": 4,
        "status": "finalized",
        "payment_status": inv.payment_status,
        "currency": ccy,
        "fees_amount_cents": inv.fees_cents,
        "taxes_amount_cents": inv.taxes_cents,
        "coupons_amount_cents": inv.coupons_cents,
        "credit_notes_amount_cents": 0,
        "progressive_billing_credit_amount_cents": 0,
        "sub_total_excluding_taxes_amount_cents": net_fees,
        "sub_total_including_taxes_amount_cents": net_fees + inv.taxes_cents,
        "prepaid_credit_amount_cents": inv.prepaid_cents,
        "prepaid_granted_credit_amount_cents": 0,
        "prepaid_purchased_credit_amount_cents": inv.prepaid_cents,
        "total_amount_cents": inv.total_cents,
        "total_paid_amount_cents": inv.total_cents if inv.payment_status == "succeeded" else inv.paid_cents,
        "total_due_amount_cents": 0
        if inv.payment_status == "succeeded"
        else inv.total_cents - inv.paid_cents,
        "metadata": [],
        "applied_taxes": [] if not rate else [_applied_tax(inv, inv.taxes_cents, net_fees, lago_uuid(rng))],
        "customer": {
            "lago_id": c.lago_id,
            "external_id": c.external_id,
            "name": c.name,
            "country": c.country,
            "currency": ccy,
            "timezone": c.timezone,
            "applicable_timezone": c.timezone,
            "billing_configuration": {
                "payment_provider": c.provider,
                "provider_customer_id": c.provider_customer_id,
            },
        },
        "billing_periods": periods,
        "subscriptions": subs,
        "fees": fees,
        "credits": []
        if not inv.coupons_cents
        else [
            {
                "amount_cents": inv.coupons_cents,
                "amount_currency": ccy,
                "before_taxes": True,
                "item": {"type": "coupon", "code": inv.coupon_code, "name": inv.coupon_code},
            }
        ],
    }
