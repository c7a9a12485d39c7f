"""Revenue-assurance cases planted in the incumbent's invoices (`billed/`), the CRM, the usage and the
gateway files, with their truth (docs/assurance.md §6): faults of every reason code, near misses that
are not faults, and the shadow-billing differences (planted billing differences and explained ones).

Everything here draws from its own stream (`random.Random(f"assurance-{seed}")`) so the rest of the
demo moves as little as possible, and every case sits on a customer no other planted case touches.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from dagster_project.demo import billing, revrec, usage
from dagster_project.demo.billing import Fee, Invoice
from dagster_project.demo.catalog import Coupon, Plan
from dagster_project.demo.common import add_months, local_date, local_midnight, round_minor
from dagster_project.demo.company import Customer, Sub
from dagster_project.demo.ids import lago_uuid
from dagster_project.reference.currencies import exponent
from ml import evaluation

CASE_COLUMNS = list(evaluation.CASE_COLUMNS)  # the truth file is what the evaluation reads (§6)
SHADOW_COLUMNS = [
    "case_id",
    "kind",
    "external_customer_id",
    "external_subscription_id",
    "charge_key",
    "service_month",
    "note",
]
# docs/assurance.md §3
REASON_CODES = (
    "contract_not_billed",
    "contract_plan_mismatch",
    "contract_quantity_mismatch",
    "contract_price_mismatch",
    "contract_start_mismatch",
    "subscription_period_not_invoiced",
    "usage_not_billed",
    "usage_units_mismatch",
    "late_usage",
    "proration_missing",
    "proration_wrong",
    "coupon_after_end",
    "coupon_beyond_limit",
    "duplicate_invoice_charge",
    "duplicate_payment",
    "invoice_total_mismatch",
    "payment_without_invoice",
    "usage_spike",
    "usage_drop",
    "usage_silence",
    "invoice_amount_anomaly",
)
SHADOW_KINDS = ("billing_difference", "timing", "tax_rounding", "credit_note")
# a note on every invoice of a case customer keeps the collections cases (receivables.plant) away
CASE_NOTE = "assurance case"
# a planted fault a second rule rightly reports too: the incumbent's usage line bills other
# units than were metered (late events left off, ten times the units): usage_units_mismatch
FAULT_CODES = {
    "late_usage": "late_usage|usage_units_mismatch",
    "invoice_amount_anomaly": "invoice_amount_anomaly|usage_units_mismatch",
}
# the codes a check would wrongly raise on each near miss
NEAR_MISS_CODES = {
    "near_miss_upgrade": "proration_missing|proration_wrong|duplicate_invoice_charge|contract_plan_mismatch",
    "near_miss_credit_note": "contract_price_mismatch|invoice_amount_anomaly|usage_units_mismatch",
    "near_miss_contract_upsize": "usage_spike|invoice_amount_anomaly|contract_plan_mismatch|usage_units_mismatch",
    "near_miss_coupon_within_limits": "coupon_after_end|coupon_beyond_limit",
}


@dataclass
class Case:
    fault_type: str
    customer: Customer
    amount: int = 0
    sub_id: str | None = None
    invoice: Invoice | None = None
    period: date | None = None
    note: str = ""
    is_fault: bool = True
    codes: str | None = None
    currency: str | None = None


@dataclass
class ShadowRow:
    kind: str
    customer: Customer
    sub_id: str | None
    charge_key: str
    month: date
    note: str


def fee_key(f: Fee) -> str:
    return "plan" if f.kind == "subscription" else f.code


def fee_month(f: Fee) -> date:
    return local_date(f.from_at, f.sub.tz).replace(day=1)


def _first_partial(f: Fee) -> bool:
    """A first plan fee of a calendar subscription started mid-period (no trial): prorated."""
    return (
        f.kind == "subscription"
        and bool(f.full_amount_cents)
        and f.amount_cents < f.full_amount_cents * 3 // 4
        and f.sub.trial_end_date is None
        and f.sub.plan.billing_time == "calendar"
        and f.from_at == f.sub.started_at
    )


def _metered(f: Fee) -> bool:
    """A usage fee with events whose removal leaves nothing behind (no minimum true-up on it)."""
    return (
        f.kind == "charge"
        and f.amount_cents > 0
        and f.events_count >= 20
        and f.true_up_of is None
        and not (f.charge is not None and f.charge.min_amount_cents)
    )


def _taxes(inv: Invoice) -> int:
    ccy = inv.customer.currency
    base = Decimal(inv.fees_cents - inv.coupons_cents) / Decimal(10) ** exponent(ccy)
    return round_minor(base * billing.TAX_RATE[inv.customer.tax_code] / 100, ccy)


def _reassemble(inv: Invoice) -> None:
    """Taxes and total again after a change of the coupon amount (customers without a wallet)."""
    inv.taxes_cents = _taxes(inv)
    inv.total_cents = inv.fees_cents - inv.coupons_cents + inv.taxes_cents - inv.prepaid_cents


@dataclass
class CrmPlan:
    """What the CRM export says differently from billing, per external customer id."""

    price_factor: dict[str, Decimal] = field(default_factory=dict)
    # a Closed Won line of seats (the `seats` charge of the plan): (quantity sold, unit price minor)
    seats: dict[str, tuple[int, int]] = field(default_factory=dict)
    plan_override: dict[str, str] = field(default_factory=dict)
    start_override: dict[str, date] = field(default_factory=dict)
    # (customer, plan, start, opportunity type) deals on the customer's account, after the main export
    extra_deals: list[tuple[Customer, Plan, date, str]] = field(default_factory=list)
    # (external id, name, currency, country, plan, start): Closed Won, no Lago customer
    ghosts: list[tuple[str, str, str, str, Plan, date]] = field(default_factory=list)


class Planter:
    def __init__(
        self,
        rng: random.Random,
        customers: list[Customer],
        subs: list[Sub],
        plans: dict[str, Plan],
        coupons: list[Coupon],
        window_start: date,
        window_end: date,
        n_random: int,
    ):
        self.rng = rng
        self.custs = [c for c in customers if c.index < n_random]  # never the metrics cases' customers
        self.cust_ids = {c.external_id for c in self.custs}
        self.budget = len(self.custs) // (4 if len(self.custs) >= 100 else 10)
        self.subs = subs
        self.plans = plans
        self.coupons = {c.code: c for c in coupons}
        self.ws, self.we = window_start, window_end
        self.taken: set[str] = set()
        self.cases: list[Case] = []
        self.shadow: list[ShadowRow] = []
        self.crm = CrmPlan()
        self.subs_of: dict[str, list[Sub]] = {}
        for s in subs:
            self.subs_of.setdefault(s.customer.external_id, []).append(s)
        self.drop: set[int] = set()  # id() of events left out of the landing files and billing
        self.late: dict[int, date] = {}  # id() of an event -> the later landing day
        self.extra: list[usage.Event] = []  # events added (surges), drawn from this stream
        self._late_subs: list[tuple[Sub, date, list]] = []
        self._coupon_cases: list[tuple[str, Customer]] = []
        self._credit_lines: list[tuple[Customer, Fee, int]] = []
        self._total_cases: int = 2
        self.credit_notes: list = []

    # ------------------------------------------------------------ helpers
    def _free(self, c: Customer) -> bool:
        # a small company keeps most customers for the other planted cases (collections, revrec)
        return c.external_id not in self.taken and c.wallet is None and len(self.taken) < self.budget

    def _choose(self, items: list):
        if not items:
            return None
        return items[self.rng.randrange(len(items))]

    def _simple(
        self, c: Customer, families=("starter", "growth"), in_window: bool | None = None
    ) -> Sub | None:
        """The one subscription of a free customer on a monthly calendar plan, never ended or changed."""
        ss = self.subs_of.get(c.external_id, [])
        if len(ss) != 1 or not self._free(c):
            return None
        s = ss[0]
        if s.plan.family not in families or s.end_date is not None or s.next_plan_code:
            return None
        if in_window is not None and (s.start_date >= self.ws) != in_window:
            return None
        return s

    def case(self, fault_type: str, c: Customer, **kw) -> Case:
        self.taken.add(c.external_id)
        k = Case(fault_type, c, **kw)
        self.cases.append(k)
        return k

    def line_case(self, kind: str, inv: Invoice, f: Fee, amount: int, note: str, why: str) -> None:
        """A fault on one line of an invoice, and the billing difference it leaves for shadow billing."""
        self.case(
            kind,
            inv.customer,
            amount=amount,
            sub_id=f.sub.external_id,
            invoice=inv,
            period=fee_month(f),
            note=note,
        )
        self.diff("billing_difference", f, why)

    def diff(self, kind: str, f: Fee, note: str) -> None:
        self.shadow.append(ShadowRow(kind, f.sub.customer, f.sub.external_id, fee_key(f), fee_month(f), note))

    # ------------------------------------------------------------ company step
    def plant_company(self) -> None:
        """Coupons for the coupon cases and near misses (before applied_coupons is written), the
        upgrades the near misses, timing differences and contract upsizes use."""
        pools = {
            "coupon_after_end": "launch_20pct",
            "coupon_beyond_limit": "welcome_50",
            "near_miss_coupon_within_limits": None,
        }
        for kind, code in pools.items():
            for k in range(2):
                cands = [
                    c
                    for c in self.custs
                    if c.currency == "USD"
                    and c.coupon is None
                    and self._simple(c, families=("starter",), in_window=False)
                ]
                c = self._choose(cands)
                if c is None:
                    break
                cp = self.coupons[code or ("launch_20pct", "welcome_50")[k]]
                c.coupon, c.coupon_lago_id = cp, lago_uuid(self.rng)
                self.taken.add(c.external_id)
                self._coupon_cases.append((kind, c))

        # upgrades already in the company (starter -> growth on a day inside a month)
        ups = [
            s for s in self.subs if s.terminated_by == "upgrade" and s.customer.external_id in self.cust_ids
        ]
        ups = [s for s in ups if len(self.subs_of[s.customer.external_id]) == 2]
        self.upgrades = {"timing": [], "near_miss_upgrade": [], "near_miss_contract_upsize": []}

        def new_of(s: Sub) -> Sub:
            return next(x for x in self.subs_of[s.customer.external_id] if x is not s)

        for s in ups:
            c = s.customer
            if not self._free(c):
                continue
            month_end_issue = add_months(s.end_date, 1, day=1)
            if c.coupon is None and month_end_issue < self.we and len(self.upgrades["timing"]) < 2:
                self.upgrades["timing"].append(s)
            elif len(self.upgrades["near_miss_upgrade"]) < 2 and c.coupon is None:
                self.upgrades["near_miss_upgrade"].append(s)
            elif (
                len(self.upgrades["near_miss_contract_upsize"]) < 2
                and s.end_date + timedelta(days=12) < self.we
            ):
                self.upgrades["near_miss_contract_upsize"].append(s)
            else:
                continue
            self.taken.add(c.external_id)
        # every upgrade was sold: an Upsell opportunity, Closed Won before the upgrade day
        for s in ups:
            self.crm.extra_deals.append((s.customer, new_of(s).plan, s.end_date, "Upsell"))
        for s in self.upgrades["near_miss_upgrade"]:
            self.case(
                "near_miss_upgrade",
                s.customer,
                sub_id=s.external_id,
                period=s.end_date.replace(day=1),
                is_fault=False,
                note=f"legitimate upgrade {s.plan.code} -> {s.next_plan_code} on {s.end_date}: the old plan's "
                "closing fees are billed on the upgrade day (Lago's rule), a contracted Upsell",
            )

    # ------------------------------------------------------------ usage step
    def plant_usage(self, events: list[usage.Event], spike: dict | None) -> list[usage.Event]:
        """Drops, silences, surges after an upsize and late-landing usage; returns the events billed."""
        if spike:
            self.taken.add(spike["sub"].customer.external_id)
        by_sub: dict[int, list[usage.Event]] = {}
        for e in events:
            by_sub.setdefault(id(e.sub), []).append(e)
        span = (self.we - self.ws).days
        d0 = self.ws + timedelta(days=min(70, max(span - 25, 0)))

        def busy(s: Sub) -> bool:
            return sum(1 for e in by_sub.get(id(s), []) if e.code == "api_calls") >= 60

        for kind, days, keep in (("usage_drop", 10, Decimal("0.1")), ("usage_silence", 12, Decimal(0))):
            for _ in range(2):
                cands = [
                    s
                    for c in self.custs
                    if (s := self._simple(c, in_window=False)) is not None and busy(s) and c.coupon is None
                ]
                s = self._choose(cands)
                if s is None:
                    break
                first, last = d0, d0 + timedelta(days=days - 1)
                for e in by_sub[id(s)]:
                    if first <= local_date(e.at, s.tz) <= last and Decimal(str(self.rng.random())) >= keep:
                        self.drop.add(id(e))
                what = "falls to about 10% of its usual" if keep else "stops: no events at all"
                self.case(
                    kind,
                    s.customer,
                    sub_id=s.external_id,
                    period=first.replace(day=1),
                    currency=s.plan.currency,
                    note=f"usage of {s.external_id} {what} from {first} to {last} ({days} days) while active",
                )

        # late usage: the last two days of a month land after that month's invoice was issued
        n_months = (self.we.year - self.ws.year) * 12 + self.we.month - self.ws.month
        month = add_months(self.ws, max(1, min(2, n_months - 2)), day=1)  # not the CloudEvents month
        issue = add_months(month, 1, day=1)
        cloud = {id(s) for s in self.subs[3:6]}
        pe = issue - timedelta(days=1)
        last_days = {issue - timedelta(days=k) for k in (1, 2, 3)}

        def late_of(s: Sub) -> list[usage.Event]:
            return [
                e
                for e in by_sub.get(id(s), [])
                if e.code == "api_calls" and local_date(e.at, s.tz) in last_days
            ]

        def effect(s: Sub) -> int:
            charge = next(ch for ch in s.plan.charges if ch.metric == "api_calls")
            late_ids = {id(e) for e in late_of(s)}
            evs = [e for e in by_sub[id(s)] if id(e) not in self.drop]
            full = billing._charge_fees(s, charge, evs, month, pe)
            short = billing._charge_fees(s, charge, [e for e in evs if id(e) not in late_ids], month, pe)
            return sum(f.amount_cents for f in full) - sum(f.amount_cents for f in short)

        for _ in range(2):
            cands = [
                s
                for c in self.custs
                if (s := self._simple(c, families=("starter",))) is not None
                and c.coupon is None
                and s.start_date < month
                and id(s) not in cloud
                and issue + timedelta(days=3) < self.we
            ]
            s = self._choose([s for s in cands if effect(s) > 0])
            if s is None:
                break
            late = late_of(s)
            for e in late:
                self.late[id(e)] = issue + timedelta(days=3)
            self._late_subs.append((s, month, late))
            self.taken.add(s.customer.external_id)

        # real surges after a contract upsize: 3x the usual API calls for 7 days after the upgrade
        for s_old in self.upgrades["near_miss_contract_upsize"]:
            new = next(x for x in self.subs_of[s_old.customer.external_id] if x is not s_old)
            start = new.start_date + timedelta(days=3)
            st = usage._State(self.rng, new)
            n = 0
            for day in (start + timedelta(days=k) for k in range(7)):
                base = local_midnight(day, new.tz)
                for _ in range(int(3 * usage.BASE_RATE["api_calls"] * max(new.customer.intensity, 1.0))):
                    at = base + timedelta(seconds=self.rng.randint(1, 86398))
                    props = usage._props(self.rng, "api_calls", st, new)
                    self.extra.append(usage._ev(self.rng, at, "api_calls", props, new))
                    n += 1
            self.case(
                "near_miss_contract_upsize",
                new.customer,
                sub_id=new.external_id,
                period=start.replace(day=1),
                is_fault=False,
                currency=new.plan.currency,
                note=f"Upsell Closed Won, upgrade to {new.plan.code} on {new.start_date}; {n} more api_calls "
                f"events from {start} for 7 days: real usage after the upsize, billed",
            )
        billed = [e for e in events if id(e) not in self.drop] + self.extra
        billed.sort(key=lambda e: (e.at, e.external_subscription_id, e.transaction_id))
        return billed

    # ------------------------------------------------------------ billing, before finalize
    def plant_billing(self, invoices: list[Invoice], events: list[usage.Event]) -> None:
        subs_invs = [i for i in invoices if i.invoice_type == "subscription"]
        per_customer: dict[str, list[Invoice]] = {}
        for i in invoices:
            per_customer.setdefault(i.customer.external_id, []).append(i)

        def clean(c: Customer) -> bool:
            return self._free(c) and c.coupon is None and c.external_id in self.cust_ids

        def pick(pred) -> Invoice | None:
            inv = self._choose([i for i in subs_invs if clean(i.customer) and pred(i)])
            if inv is not None:
                self.taken.add(inv.customer.external_id)
            return inv

        # late usage: the incumbent rated the month without the events that landed after its invoice
        for s, month, late in self._late_subs:
            late_ids = {id(e) for e in late}
            evs = [e for e in events if e.sub is s and id(e) not in late_ids]
            charge = next(ch for ch in s.plan.charges if ch.metric == "api_calls")
            pe = add_months(month, 1, day=1) - timedelta(days=1)
            f = next(
                f
                for i in per_customer[s.customer.external_id]
                for f in i.fees
                if f.sub is s and f.kind == "charge" and f.code == "api_calls" and fee_month(f) == month
            )
            inv = next(i for i in per_customer[s.customer.external_id] if f in i.fees)
            new = billing._charge_fees(s, charge, evs, month, pe)[0]
            effect = f.amount_cents - new.amount_cents
            f.units, f.amount_cents, f.events_count = new.units, new.amount_cents, new.events_count
            self.case(
                "late_usage",
                s.customer,
                amount=effect,
                sub_id=s.external_id,
                invoice=inv,
                period=month,
                note=f"{len(late)} api_calls events of {pe - timedelta(days=2)}..{pe} landed on "
                f"{self.late[id(late[0])]}, after the invoice of {pe + timedelta(days=1)}; not invoiced",
            )
            self.diff("billing_difference", f, "late usage left out of the incumbent's invoice")

        # timing: the incumbent bills the old plan's closing fees on the month-end invoice
        for s in self.upgrades["timing"]:
            mine = per_customer[s.customer.external_id]
            src = next(
                (i for i in mine if i.issuing_date == s.end_date and i.invoice_type == "subscription"), None
            )
            dst = next(
                (
                    i
                    for i in mine
                    if i.issuing_date == add_months(s.end_date, 1, day=1) and i.invoice_type == "subscription"
                ),
                None,
            )
            if src is None or dst is None:
                continue
            moved = [f for f in src.fees if f.sub is s]
            src.fees = [f for f in src.fees if f.sub is not s]
            dst.fees = moved + dst.fees
            if not src.fees:
                invoices.remove(src)
                subs_invs.remove(src)
            for f in moved:
                self.diff(
                    "timing",
                    f,
                    f"upgrade on {s.end_date}: closing fee on the incumbent's {dst.issuing_date} invoice, "
                    f"revhouse's {s.end_date} invoice",
                )

        # a second missed proration
        inv = pick(lambda i: any(_first_partial(f) for f in i.fees))
        if inv:
            f = next(f for f in inv.fees if _first_partial(f))
            effect = f.full_amount_cents - f.amount_cents
            f.amount_cents = f.full_amount_cents
            self.line_case(
                "proration_missing",
                inv,
                f,
                effect,
                f"first period from {local_date(f.from_at, f.sub.tz)} billed in full",
                "first period billed in full",
            )

        # prorated on a wrong day count: one day too many
        for _ in range(2):
            inv = pick(lambda i: any(_first_partial(f) for f in i.fees))
            if inv is None:
                break
            f = next(f for f in inv.fees if _first_partial(f))
            start, end = local_date(f.from_at, f.sub.tz), local_date(f.to_at, f.sub.tz)
            ps, pe = billing._period_containing(f.sub.plan, start, f.sub.start_date)
            days, total = (end - start).days, (pe - ps).days + 1
            ccy = f.sub.plan.currency
            wrong = round_minor(
                Decimal(f.full_amount_cents) * (days + 1) / total / Decimal(10) ** exponent(ccy), ccy
            )
            effect = wrong - f.amount_cents
            f.amount_cents = wrong
            self.line_case(
                "proration_wrong",
                inv,
                f,
                abs(effect),
                f"first period {start}..{end - timedelta(days=1)} billed for {days + 1} of {total} days "
                f"instead of {days}",
                f"prorated on {days + 1} days instead of {days}",
            )

        # a second usage fee left off
        inv = pick(lambda i: any(_metered(f) for f in i.fees) and len(i.fees) > 1)
        if inv:
            f = max((f for f in inv.fees if _metered(f)), key=lambda f: f.amount_cents)
            inv.fees.remove(f)
            self.line_case(
                "usage_not_billed",
                inv,
                f,
                f.amount_cents,
                f"{f.code} usage {f.units} units, {f.events_count} events not invoiced",
                "usage fee missing on the incumbent's invoice",
            )

        # an active subscription's monthly invoice left out
        def one_monthly_sub(i: Invoice) -> bool:
            ss = {id(f.sub): f.sub for f in i.fees}
            if len(ss) != 1:
                return False
            s = next(iter(ss.values()))
            return (
                s.plan.interval == "monthly"
                and s.end_date is None
                and any(f.kind == "subscription" for f in i.fees)
                and s.start_date < i.issuing_date - timedelta(days=40)
            )

        for _ in range(2):
            inv = pick(one_monthly_sub)
            if inv is None:
                break
            invoices.remove(inv)
            subs_invs.remove(inv)
            plan_fee = next(f for f in inv.fees if f.kind == "subscription")
            self.case(
                "subscription_period_not_invoiced",
                inv.customer,
                amount=sum(f.amount_cents for f in inv.fees),
                sub_id=plan_fee.sub.external_id,
                period=fee_month(plan_fee),
                note=f"no invoice of {inv.issuing_date} for {plan_fee.sub.external_id} "
                f"({len(inv.fees)} fees) though the subscription is active",
            )
            for f in inv.fees:
                self.diff("billing_difference", f, f"the {inv.issuing_date} invoice was never issued")

        # a second duplicate invoice
        inv = pick(lambda i: any(f.kind == "subscription" for f in i.fees))
        if inv:
            clone = Invoice(
                inv.customer,
                inv.issuing_date,
                "subscription",
                [Fee(**{**f.__dict__, "lago_id": lago_uuid(self.rng)}) for f in inv.fees],
                lago_id=lago_uuid(self.rng),
            )
            invoices.append(clone)
            self.case(
                "duplicate_invoice_charge",
                inv.customer,
                amount=sum(f.amount_cents for f in clone.fees),
                sub_id=clone.fees[0].sub.external_id,
                invoice=clone,
                period=fee_month(clone.fees[0]),
                note="same fees as another invoice of the same day",
            )
            for f in clone.fees:
                self.diff("billing_difference", f, "charged again on a duplicate invoice")

        # a billed usage fee with ten times its units
        def standard(f: Fee) -> bool:
            return (
                f.kind == "charge"
                and f.charge is not None
                and f.charge.charge_model == "standard"
                and not f.filters
                and not f.grouped_by
                and f.true_up_of is None
                and f.amount_cents >= 100 * 10 ** exponent(f.sub.plan.currency) // 100
                and billing.AGG[f.charge.metric][0] in ("count_agg", "sum_agg")
                and not billing.AGG[f.charge.metric][2]
            )

        for _ in range(2):
            inv = pick(lambda i: any(standard(f) for f in i.fees))
            if inv is None:
                break
            f = max((f for f in inv.fees if standard(f)), key=lambda f: f.amount_cents)
            units = f.units * 10
            new = round_minor(
                billing.charge_amount(f.charge, f.charge.properties, units, []), f.sub.plan.currency
            )
            effect = new - f.amount_cents
            f.units, f.amount_cents = units, new
            self.line_case(
                "invoice_amount_anomaly",
                inv,
                f,
                effect,
                f"{f.code} billed for {units} units, ten times the {units / 10} used",
                "usage fee billed with ten times its units",
            )

        # tax rounding: the incumbent splits an invoice in two, each taxed and rounded on its own
        def rounds_apart(i: Invoice) -> bool:
            plan_f = [f for f in i.fees if f.kind == "subscription"]
            rest = [f for f in i.fees if f.kind != "subscription"]
            if not plan_f or not rest or i.customer.currency != "USD":
                return False
            rate = billing.TAX_RATE[i.customer.tax_code] / 100

            def tax(fs):
                return round_minor(Decimal(sum(f.amount_cents for f in fs)) * rate / 100, "USD")

            return tax(plan_f) + tax(rest) != tax(i.fees)

        inv = pick(rounds_apart)
        if inv:
            rest = [f for f in inv.fees if f.kind != "subscription"]
            inv.fees = [f for f in inv.fees if f.kind == "subscription"]
            split = Invoice(inv.customer, inv.issuing_date, "subscription", rest, lago_id=lago_uuid(self.rng))
            invoices.append(split)
            for f in inv.fees + rest:
                self.diff(
                    "tax_rounding",
                    f,
                    f"the incumbent split its {inv.issuing_date} invoice in two: tax rounded per part differs "
                    "by a cent from revhouse's one invoice",
                )

        # over-billed plan lines a credit note explains (near misses)
        def full_plan(f: Fee) -> bool:
            return f.kind == "subscription" and f.units == 1 and f.amount_cents > 0

        for _ in range(2):
            inv = pick(
                lambda i: any(full_plan(f) for f in i.fees) and i.issuing_date + timedelta(days=5) < self.we
            )
            if inv is None:
                break
            f = next(f for f in inv.fees if full_plan(f))
            excess = f.amount_cents // 10
            f.amount_cents += excess
            self._credit_lines.append((inv, f, excess))
            self.case(
                "near_miss_credit_note",
                inv.customer,
                amount=0,
                sub_id=f.sub.external_id,
                invoice=inv,
                period=fee_month(f),
                is_fault=False,
                note=f"plan fee billed {excess} minor over list, fully credited by a credit note",
            )
            self.diff("credit_note", f, f"billed {excess} minor over; a credit note credits exactly that")

        # contract cases (CRM side); amounts from the final plan fees (crm_amounts)
        plan_fees: dict[str, list[Fee]] = {}
        for i in subs_invs:
            plan_fees.setdefault(i.customer.external_id, []).extend(
                f for f in i.fees if f.kind == "subscription"
            )

        def single_plan_full(i: Invoice) -> bool:
            fees = plan_fees.get(i.customer.external_id, [])
            return (
                bool(fees)
                and len({id(f.sub) for f in fees}) == 1
                and all(f.units == 1 for f in fees)
                and len(self.subs_of[i.customer.external_id]) == 1
            )

        self._crm_cases = []
        self._seat_fees: dict[str, list[Fee]] = {}
        inv = pick(lambda i: single_plan_full(i))
        if inv:
            self.crm.price_factor[inv.customer.external_id] = Decimal("1.1")
            self._crm_cases.append(("contract_price_mismatch", inv.customer))
        # seats sold above what is billed: a CRM line of the plan's `seats` charge
        seat_fees: dict[str, list[Fee]] = {}
        for i in subs_invs:
            seat_fees.setdefault(i.customer.external_id, []).extend(
                f for f in i.fees if f.kind == "charge" and f.code == "seats" and f.true_up_of is None
            )
        for _ in range(2):
            inv = pick(
                lambda i: (
                    self._simple(i.customer, families=("team",)) is not None
                    and len(seat_fees.get(i.customer.external_id, [])) >= 2
                )
            )
            if inv:
                fees = seat_fees[inv.customer.external_id]
                charge = fees[0].charge
                price = round_minor(Decimal(charge.properties["amount"]), fees[0].sub.plan.currency)
                sold = int(max(f.units for f in fees)) + 3
                self.crm.seats[inv.customer.external_id] = (sold, price)
                self._seat_fees[inv.customer.external_id] = fees
                self._crm_cases.append(("contract_quantity_mismatch", inv.customer))
        for _ in range(2):
            inv = pick(
                lambda i: (
                    single_plan_full(i)
                    and plan_fees[i.customer.external_id][0].sub.plan.family == "starter"
                    and f"growth_{i.customer.currency.lower()}" in self.plans
                )
            )
            if inv:
                s = plan_fees[inv.customer.external_id][0].sub
                self.crm.plan_override[inv.customer.external_id] = f"growth_{inv.customer.currency.lower()}"
                self._crm_cases.append(("contract_plan_mismatch", inv.customer))
        for _ in range(2):
            inv = pick(
                lambda i: (
                    (s := self._simple(i.customer, families=("starter",), in_window=True)) is not None
                    and s.start_date >= add_months(self.ws, 2, day=1)
                    and i.customer.coupon is None
                )
            )
            if inv:
                s = self.subs_of[inv.customer.external_id][0]
                self.crm.start_override[inv.customer.external_id] = add_months(s.start_date, -2)
                self._crm_cases.append(("contract_start_mismatch", inv.customer))
        self._plan_fees = plan_fees

        # a second contract never billed: a Closed Won deal for a customer Lago never got
        start = add_months(self.ws, 1, day=1)
        plan = self.plans.get("starter_eur") or self.plans["starter_usd"]
        ghost = f"cust_{len(self.custs) + 90500:05d}"
        self.crm.ghosts.append((ghost, "Initrode Global", plan.currency, "DE", plan, start))
        self._ghost = (ghost, plan, start)

    # ------------------------------------------------------------ billing, after finalize
    def plant_finalized(self, invoices: list[Invoice]) -> None:
        per_customer: dict[str, list[Invoice]] = {}
        for i in sorted(invoices, key=lambda i: (i.issuing_date, i.number)):
            per_customer.setdefault(i.customer.external_id, []).append(i)
        for kind, c in self._coupon_cases:
            mine = [i for i in per_customer.get(c.external_id, []) if i.invoice_type == "subscription"]
            used = [i for i in mine if i.coupons_cents > 0]
            after = [
                i for i in mine if i.coupons_cents == 0 and used and i.issuing_date > used[-1].issuing_date
            ]
            cp = c.coupon
            if kind == "near_miss_coupon_within_limits":
                if used:
                    self.case(
                        kind,
                        c,
                        invoice=used[0],
                        sub_id=used[0].fees[0].sub.external_id,
                        period=used[0].issuing_date.replace(day=1),
                        is_fault=False,
                        note=f"coupon {cp.code} ({cp.frequency}) applied within its limits",
                    )
                continue
            if not after:
                continue
            inv = after[0]
            if cp.coupon_type == "percentage":
                amount = round_minor(
                    Decimal(inv.fees_cents) * cp.percentage_rate / 100 / Decimal(10) ** exponent("USD"), "USD"
                )
                why = (
                    f"{cp.code} applied a {len(used) + 1}th time, after its {cp.frequency_duration} invoices"
                )
            else:
                amount = min(cp.amount_cents, inv.fees_cents)
                why = (
                    f"{cp.code} ({cp.frequency}, {cp.amount_cents} minor) applied again after it was used up"
                )
            inv.coupons_cents, inv.coupon_code = amount, cp.code
            _reassemble(inv)
            self.case(
                kind,
                c,
                amount=amount,
                invoice=inv,
                sub_id=inv.fees[0].sub.external_id,
                period=inv.issuing_date.replace(day=1),
                note=why,
            )

        # invoice totals that do not close: one 10% over, one 10% under
        for sign in (1, -1):
            cands = [
                i
                for i in invoices
                if i.invoice_type == "subscription"
                and i.total_cents >= 2000
                and i.coupons_cents == 0
                and self._free(i.customer)
                and i.customer.external_id in self.cust_ids
                and i.customer.coupon is None
            ]
            inv = self._choose(sorted(cands, key=lambda i: i.number))
            if inv is None:
                break
            delta = sign * (inv.total_cents // 10)
            inv.total_cents += delta
            self.case(
                "invoice_total_mismatch",
                inv.customer,
                amount=abs(delta),
                invoice=inv,
                sub_id=inv.fees[0].sub.external_id,
                period=fee_month(inv.fees[0]),
                note=f"total_amount_cents {inv.total_cents} is {delta:+d} off fees - coupons + taxes - credits",
            )

        # credit notes that explain the over-billed near-miss lines
        for inv, f, excess in self._credit_lines:
            taxable = inv.fees_cents - inv.coupons_cents
            taxes = (excess * inv.taxes_cents * 2 + taxable) // (2 * taxable) if taxable > 0 else 0
            issuing = inv.issuing_date + timedelta(days=5)
            note = revrec.PlantedCreditNote(
                case="assurance_over_billing",
                number=f"{inv.number}-CN1",
                invoice_number=inv.number,
                line_lago_id=f.lago_id,
                issuing_date=issuing,
                created_at=datetime.combine(issuing, time(10)),
                currency=inv.customer.currency,
                sub_total_minor=excess,
                taxes_minor=taxes,
            )
            self.credit_notes.append((note, revrec._credit_note_json(self.rng, note, inv, f)))

        # collections cases keep off every invoice of a case customer
        for i in invoices:
            if i.customer.external_id in self.taken:
                i.notes.append(CASE_NOTE)

    # ------------------------------------------------------------ truth
    def crm_amounts(self) -> None:
        for kind, c in self._crm_cases:
            fees = self._plan_fees[c.external_id]
            s = fees[0].sub
            amounts = [f.amount_cents for f in fees]
            if kind == "contract_price_mismatch":
                amount = sum(a * 11 // 10 - a for a in amounts)
                note = f"CRM unit price is 110% of list; {len(amounts)} plan fees billed at list"
            elif kind == "contract_quantity_mismatch":
                sold, price = self.crm.seats[c.external_id]
                seat_fees = self._seat_fees[c.external_id]
                amount = sum(int((sold - f.units) * price) for f in seat_fees if f.units < sold)
                note = (
                    f"CRM sells {sold} seats of {s.plan.code} at {price} minor; {len(seat_fees)} seat fees "
                    f"billed for {', '.join(str(f.units) for f in seat_fees)}: (sold - billed) x price"
                )
            elif kind == "contract_plan_mismatch":
                other = self.plans[self.crm.plan_override[c.external_id]]
                amount = sum(other.amount_cents - a for a in amounts)
                note = f"CRM product maps to {other.code}; billed {s.plan.code} ({len(amounts)} plan fees)"
            else:
                amount = 2 * s.plan.amount_cents
                note = (
                    f"CRM start {self.crm.start_override[c.external_id]}, billing from {s.start_date}: "
                    f"2 monthly plan fees never billed"
                )
            self.case(
                kind,
                c,
                amount=abs(amount),
                sub_id=s.external_id,
                period=self.crm.start_override[c.external_id].replace(day=1)
                if kind == "contract_start_mismatch"
                else fee_month(fees[0]),
                note=note,
            )
        ghost, plan, start = self._ghost
        months = sum(1 for k in range(24) if add_months(start, k + 1, day=1) < self.we)
        self.cases.append(
            Case(
                "contract_not_billed",
                Customer(
                    -1,
                    "",
                    ghost,
                    "Initrode Global",
                    plan.currency,
                    "DE",
                    "Europe/Berlin",
                    "rh-eu",
                    "",
                    "",
                    "",
                    None,
                    0,
                ),
                amount=plan.amount_cents * months,
                period=start,
                currency=plan.currency,
                note=f"Closed Won {plan.code} from {start}; no Lago customer {ghost}; {months} monthly plan fees "
                "issued before as_of never billed (excl. usage and tax)",
            )
        )


def existing_cases(planter: Planter, invoices: list[Invoice], faults_rows: list[list]) -> None:
    """The faults the first version of the demo plants (faults.csv), as assurance cases."""
    by_number = {i.number: i for i in invoices}
    for inv in invoices:
        for note in inv.notes:
            if not isinstance(note, tuple):
                continue
            if note[0] == "missed_proration":
                f = next(f for f in inv.fees if f.lago_id == note[1])
                planter.cases.append(
                    Case(
                        "proration_missing",
                        inv.customer,
                        note[2],
                        f.sub.external_id,
                        inv,
                        fee_month(f),
                        note[3],
                    )
                )
                planter.diff("billing_difference", f, "first period billed in full")
            elif note[0] == "unbilled_usage":
                f = note[4]
                planter.cases.append(
                    Case(
                        "usage_not_billed",
                        inv.customer,
                        -note[2],
                        f.sub.external_id,
                        inv,
                        fee_month(f),
                        note[3],
                    )
                )
                planter.diff("billing_difference", f, "usage fee missing on the incumbent's invoice")
            elif note[0] == "duplicate_charge":
                planter.cases.append(
                    Case(
                        "duplicate_invoice_charge",
                        inv.customer,
                        inv.fees_cents,
                        inv.fees[0].sub.external_id,
                        inv,
                        fee_month(inv.fees[0]),
                        note[3],
                    )
                )
                for f in inv.fees:
                    planter.diff("billing_difference", f, "charged again on a duplicate invoice")
    customers = {i.customer.external_id: i.customer for i in invoices}
    for row in faults_rows:
        _, kind, source, _, file, key, ext, effect, ccy, note = row
        if kind == "contract_ne_invoice":
            fees = planter._plan_fees.get(ext, [])
            planter.cases.append(
                Case(
                    "contract_price_mismatch",
                    customers[ext],
                    abs(effect),
                    fees[0].sub.external_id if fees else None,
                    None,
                    fee_month(fees[0]) if fees else None,
                    note,
                )
            )
        elif kind == "crm_contract_never_billed":
            c = Customer(-1, "", ext, "", ccy, "US", "America/New_York", "rh-us", "", "", "", None, 0)
            planter.cases.append(Case("contract_not_billed", c, abs(effect), None, None, planter.ws, note))
        elif kind in ("duplicate_charge", "payment_without_invoice") and source == "payments":
            m = re.search(r"invoice (\S+) charged twice", note)
            inv = by_number.get(m.group(1)) if m else None
            month = date.fromisoformat(re.search(r"(\d{4}-\d{2})\.json", file).group(1) + "-01")
            planter.cases.append(
                Case(
                    "duplicate_payment" if kind == "duplicate_charge" else "payment_without_invoice",
                    customers[ext],
                    abs(effect),
                    None,
                    inv,
                    inv.issuing_date.replace(day=1) if inv else month,
                    f"{note} ({source} {key}; payment amount, tax included)",
                )
            )
        elif kind == "usage_spike":
            sub_id, day = key.split("|")
            planter.cases.append(
                Case(
                    "usage_spike",
                    customers[ext],
                    0,
                    sub_id,
                    None,
                    date.fromisoformat(day).replace(day=1),
                    note,
                    currency=ccy,
                )
            )


def case_rows(planter: Planter) -> list[list]:
    rows = []
    for n, k in enumerate(planter.cases, 1):
        ccy = k.currency or k.customer.currency
        codes = k.codes or (
            FAULT_CODES.get(k.fault_type, k.fault_type) if k.is_fault else NEAR_MISS_CODES[k.fault_type]
        )
        rows.append(
            [
                f"A{n:03d}",
                k.fault_type,
                "true" if k.is_fault else "false",
                codes,
                k.customer.external_id,
                k.sub_id or "",
                k.invoice.number if k.invoice is not None else "",
                k.period.isoformat() if k.period else "",
                max(int(k.amount), 0),
                ccy,
                k.note,
            ]
        )
    return rows


def shadow_rows(planter: Planter) -> list[list]:
    seen, rows = set(), []
    for r in planter.shadow:
        key = (r.kind, r.customer.external_id, r.sub_id, r.charge_key, r.month)
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            [r.kind, r.customer.external_id, r.sub_id or "", r.charge_key, r.month.isoformat(), r.note]
        )
    return [[f"S{n:03d}", *row] for n, row in enumerate(rows, 1)]
