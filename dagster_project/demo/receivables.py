"""Collections cases of the demo (collections.md): payment terms, a Lago dunning campaign replayed by
its own rule (§2.4) into landed payment requests, and planted cash-application cases on real
incumbent (`billed/`) invoices, with their ground truth worked out here from the rules.

Everything draws from its own `random.Random`, so the rest of the company does not depend on it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from dagster_project.demo.billing import Invoice
from dagster_project.demo.common import iso_z, unix
from dagster_project.demo.company import Customer, Sub
from dagster_project.demo.ids import lago_uuid, stripe_id
from dagster_project.demo.payments import balance_txn, charge_object, intent_object
from dagster_project.demo.writers import lago_list, write_csv, write_json

# ---------------------------------------------------------------- terms and the campaign
ENTITY_TERMS = {"rh-us": 30, "rh-eu": 45}
DEFAULT_ENTITY = "rh-us"  # the organization's default billing entity: its campaign is the default one
CAMPAIGN = {
    "code": "default_dunning",
    "name": "Default dunning",
    "description": "Three card retries, three days apart; JPY is never dunned (no threshold)",
    "applied_to_organization": True,
    "days_between_attempts": 3,
    "max_attempts": 3,
    "bcc_emails": ["ar@revhouse-demo.example"],
    "thresholds": [
        {"amount_cents": 5000, "currency": "USD"},
        {"amount_cents": 5000, "currency": "EUR"},
    ],
    "deleted_at": None,
}
ENTITY_CAMPAIGN = {"rh-us": CAMPAIGN["code"], "rh-eu": None}
THRESHOLD = {t["currency"]: t["amount_cents"] for t in CAMPAIGN["thresholds"]}
RECOVER_AT_ATTEMPT = 2

CASE_COLUMNS = [
    "case",
    "gateway",
    "payment_id",
    "invoice_number",
    "external_customer_id",
    "currency",
    "payment_currency",
    "amount_minor",
    "expected_applied_minor",
    "expected_unapplied_minor",
    "expected_refunded_minor",
    "expected_charged_back_minor",
    "expected_reinstated_minor",
    "expected_invoice_due_minor",
    "expected_match",
    "note",
]
DUNNING_COLUMNS = [
    "external_customer_id",
    "currency",
    "campaign_code",
    "attempt",
    "payment_request_id",
    "attempted_at",
    "invoice_numbers",
    "amount_minor",
    "payment_status",
    "case",
]
DUNNING_SUMMARY_COLUMNS = [
    "case",
    "external_customer_id",
    "currency",
    "invoice_number",
    "entered_minor",
    "attempts",
    "recovered",
    "recovered_at_attempt",
    "recovered_minor",
    "churned",
    "subscription_external_id",
    "terminated_at",
    "note",
]
TERM_COLUMNS = [
    "invoice_number",
    "external_customer_id",
    "net_payment_term",
    "term_source",
    "payment_due_date",
]


def assign_terms(rng: random.Random, customers: list[Customer]) -> None:
    """Most customers inherit their entity's term (null); a few carry their own, one EUR customer 0."""
    eur = [c for c in customers if c.entity == "rh-eu"]
    zero = eur[rng.randrange(len(eur))] if eur else None
    for c in customers:
        if c is zero:
            c.net_payment_term = 0
        elif rng.random() < 0.1:
            # rh-us customers keep terms above the gateway's collection delay, so only planted
            # cases and unpaid invoices go overdue under the default campaign
            c.net_payment_term = rng.choice([15, 60] if c.entity == "rh-us" else [0, 15, 60])


def term_of(c: Customer) -> tuple[int, str]:
    if c.net_payment_term is not None:
        return c.net_payment_term, "customer"
    return ENTITY_TERMS[c.entity], "entity"


def campaign_of(c: Customer) -> str | None:
    """§2.2: the customer's own campaign, else its billing entity's."""
    return c.dunning_campaign_code or ENTITY_CAMPAIGN[c.entity]


def due_date(inv: Invoice) -> date:
    return inv.issuing_date + timedelta(days=term_of(inv.customer)[0])


def dunning_campaigns_json() -> list[dict]:
    return [dict(CAMPAIGN, lago_id="5c0b5a2e-4b9e-4d0e-9d1a-0d0e0a1b2c3d")]


# ---------------------------------------------------------------- planting
@dataclass
class Plan:
    """What the gateway writers and the billed export need to know about the planted cases."""

    stripe: dict[str, list] = field(default_factory=dict)  # kind -> objects
    adyen_amount: dict[str, int] = field(default_factory=dict)  # invoice lago_id -> settled gross
    lago_payments: list[dict] = field(default_factory=list)
    payment_requests: list[dict] = field(default_factory=list)
    cases: list[list] = field(default_factory=list)
    dunning: list[list] = field(default_factory=list)
    dunning_summary: list[list] = field(default_factory=list)
    succeeded_at: dict[str, datetime | None] = field(default_factory=dict)  # Lago's view, by lago_id
    lago_status: dict[str, str] = field(default_factory=dict)
    paid_cents: dict[str, int] = field(default_factory=dict)
    dispute_lost_at: dict[str, datetime] = field(default_factory=dict)


def _at(d: date, hour: int = 10) -> datetime:
    return datetime.combine(d, time(hour), UTC)


class _Stripe:
    """Stripe API objects for the planted cases (same shapes as payments.write_stripe)."""

    def __init__(self, rng: random.Random, plan: Plan):
        self.rng, self.objs = rng, plan.stripe
        for k in ("charges", "payment_intents", "refunds", "disputes", "balance_transactions"):
            self.objs.setdefault(k, [])

    def bt(self, at, amount, ccy, category, typ, source, fee=None, description=None) -> dict:
        bt = balance_txn(stripe_id(self.rng, "txn"), source, at, amount, ccy, description, category, typ, fee)
        self.objs["balance_transactions"].append(bt)
        return bt

    def charge(
        self,
        at: datetime,
        amount: int,
        ccy: str,
        c: Customer,
        inv: Invoice | None,
        status: str = "succeeded",
        metadata: dict | None = None,
    ) -> dict:
        ch_id, pi_id = stripe_id(self.rng, "ch"), stripe_id(self.rng, "pi")
        bt = None
        if status == "succeeded":
            bt = self.bt(at, amount, ccy, "charge", "charge", ch_id, description="Payment")
        meta = (
            metadata
            if metadata is not None
            else {"invoice_number": inv.number, "lago_invoice_id": inv.lago_id, "lago_customer_id": c.lago_id}
        )
        pm_id = stripe_id(self.rng, "pm")
        obj = charge_object(
            ch_id,
            at,
            amount,
            ccy,
            c.provider_customer_id,
            inv,
            status,
            pi_id,
            meta,
            bt,
            pm_id,
            "4242",
            c.country,
        )
        self.objs["charges"].append(obj)
        self.objs["payment_intents"].append(
            intent_object(obj, at, "succeeded" if status == "succeeded" else "requires_payment_method")
        )
        return obj

    def refund(self, ch: dict, at: datetime, amount: int) -> dict:
        ccy = ch["currency"].upper()
        re_id = stripe_id(self.rng, "re")
        bt = self.bt(at, -amount, ccy, "refund", "refund", re_id, description="REFUND FOR CHARGE")
        ch["amount_refunded"] += amount
        ch["refunded"] = ch["amount_refunded"] == ch["amount"]
        re = {
            "id": re_id,
            "object": "refund",
            "amount": amount,
            "balance_transaction": bt["id"],
            "charge": ch["id"],
            "created": unix(at),
            "currency": ch["currency"],
            "metadata": ch["metadata"],
            "payment_intent": ch["payment_intent"],
            "reason": "requested_by_customer",
            "receipt_number": None,
            "status": "succeeded",
        }
        self.objs["refunds"].append(re)
        return re

    def dispute(self, ch: dict, at: datetime, won_at: datetime | None) -> dict:
        ccy, amount = ch["currency"].upper(), ch["amount"]
        dp_id = stripe_id(self.rng, "dp")
        fee = 1500
        bts = [self.bt(at, -amount, ccy, "dispute", "adjustment", dp_id, fee, "Chargeback withdrawal")]
        if won_at is not None:
            bts.append(
                self.bt(
                    won_at, amount, ccy, "dispute_reversal", "adjustment", dp_id, -fee, "Chargeback reversal"
                )
            )
        ch["disputed"] = True
        dp = {
            "id": dp_id,
            "object": "dispute",
            "amount": amount,
            "balance_transactions": [dict(b) for b in bts],
            "charge": ch["id"],
            "created": unix(at),
            "currency": ch["currency"],
            "is_charge_refundable": False,
            "livemode": True,
            "metadata": {},
            "payment_intent": ch["payment_intent"],
            "reason": "fraudulent",
            "status": "won" if won_at is not None else "lost",
            "evidence_details": {
                "due_by": unix(at + timedelta(days=14)),
                "has_evidence": won_at is not None,
                "past_due": False,
                "submission_count": 1 if won_at is not None else 0,
            },
        }
        self.objs["disputes"].append(dp)
        return dp


def plant(
    rng: random.Random,
    invoices: list[Invoice],
    paid: dict[str, list],
    subs: list[Sub],
    window_end: date,
) -> Plan:
    """Take the case invoices out of the normal settlement (`paid`), give them their flows, replay the
    dunning campaign over every customer it applies to, and work out the expected outcomes."""
    plan = Plan()
    stripe = _Stripe(rng, plan)
    paid_at = {inv.lago_id: at for flows in paid.values() for at, inv in flows}
    by_customer: dict[str, list[Invoice]] = {}
    for inv in invoices:
        by_customer.setdefault(inv.customer.external_id, []).append(inv)
    subs_of: dict[str, list[Sub]] = {}
    for s in subs:
        subs_of.setdefault(s.customer.external_id, []).append(s)
    used: set[str] = set()

    def clean(c: Customer) -> bool:
        """A customer whose every invoice is paid by the normal flow, untouched by other faults."""
        return (
            c.external_id not in used
            and c.wallet is None
            and all(i.lago_id in paid_at and not i.notes for i in by_customer[c.external_id])
        )

    def usable(i: Invoice) -> bool:
        c = i.customer
        return c.external_id not in used and c.wallet is None and i.lago_id in paid_at and not i.notes

    def pick(pred, strict: bool = True) -> Invoice | None:
        """A paid subscription invoice of an unused customer; strict: every invoice of that customer
        is paid by the normal flow (nothing else open that a match or a dunning run could see)."""
        cands = [
            i
            for i in invoices
            if i.invoice_type == "subscription"
            and i.total_cents > 0
            and (clean(i.customer) if strict else usable(i))
            and pred(i)
        ]
        if not cands:
            return None
        inv = cands[rng.randrange(len(cands))]
        used.add(inv.customer.external_id)
        return inv

    def unpay(inv: Invoice, status: str = "pending") -> None:
        for flows in paid.values():
            flows[:] = [t for t in flows if t[1] is not inv]
        inv.payment_status = status
        paid_at.pop(inv.lago_id, None)

    def case(name, gateway, pid, inv, amount, note, pay_ccy=None, match="reference", **parts) -> None:
        """One expected outcome; `parts` are applied, unapplied, refunded, cb, reinst, due (default 0)."""
        p = {k: 0 for k in ("applied", "unapplied", "refunded", "cb", "reinst", "due")} | parts
        ccy = inv.customer.currency
        plan.cases.append(
            [
                name,
                gateway,
                pid,
                inv.number,
                inv.customer.external_id,
                ccy,
                pay_ccy or ccy,
                amount,
                *p.values(),
            ]
            + [match, note]
        )

    last_ok = window_end - timedelta(days=12)
    dunned: dict[str, dict] = {}  # customer -> {"invoice", "recover", "sub", "terminated_at"}

    # -- dunning that recovers at the second attempt (two Stripe USD customers of the default entity)
    def dunnable(i: Invoice) -> bool:
        c = i.customer
        return (
            c.provider == "stripe"
            and c.currency in THRESHOLD
            and campaign_of(c) is not None
            and i.total_cents >= THRESHOLD[c.currency]
            and due_date(i) + timedelta(days=4) < last_ok
            and len(subs_of[c.external_id]) == 1
        )

    for _ in range(2):
        inv = pick(dunnable)
        if inv is None:
            continue
        unpay(inv, "failed")
        stripe.charge(
            _at(inv.issuing_date, 9), inv.total_cents, inv.customer.currency, inv.customer, inv, "failed"
        )
        dunned[inv.customer.external_id] = {"invoice": inv, "recover": RECOVER_AT_ATTEMPT}

    # -- dunning that never recovers; the subscription is cancelled within the churn window
    def last_cancelled(c: Customer) -> Sub | None:
        ss = subs_of[c.external_id]
        s = ss[-1]
        return s if s.terminated_by == "cancel" and s.end_date < window_end - timedelta(days=1) else None

    def churnable(i: Invoice) -> bool:
        c, s = i.customer, last_cancelled(i.customer)
        return (
            s is not None
            and c.currency in THRESHOLD
            and i.total_cents >= THRESHOLD[c.currency]
            and any(f.sub is s for f in i.fees)
            and i.issuing_date + timedelta(days=22) <= s.terminated_at.date()
            and all(not j.notes for j in by_customer[c.external_id])
        )

    inv = pick(churnable, strict=False)
    if inv is not None:
        sub = last_cancelled(inv.customer)
        t = sub.terminated_at
        if campaign_of(inv.customer) is None:
            inv.customer.dunning_campaign_code = CAMPAIGN["code"]  # its own campaign (§2.2)
        # due ten days before the cancellation: three attempts (days 0, 3, 6) then the cancellation
        inv.customer.net_payment_term = (t.date() - timedelta(days=10) - inv.issuing_date).days
        for j in by_customer[inv.customer.external_id]:
            if j.issuing_date >= inv.issuing_date:
                unpay(j, "failed" if j is inv else "pending")
        if inv.customer.provider == "stripe":
            stripe.charge(
                _at(inv.issuing_date, 9), inv.total_cents, inv.customer.currency, inv.customer, inv, "failed"
            )
        dunned[inv.customer.external_id] = {"invoice": inv, "recover": None, "sub": sub, "terminated_at": t}

    # -- cash-application cases on invoices of the entity without a campaign (no dunning interplay)
    def eu(provider: str | None = None, ccy: str = "EUR"):
        def pred(i: Invoice) -> bool:
            c = i.customer
            return (
                campaign_of(c) is None
                and c.currency == ccy
                and (provider is None or c.provider == provider)
                and i.issuing_date < last_ok - timedelta(days=14)
            )

        return pred

    # partial payment: a manual (bank transfer) payment recorded in Lago for 40% of the invoice
    inv = pick(eu(), strict=False)
    if inv is not None:
        unpay(inv)
        amount = inv.total_cents * 2 // 5
        lp = {
            "lago_id": lago_uuid(rng),
            "invoice_ids": [inv.lago_id],
            "invoice_numbers": [inv.number],
            "amount_cents": amount,
            "amount_currency": inv.customer.currency,
            "payment_status": "succeeded",
            "type": "manual",
            "reference": f"WIRE {inv.number}",
            "external_payment_id": None,
            "created_at": iso_z(_at(inv.issuing_date + timedelta(days=7), 14)),
        }
        plan.lago_payments.append(lp)
        plan.paid_cents[inv.lago_id] = amount
        due = inv.total_cents - amount
        note = f"{inv.total_cents} total - {amount} paid = {due} still due; pending, partially paid"
        case("partial_payment", "lago", lp["lago_id"], inv, amount, note, applied=amount, due=due)

    # overpayment: an Adyen payment link (reference = the number alone) settled for more than the total
    inv = pick(eu("adyen"), strict=False) or pick(eu("adyen", "BHD"), strict=False)
    if inv is not None:
        ccy = inv.customer.currency
        extra = 1250 if ccy == "EUR" else 12500  # 12.50 EUR or 12.500 BHD
        plan.adyen_amount[inv.lago_id] = inv.total_cents + extra
        note = f"{inv.total_cents + extra} paid on {inv.total_cents} due: {inv.total_cents} applied, {extra} unapplied"
        case(
            "overpayment",
            "adyen",
            f"adyen:{inv.number}",
            inv,
            inv.total_cents + extra,
            note,
            applied=inv.total_cents,
            unapplied=extra,
        )

    stripe_eu = eu("stripe")

    def stripe_paid(name: str, fn, settles_within: int = 0) -> None:
        """`settles_within`: days after the payment the case's last flow needs before as_of."""

        def pred(i: Invoice) -> bool:
            return stripe_eu(i) and (paid_at[i.lago_id] + timedelta(days=settles_within)).date() < window_end

        inv = pick(pred, strict=False)
        if inv is None:
            return
        at = paid_at[inv.lago_id]
        unpay(inv, "succeeded")
        ch = stripe.charge(at, inv.total_cents, "EUR", inv.customer, inv)
        fn(name, inv, ch, at)

    def refund_case(name, inv, ch, at):
        part = inv.total_cents * 2 // 5
        stripe.refund(ch, at + timedelta(days=4), part)
        note = (
            f"{inv.total_cents} paid, {part} refunded without a credit note: applied "
            f"{inv.total_cents - part}, due {part} again (refund_without_credit_note)"
        )
        case(
            name,
            "stripe",
            ch["id"],
            inv,
            inv.total_cents,
            note,
            applied=inv.total_cents - part,
            refunded=part,
            due=part,
        )

    def chargeback_case(name, inv, ch, at):
        d_at = at + timedelta(days=10)
        stripe.dispute(ch, d_at, None)
        plan.dispute_lost_at[inv.lago_id] = d_at
        note = f"dispute lost: {inv.total_cents} charged back, invoice reopened for {inv.total_cents}"
        case(name, "stripe", ch["id"], inv, inv.total_cents, note, cb=inv.total_cents, due=inv.total_cents)

    def won_case(name, inv, ch, at):
        stripe.dispute(ch, at + timedelta(days=8), at + timedelta(days=30))
        t = inv.total_cents
        note = f"dispute won: {t} withdrawn then reinstated; {t} = {t} applied + {t} charged back - {t} reinstated"
        case(name, "stripe", ch["id"], inv, t, note, applied=t, cb=t, reinst=t)

    stripe_paid("refund_without_credit_note", refund_case)
    stripe_paid("chargeback", chargeback_case)
    stripe_paid("dispute_won", won_case, settles_within=31)  # reinstated 30 days after the payment

    # payment without any reference, five days before the due date: matched by the score (§4.2)
    inv = pick(stripe_eu)
    if inv is not None:
        unpay(inv)
        due = due_date(inv)
        pay_day = max(due - timedelta(days=5), inv.issuing_date + timedelta(days=1))
        ch = stripe.charge(_at(pay_day, 11), inv.total_cents, "EUR", inv.customer, None, metadata={})
        days = abs((due - pay_day).days)
        score = Decimal("0.5") + Decimal("0.3") + Decimal("0.2") * max(Decimal(0), 1 - Decimal(days) / 30)
        note = f"no reference: 0.5 + 0.3 (amount = due) + 0.2 x {30 - days}/30 (paid {days} days before due)"
        match = f"score {score.quantize(Decimal('0.0001'), ROUND_HALF_UP)}"
        case(
            "payment_without_reference",
            "stripe",
            ch["id"],
            inv,
            inv.total_cents,
            note,
            match=match,
            applied=inv.total_cents,
        )

    # a USD card payment naming an EUR invoice: never applied (currency_mismatch)
    inv = pick(stripe_eu, strict=False)
    if inv is not None:
        at = paid_at[inv.lago_id]
        unpay(inv)
        amount = inv.total_cents + 1000  # roughly the USD equivalent, whatever it is: never applied
        ch = stripe.charge(at, amount, "USD", inv.customer, inv)
        note = "USD payment on an EUR invoice: unapplied (currency_mismatch), invoice still due"
        case(
            "currency_mismatch",
            "stripe",
            ch["id"],
            inv,
            amount,
            note,
            pay_ccy="USD",
            unapplied=amount,
            due=inv.total_cents,
        )

    # ---- Lago's view of every invoice, then the campaign replayed by its rule
    for i in invoices:
        if i.lago_id in paid_at:
            plan.succeeded_at[i.lago_id] = paid_at[i.lago_id]
        elif i.payment_status == "succeeded":
            plan.succeeded_at[i.lago_id] = None  # settled outside any gateway flow (zero total)
    _replay_dunning(rng, plan, invoices, by_customer, dunned, stripe, window_end)
    return plan


def _replay_dunning(rng, plan, invoices, by_customer, dunned, stripe, window_end):
    """§2.4 at every hh:45 UTC for each customer the campaign applies to; attempts become landed
    payment requests. Lago's overdue: finalized, not succeeded, no lost dispute, due date <= today."""
    days_between = timedelta(days=CAMPAIGN["days_between_attempts"])
    for ext in sorted(by_customer):
        invs = by_customer[ext]
        c = invs[0].customer
        if campaign_of(c) is None:
            continue

        def open_at(i, now):
            s = plan.succeeded_at.get(i.lago_id, "never")
            if i.total_cents <= 0 or i.invoice_type == "credit":
                return False
            if s != "never" and (s is None or s <= now):
                return False
            lost = plan.dispute_lost_at.get(i.lago_id)
            return (lost is None or lost > now) and due_date(i) <= now.date()

        late = [
            datetime.combine(due_date(i), time(0, 45), UTC)
            for i in invs
            if due_date(i) < window_end and open_at(i, datetime.combine(due_date(i), time(0, 45), UTC))
        ]
        if not late:
            continue
        attempts: dict[str, int] = {}
        last_at: datetime | None = None
        n_by_ccy: dict[str, int] = {}
        info = dunned.get(ext)
        now = min(late)
        end = datetime.combine(window_end, time(0), UTC)
        while now < end:
            overdue = [i for i in invs if open_at(i, now)]
            if overdue and (last_at is None or now > last_at + days_between):
                ccys = sorted({i.customer.currency for i in overdue})
                qual = [
                    k
                    for k in ccys
                    if attempts.get(k, 0) < CAMPAIGN["max_attempts"]
                    and k in THRESHOLD
                    and THRESHOLD[k] <= sum(i.total_cents for i in overdue if i.customer.currency == k)
                ]
                if qual:
                    last_at = now
                    for k in qual:
                        attempts[k] = attempts.get(k, 0) + 1
                        n_by_ccy[k] = n_by_ccy.get(k, 0) + 1
                        group = sorted(
                            (i for i in overdue if i.customer.currency == k), key=lambda i: i.number
                        )
                        amount = sum(i.total_cents - plan.paid_cents.get(i.lago_id, 0) for i in group)
                        ok = bool(info and info["recover"] == attempts[k])
                        pr_id = lago_uuid(rng)
                        at = now + timedelta(seconds=12)
                        plan.payment_requests.append(
                            {
                                "lago_id": pr_id,
                                "amount_cents": amount,
                                "amount_currency": k,
                                "email": f"billing@{ext.replace('_', '-')}.example",
                                "payment_status": "succeeded" if ok else "failed",
                                "created_at": iso_z(at),
                                "customer": {"lago_id": c.lago_id, "external_id": ext, "name": c.name},
                                "invoices": [
                                    {
                                        "lago_id": i.lago_id,
                                        "number": i.number,
                                        "total_amount_cents": i.total_cents,
                                    }
                                    for i in group
                                ],
                                "dunning_campaign_code": CAMPAIGN["code"],
                            }
                        )
                        if info and c.provider == "stripe":
                            stripe.charge(
                                at + timedelta(minutes=1),
                                amount,
                                k,
                                c,
                                None,
                                "succeeded" if ok else "failed",
                                metadata={
                                    "lago_payable_type": "PaymentRequest",
                                    "lago_payable_id": pr_id,
                                    "lago_customer_id": c.lago_id,
                                },
                            )
                        case_name = (
                            "dunning_recovered"
                            if info and info["recover"]
                            else "dunning_churn"
                            if info
                            else "dunning_unpaid"
                        )
                        plan.dunning.append(
                            [
                                ext,
                                k,
                                CAMPAIGN["code"],
                                attempts[k],
                                pr_id,
                                iso_z(at),
                                ";".join(i.number for i in group),
                                amount,
                                "succeeded" if ok else "failed",
                                case_name,
                            ]
                        )
                        if ok:
                            for i in group:
                                plan.succeeded_at[i.lago_id] = at + timedelta(minutes=1)
                                i.payment_status = "succeeded"
                            attempts[k] = 0
                            if not any(attempts.values()):
                                last_at = None
            now += timedelta(hours=1)
        rows = [r for r in plan.dunning if r[0] == ext]
        for k in sorted({r[1] for r in rows}):
            mine = [r for r in rows if r[1] == k]
            first = mine[0]
            entered = first[7]
            won = [r for r in mine if r[8] == "succeeded"]
            inv = info["invoice"] if info else None
            churned = bool(info and info["recover"] is None)
            term_at = info.get("terminated_at") if info else None
            if churned:
                last_attempt = datetime.fromisoformat(mine[-1][5].replace("Z", "+00:00"))
                first_at = datetime.fromisoformat(first[5].replace("Z", "+00:00"))
                assert first_at < term_at <= last_attempt + timedelta(days=30), (ext, term_at)
            plan.dunning_summary.append(
                [
                    first[9],
                    ext,
                    k,
                    inv.number if inv else first[6],
                    entered,
                    len(mine),
                    bool(won),
                    won[0][3] if won else "",
                    won[0][7] if won else 0,
                    churned,
                    info["sub"].external_id if churned else "",
                    iso_z(term_at) if churned else "",
                    f"recovered at attempt {won[0][3]}"
                    if won
                    else (
                        "never recovered; subscription cancelled within the 30-day churn window"
                        if churned
                        else "never recovered"
                        + ("" if len(mine) < CAMPAIGN["max_attempts"] else "; campaign finished")
                    ),
                ]
            )
    plan.dunning.sort(key=lambda r: (r[5], r[0], r[1]))


def write_lago(landing: Path, plan: Plan) -> dict:
    files = {}
    for entity, items in (
        ("dunning_campaigns", dunning_campaigns_json()),
        ("payment_requests", plan.payment_requests),
        ("payments", plan.lago_payments),
    ):
        name = f"catalog/{entity}/{entity}.json"
        write_json(landing / name, lago_list(entity, items))
        files[name] = len(items)
    return files


def write_truth(truth: Path, plan: Plan, invoices: list[Invoice], payouts: list[list]) -> None:
    write_csv(truth / "collections_cases.csv", CASE_COLUMNS, plan.cases)
    write_csv(truth / "dunning_attempts.csv", DUNNING_COLUMNS, plan.dunning)
    write_csv(truth / "dunning.csv", DUNNING_SUMMARY_COLUMNS, plan.dunning_summary)
    write_csv(truth / "payouts.csv", PAYOUT_COLUMNS, payouts)
    rows = []
    for i in sorted(invoices, key=lambda i: i.number):
        term, src = term_of(i.customer)
        rows.append([i.number, i.customer.external_id, term, src, due_date(i).isoformat()])
    write_csv(truth / "payment_terms.csv", TERM_COLUMNS, rows)


PAYOUT_COLUMNS = [
    "gateway",
    "payout_id",
    "currency",
    "gross_minor",
    "refunds_minor",
    "chargebacks_minor",
    "fees_minor",
    "adjustments_minor",
    "net_minor",
    "payout_amount_minor",
    "arrival_date",
]


def annotate(invoices: list[Invoice], plan: Plan, window_end: date) -> None:
    """Lago's collection fields on the billed export, as of the demo's `as_of` (window end)."""
    as_of = datetime.combine(window_end, time(0), UTC)
    for i in invoices:
        i.net_payment_term = term_of(i.customer)[0]
        i.payment_due_date = due_date(i)
        i.paid_cents = plan.paid_cents.get(i.lago_id, 0)
        i.dispute_lost_at = plan.dispute_lost_at.get(i.lago_id)
        i.payment_overdue = (
            i.payment_status != "succeeded"
            and i.dispute_lost_at is None
            and i.payment_due_date < as_of.date()
        )
