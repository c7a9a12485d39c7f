"""Gateway exports for the incumbent invoices: Stripe API lists, Adyen settlement detail reports,
GoCardless API lists; with a failed-then-recovered payment, a refund, chargebacks, a duplicate charge
and a payment that names no invoice."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from dagster_project.demo.billing import Invoice
from dagster_project.demo.common import iso_z, local_midnight, major_text, round_minor, unix
from dagster_project.demo.ids import gocardless_id, psp_reference, stripe_id
from dagster_project.demo.truth import Faults
from dagster_project.demo.writers import stripe_list, write_csv, write_json
from dagster_project.reference.currencies import exponent

ADYEN_COLUMNS = [
    "Company Account",
    "Merchant Account",
    "Psp Reference",
    "Merchant Reference",
    "Payment Method",
    "Creation Date",
    "TimeZone",
    "Type",
    "Modification Reference",
    "Gross Currency",
    "Gross Debit (GC)",
    "Gross Credit (GC)",
    "Exchange Rate",
    "Net Currency",
    "Net Debit (NC)",
    "Net Credit (NC)",
    "Commission (NC)",
    "Markup (NC)",
    "Scheme Fees (NC)",
    "Interchange (NC)",
    "Payment Method Variant",
    "Modification Merchant Reference",
    "Batch Number",
    "Reserved4",
    "Reserved5",
    "Reserved6",
    "Reserved7",
    "Reserved8",
    "Reserved9",
    "Reserved10",
]
ADYEN_TZ = "CET"


def _fee(amount: int, ccy: str, pct: str, fixed_major: str) -> int:
    return round_minor(
        Decimal(amount) * Decimal(pct) / 100 / Decimal(10) ** exponent(ccy)
        + Decimal(fixed_major) * (0 if ccy == "JPY" else 1),
        ccy,
    )


def _paid_at(rng: random.Random, inv: Invoice, days: int) -> datetime:
    day = inv.issuing_date + timedelta(days=days)
    return local_midnight(day, inv.customer.timezone) + timedelta(seconds=rng.randint(8 * 3600, 20 * 3600))


def settle(rng: random.Random, invoices: list[Invoice], window_end: date) -> dict[str, list]:
    """Decide which invoices get paid and when; sets payment_status on the invoices."""
    plan: dict[str, list] = defaultdict(list)
    for inv in invoices:
        if inv.total_cents <= 0:
            inv.payment_status = "succeeded"
            continue
        if inv.invoice_type == "credit":
            # wallet top-ups are paid at once: the credits are consumed by invoices from that day on
            plan[inv.customer.provider].append((_paid_at(rng, inv, 0), inv))
            inv.payment_status = "succeeded"
            continue
        delay = rng.randint(0, 9)
        if inv.customer.provider == "gocardless":
            delay += 3  # direct debit collects a few days after the invoice
        paid_at = _paid_at(rng, inv, delay)
        if rng.random() < 0.04 or paid_at.date() >= window_end:
            inv.payment_status = "pending"
            continue
        inv.payment_status = "succeeded"
        plan[inv.customer.provider].append((paid_at, inv))
    for k in plan:
        plan[k].sort(key=lambda t: (t[0], t[1].number))
    return plan


def _month(dt: datetime) -> str:
    return dt.strftime("%Y-%m")


def balance_txn(
    txn_id: str,
    source: str,
    at: datetime,
    amount: int,
    ccy: str,
    description: str,
    category: str = "charge",
    typ: str = "charge",
    fee: int | None = None,
) -> dict:
    """A Stripe balance transaction; a charge's fee defaults to the card rate (2.9% + 0.30, JPY 3.6%)
    and it becomes available two days later, everything else at once."""
    if fee is None:
        fee = _fee(amount, ccy, "3.6" if ccy == "JPY" else "2.9", "0.30") if category == "charge" else 0
    return {
        "id": txn_id,
        "object": "balance_transaction",
        "amount": amount,
        "available_on": unix(at + timedelta(days=2 if category == "charge" else 0)),
        "created": unix(at),
        "currency": ccy.lower(),
        "description": description,
        "exchange_rate": None,
        "fee": fee,
        "fee_details": []
        if category != "charge"
        else [
            {
                "amount": fee,
                "application": None,
                "currency": ccy.lower(),
                "description": "Stripe processing fees",
                "type": "stripe_fee",
            }
        ],
        "net": amount - fee,
        "reporting_category": category,
        "source": source,
        "status": "available",
        "type": typ,
        "balance_type": "payments",
    }


def charge_object(
    ch_id: str,
    at: datetime,
    amount: int,
    ccy: str,
    cust_id: str,
    inv: Invoice | None,
    status: str,
    pi: str | None,
    meta: dict,
    bt: dict | None,
    pm_id: str,
    last4: str,
    country: str,
) -> dict:
    """A Stripe charge object (API shape) for a card payment, succeeded or failed."""
    ok = status == "succeeded"
    return {
        "id": ch_id,
        "object": "charge",
        "amount": amount,
        "amount_captured": amount if ok else 0,
        "amount_refunded": 0,
        "balance_transaction": bt["id"] if bt else None,
        "captured": ok,
        "created": unix(at),
        "currency": ccy.lower(),
        "customer": cust_id,
        "description": f"Revhouse Demo - Invoice {inv.number}" if inv else "Revhouse Demo - manual charge",
        "disputed": False,
        "failure_code": None if ok else "card_declined",
        "failure_message": None if ok else "Your card was declined.",
        "invoice": inv.number if inv else None,
        "livemode": True,
        "metadata": meta,
        "outcome": {
            "network_status": "approved_by_network" if ok else "declined_by_network",
            "reason": None if ok else "generic_decline",
            "risk_level": "normal",
            "seller_message": "Payment complete."
            if ok
            else "The bank did not return any further details with this decline.",
            "type": "authorized" if ok else "issuer_declined",
        },
        "paid": ok,
        "payment_intent": pi,
        "payment_method": pm_id,
        "payment_method_details": {
            "card": {"brand": "visa", "country": country, "last4": last4, "funding": "credit"},
            "type": "card",
        },
        "refunded": False,
        "refunds": {"object": "list", "data": [], "has_more": False, "url": f"/v1/charges/{ch_id}/refunds"},
        "status": status,
    }


def intent_object(latest: dict, at: datetime, status: str) -> dict:
    """The payment intent whose latest charge is `latest`."""
    return {
        "id": latest["payment_intent"],
        "object": "payment_intent",
        "amount": latest["amount"],
        "amount_received": latest["amount"] if status == "succeeded" else 0,
        "capture_method": "automatic",
        "created": unix(at),
        "currency": latest["currency"],
        "customer": latest["customer"],
        "description": latest["description"],
        "invoice": latest["invoice"],
        "last_payment_error": None,
        "latest_charge": latest["id"],
        "livemode": True,
        "metadata": latest["metadata"],
        "payment_method_types": ["card"],
        "status": status,
    }


def _quiet_payment(
    paid: list,
    first: int,
    taken: set[int],
    open_customers: frozenset[str],
    avoid: frozenset[str] = frozenset(),
) -> int | None:
    """The first payment from `first` on (then from the start) whose customer has nothing open
    when a stray charge lands a day later: no unpaid invoice at all, and every invoice of theirs
    issued by then already paid. A "payment without invoice" must stay unapplied under every
    matching rule (collections.md 4.2), so it cannot sit beside an open invoice."""
    by_customer: dict[str, list] = defaultdict(list)
    for at, inv in paid:
        by_customer[inv.customer.external_id].append((at, inv))
    order = [*range(first, len(paid)), *range(first)]
    for j in order:
        at, inv = paid[j]
        cust = inv.customer.external_id
        stray_at = at + timedelta(days=1, hours=1)
        if j in taken or cust in open_customers or cust in avoid:
            continue
        if all(
            p_at <= stray_at
            for p_at, other in by_customer[cust]
            if other.issuing_date <= (stray_at + timedelta(days=3)).date()
        ):
            return j
    return None


def write_stripe(
    rng: random.Random,
    landing: Path,
    paid: list,
    faults: Faults,
    window_end: date,
    extra: dict[str, list] | None = None,
    payouts_truth: list | None = None,
    open_customers: frozenset[str] = frozenset(),
    avoid: frozenset[str] = frozenset(),
    stray_rng: random.Random | None = None,
) -> dict:
    """`extra`: ready-made objects by kind (the planted collections cases) landed with the rest;
    `payouts_truth` receives one row per payout (receivables.PAYOUT_COLUMNS) worked out by §5;
    `open_customers`: external ids of customers with an invoice left unpaid (the stray payment
    is planted on a customer with nothing open, so no rule may apply it); `avoid`: customers of
    other planted cases, kept out of these; `stray_rng`: a second stray payment, drawn from it."""
    objs: dict[str, dict[str, list]] = {
        k: defaultdict(list)
        for k in ("charges", "payment_intents", "refunds", "disputes", "balance_transactions", "payouts")
    }
    bts: list[dict] = []

    def charge(
        inv: Invoice | None,
        at: datetime,
        amount: int,
        ccy: str,
        cust_id: str,
        status: str = "succeeded",
        pi: str | None = None,
        own: random.Random | None = None,
    ) -> dict:
        rng_ = own or rng
        ch_id = stripe_id(rng_, "ch")
        bt = None
        if status == "succeeded":
            bt = balance_txn(
                stripe_id(rng_, "txn"), ch_id, at, amount, ccy, f"Invoice {inv.number}" if inv else "Payment"
            )
            bts.append(bt)
        meta = (
            {
                "invoice_number": inv.number,
                "lago_invoice_id": inv.lago_id,
                "lago_customer_id": inv.customer.lago_id,
            }
            if inv
            else {}
        )
        pm_id, last4 = stripe_id(rng_, "pm"), f"{rng_.randint(0, 9999):04d}"
        obj = charge_object(
            ch_id,
            at,
            amount,
            ccy,
            cust_id,
            inv,
            status,
            pi,
            meta,
            bt,
            pm_id,
            last4,
            inv.customer.country if inv else "US",
        )
        objs["charges"][_month(at)].append(obj)
        return obj

    def intent(
        inv: Invoice | None, at: datetime, amount: int, ccy: str, cust: str, latest: dict, status: str
    ):
        objs["payment_intents"][_month(at)].append(intent_object(latest, at, status))

    for kind, items in (extra or {}).items():
        for o in items:
            if kind == "balance_transactions":
                bts.append(o)
            else:
                objs[kind][_month(datetime.fromtimestamp(o["created"], UTC))].append(o)
    if not paid and not bts:
        return {}
    special = rng.sample(range(len(paid)), min(5, len(paid)))
    for k, j in enumerate(special):
        # the next payment of a customer no other planted case touches
        while j < len(paid) - 1 and (
            paid[j][1].customer.external_id in avoid or j in special[:k] or j in special[k + 1 :]
        ):
            j += 1
        special[k] = j
    failed_i, refund_i, dispute_i, dup_i, noinv_i = (special + [None] * 5)[:5]
    if noinv_i is not None:
        noinv_i = _quiet_payment(paid, noinv_i, set(special[:4]), open_customers, avoid)
    strays = [noinv_i]
    if stray_rng is not None and noinv_i is not None and len(paid) > 1:
        used = frozenset(avoid | {paid[noinv_i][1].customer.external_id})
        strays.append(
            _quiet_payment(paid, stray_rng.randrange(len(paid)), set(special), open_customers, used)
        )
    for i, (at, inv) in enumerate(paid):
        ccy, amount, cust = inv.customer.currency, inv.total_cents, inv.customer.provider_customer_id
        pi = stripe_id(rng, "pi")
        if i == failed_i:
            charge(inv, at - timedelta(days=3), amount, ccy, cust, status="failed", pi=pi)
            inv.notes.append("first card payment failed, retried 3 days later")
        ch = charge(inv, at, amount, ccy, cust, pi=pi)
        intent(inv, at, amount, ccy, cust, ch, "succeeded")
        if i == refund_i:
            r_at = at + timedelta(days=5)
            ch["amount_refunded"], ch["refunded"] = amount, True
            bt = {
                "id": stripe_id(rng, "txn"),
                "object": "balance_transaction",
                "amount": -amount,
                "available_on": unix(r_at),
                "created": unix(r_at),
                "currency": ccy.lower(),
                "description": "REFUND FOR CHARGE",
                "exchange_rate": None,
                "fee": 0,
                "fee_details": [],
                "net": -amount,
                "reporting_category": "refund",
                "source": None,
                "status": "available",
                "type": "refund",
                "balance_type": "payments",
            }
            re = {
                "id": stripe_id(rng, "re"),
                "object": "refund",
                "amount": amount,
                "balance_transaction": bt["id"],
                "charge": ch["id"],
                "created": unix(r_at),
                "currency": ccy.lower(),
                "metadata": ch["metadata"],
                "payment_intent": pi,
                "reason": "requested_by_customer",
                "receipt_number": None,
                "status": "succeeded",
            }
            bt["source"] = re["id"]
            bts.append(bt)
            objs["refunds"][_month(r_at)].append(re)
        if i == dispute_i:
            d_at = at + timedelta(days=12)
            ch["disputed"] = True
            bt = {
                "id": stripe_id(rng, "txn"),
                "object": "balance_transaction",
                "amount": -amount,
                "available_on": unix(d_at),
                "created": unix(d_at),
                "currency": ccy.lower(),
                "description": "Chargeback withdrawal",
                "exchange_rate": None,
                "fee": 1500 if ccy != "JPY" else 2000,
                "fee_details": [],
                "net": -amount - (1500 if ccy != "JPY" else 2000),
                "reporting_category": "dispute",
                "source": None,
                "status": "available",
                "type": "adjustment",
                "balance_type": "payments",
            }
            dp = {
                "id": stripe_id(rng, "dp"),
                "object": "dispute",
                "amount": amount,
                "balance_transactions": [bt],
                "charge": ch["id"],
                "created": unix(d_at),
                "currency": ccy.lower(),
                "is_charge_refundable": False,
                "livemode": True,
                "metadata": {},
                "payment_intent": pi,
                "reason": "fraudulent",
                "status": "lost",
                "evidence_details": {
                    "due_by": unix(d_at + timedelta(days=14)),
                    "has_evidence": False,
                    "past_due": False,
                    "submission_count": 0,
                },
            }
            bt["source"] = dp["id"]
            bts.append(bt)
            objs["disputes"][_month(d_at)].append(dp)
        if i == dup_i:
            dup_at = at + timedelta(minutes=2)
            pi2 = stripe_id(rng, "pi")
            dup = charge(inv, dup_at, amount, ccy, cust, pi=pi2)
            intent(inv, dup_at, amount, ccy, cust, dup, "succeeded")
            faults.add(
                "duplicate_charge",
                "payments",
                "stripe",
                f"payments/stripe/charges_{_month(dup_at)}.json",
                dup["id"],
                inv.customer.external_id,
                amount,
                ccy,
                f"invoice {inv.number} charged twice ({ch['id']} and {dup['id']})",
            )
        if i in strays:
            own = stray_rng if i != noinv_i else None
            n_at = at + timedelta(days=1, hours=1)
            stray = charge(
                None,
                n_at,
                round_minor(Decimal("75"), ccy),
                ccy,
                cust,
                pi=stripe_id(own or rng, "pi"),
                own=own,
            )
            intent(None, n_at, stray["amount"], ccy, cust, stray, "succeeded")
            faults.add(
                "payment_without_invoice",
                "payments",
                "stripe",
                f"payments/stripe/charges_{_month(n_at)}.json",
                stray["id"],
                inv.customer.external_id,
                stray["amount"],
                ccy,
                "manual charge naming no invoice",
            )
    # weekly automatic payouts per currency of what became available
    by_week: dict[tuple[str, date], list[dict]] = defaultdict(list)
    for bt in bts:
        avail = datetime.fromtimestamp(bt["available_on"], UTC).date()
        monday = avail - timedelta(days=avail.weekday()) + timedelta(days=7)
        if monday < window_end:
            by_week[(bt["currency"], monday)].append(bt)
    for ccy, monday in sorted(by_week):
        rows = by_week[(ccy, monday)]
        net = sum(b["net"] for b in rows)
        if net <= 0:
            continue
        at = datetime.combine(monday, time(6), UTC)
        po_id, bt_id = stripe_id(rng, "po"), stripe_id(rng, "txn")
        for b in rows:
            b["payout"] = po_id
        if payouts_truth is not None:
            payouts_truth.append(stripe_settlement(po_id, ccy.upper(), rows, net, at + timedelta(days=2)))
        objs["payouts"][_month(at)].append(
            {
                "id": po_id,
                "object": "payout",
                "amount": net,
                "arrival_date": unix(at + timedelta(days=2)),
                "automatic": True,
                "balance_transaction": bt_id,
                "created": unix(at),
                "currency": ccy,
                "description": "STRIPE PAYOUT",
                "destination": "ba_demo_bank",
                "failure_code": None,
                "livemode": True,
                "metadata": {},
                "method": "standard",
                "reconciliation_status": "completed",
                "source_type": "card",
                "statement_descriptor": None,
                "status": "paid",
                "type": "bank_account",
            }
        )
        bts.append(
            {
                "id": bt_id,
                "object": "balance_transaction",
                "amount": -net,
                "available_on": unix(at),
                "created": unix(at),
                "currency": ccy,
                "description": "STRIPE PAYOUT",
                "exchange_rate": None,
                "fee": 0,
                "fee_details": [],
                "net": -net,
                "reporting_category": "payout",
                "source": po_id,
                "status": "available",
                "type": "payout",
                "balance_type": "payments",
                "payout": None,
            }
        )
    for bt in bts:
        bt.setdefault("payout", None)
        objs["balance_transactions"][_month(datetime.fromtimestamp(bt["created"], UTC))].append(bt)
    files = {}
    for kind, months in objs.items():
        for m in sorted(months):
            items = sorted(months[m], key=lambda o: (o["created"], o["id"]))
            name = f"payments/stripe/{kind}_{m}.json"
            write_json(landing / name, stripe_list(f"/v1/{kind}", items))
            files[name] = len(items)
    return files


def stripe_settlement(po_id: str, ccy: str, rows: list[dict], amount: int, arrival: datetime) -> list:
    """§5, Stripe: amounts by reporting_category, fees = Σ fee, net = Σ net."""
    by = defaultdict(int)
    for b in rows:
        cat = b["reporting_category"]
        by[cat if cat in ("charge", "refund") else "dispute" if cat.startswith("dispute") else "other"] += b[
            "amount"
        ]
    fees, net = sum(b["fee"] for b in rows), sum(b["net"] for b in rows)
    gross, refunds, cbs, adj = by["charge"], -by["refund"], -by["dispute"], by["other"]
    assert gross - refunds - cbs - fees + adj == net == amount, po_id
    return ["stripe", po_id, ccy, gross, refunds, cbs, fees, adj, net, amount, arrival.date().isoformat()]


def write_adyen(
    rng: random.Random,
    landing: Path,
    paid: list,
    window_end: date,
    amount_of: dict[str, int] | None = None,
    payouts_truth: list | None = None,
) -> dict:
    """`amount_of`: settled gross by invoice lago_id where it is not the invoice total (overpayment)."""
    amount_of = amount_of or {}
    by_batch: dict[tuple[str, date], list] = defaultdict(list)
    for at, inv in paid:
        d = at.date()
        by_batch[(inv.customer.currency, d - timedelta(days=d.weekday()))].append((at, inv))
    batch_no, files = 0, {}
    tz = ZoneInfo(ADYEN_TZ)
    chargeback_done = refund_done = False
    for ccy, week in sorted(by_batch):
        batch_no += 1
        account = f"RevhouseDemo{ccy}"
        rows, net_total, fees_total = [], 0, 0
        gross_total = refunds_total = cb_total = 0

        def row(
            psp,
            mref,
            at,
            typ,
            mod_ref,
            gdebit=None,
            gcredit=None,
            ndebit=None,
            ncredit=None,
            comm=None,
            method="visa",
            mmref="",
            rows=rows,
            account=account,
            ccy=ccy,
            batch_no=batch_no,
        ):
            rows.append(
                [
                    "RevhouseDemo",
                    account,
                    psp,
                    mref,
                    method,
                    at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                    ADYEN_TZ,
                    typ,
                    mod_ref,
                    ccy,
                    *[major_text(v, ccy) if v is not None else "" for v in (gdebit, gcredit)],
                    "1",
                    ccy,
                    *[major_text(v, ccy) if v is not None else "" for v in (ndebit, ncredit, comm)],
                    "",
                    "",
                    "",
                    method,
                    mmref,
                    batch_no,
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            )

        batch = by_batch[(ccy, week)]
        fee = round_minor(Decimal("5"), ccy) if ccy != "BHD" else round_minor(Decimal("2"), ccy)
        charged_back = (
            None if chargeback_done or ccy != "BHD" else _chargeback_target(batch, amount_of, ccy, fee)
        )
        for at, inv in batch:
            psp = psp_reference(rng)
            amount = amount_of.get(inv.lago_id, inv.total_cents)
            commission = _fee(amount, ccy, "1.8", "0.11")
            row(
                psp,
                inv.number,
                at,
                "Settled",
                psp_reference(rng),
                gcredit=amount,
                ncredit=amount - commission,
                comm=commission,
            )
            net_total += amount - commission
            gross_total += amount
            fees_total += commission
            if not refund_done and ccy == "EUR":
                refund_done = True
                part = inv.total_cents // 2
                row(
                    psp,
                    inv.number,
                    at + timedelta(days=1),
                    "Refunded",
                    psp_reference(rng),
                    gdebit=part,
                    ndebit=part,
                    mmref=f"refund-{inv.number}",
                )
                net_total -= part
                refunds_total += part
                inv.notes.append(f"half refunded through Adyen ({part} minor)")
            elif inv is charged_back:
                chargeback_done = True
                row(
                    psp,
                    inv.number,
                    at + timedelta(days=2),
                    "Chargeback",
                    psp_reference(rng),
                    gdebit=inv.total_cents,
                    ndebit=inv.total_cents,
                    mmref=f"cb-{inv.number}",
                )
                net_total -= inv.total_cents
                cb_total += inv.total_cents
        fees_total += fee
        end_at = datetime.combine(week + timedelta(days=6), time(23), tz)
        row("", "", end_at, "Fee", f"Transaction Fees {week.isoformat()}", ndebit=fee, method="")
        net_total -= fee
        # every demo batch pays out: a batch netting <= 0 would be carried forward by Adyen
        # (no MerchantPayout row), which the demo does not model
        assert net_total > 0, f"Adyen demo batch {account}:{batch_no} nets {net_total}"
        row("", "", end_at, "MerchantPayout", f"Payout batch {batch_no}", ndebit=net_total, method="")
        assert gross_total - refunds_total - cb_total - fees_total == net_total
        if payouts_truth is not None:
            payouts_truth.append(
                [
                    "adyen",
                    f"{account}:{batch_no}",
                    ccy,
                    gross_total,
                    refunds_total,
                    cb_total,
                    fees_total,
                    0,
                    net_total,
                    net_total,
                    end_at.date().isoformat(),
                ]
            )
        name = f"payments/adyen/settlement_detail_report_batch_{batch_no}.csv"
        files[name] = write_csv(landing / name, ADYEN_COLUMNS, rows)
    return files


def _chargeback_target(batch: list, amount_of: dict[str, int], ccy: str, fee: int):
    """The invoice of `batch` to charge back (its total): the smallest whose chargeback still
    leaves the batch net of commissions and the batch fee above 0, so the batch pays out; None
    when there is none (a batch of one payment never can)."""
    amounts = [(amount_of.get(inv.lago_id, inv.total_cents), inv) for _, inv in batch]
    net = sum(a - _fee(a, ccy, "1.8", "0.11") for a, _ in amounts) - fee
    fits = [inv for _, inv in amounts if net - inv.total_cents > 0]
    return min(fits, key=lambda inv: inv.total_cents) if fits else None


GC_FEE_FIXED, GC_FEE_RATE = Decimal("20"), Decimal("0.0001")


def _gc_fee_item(amount: int) -> Decimal:
    """GoCardless fee of one payment in minor units with one decimal, as payout items carry it."""
    return GC_FEE_FIXED + (Decimal(amount) * GC_FEE_RATE).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def write_gocardless(
    rng: random.Random, landing: Path, paid: list, window_end: date, payouts_truth: list | None = None
) -> dict:
    creditor = "CR" + gocardless_id(rng, "")[:12]
    payments: dict[str, list] = defaultdict(list)
    events: dict[str, list] = defaultdict(list)
    payouts: dict[str, list] = defaultdict(list)
    cb_index = len(paid) // 2 if paid else None
    payout_of: dict[date, str] = {}
    for i, (at, inv) in enumerate(paid):
        pm_id, mandate = gocardless_id(rng, "PM"), "MD" + inv.customer.provider_customer_id[2:14]
        created = at - timedelta(days=3)
        charge_date = at.date()
        paid_out_at = at + timedelta(days=2)
        po_day = paid_out_at.date()
        po_id = payout_of.setdefault(po_day, gocardless_id(rng, "PO"))
        base = {
            "amount": inv.total_cents,
            "amount_refunded": 0,
            "charge_date": charge_date.isoformat(),
            "created_at": iso_z(created, millis=True),
            "currency": inv.customer.currency,
            "description": f"Invoice {inv.number}",
            "id": pm_id,
            "links": {"creditor": creditor, "mandate": mandate, "payout": po_id},
            "metadata": {"invoice_number": inv.number},
            "reference": inv.number,
            "retry_if_possible": True,
            "scheme": "sepa_core",
            "status": "paid_out",
        }
        payments[_month(created)].append(base)
        steps = [
            ("created", created),
            ("submitted", created + timedelta(hours=2)),
            ("confirmed", at),
            ("paid_out", paid_out_at),
        ]
        if i == cb_index:
            cb_at = paid_out_at + timedelta(days=9)
            if cb_at.date() < window_end:
                later = dict(base, status="charged_back")
                payments[_month(cb_at) + "_updates"].append(later)
                steps.append(("charged_back", cb_at))
                inv.notes.append("GoCardless payment charged back after paid_out")
        for action, when in steps:
            if when.date() >= window_end:
                continue
            events[_month(when)].append(
                {
                    "action": action,
                    "created_at": iso_z(when, millis=True),
                    "details": {
                        "cause": "payment_" + action,
                        "description": f"Payment {action.replace('_', ' ')}.",
                        "origin": "bank" if action == "charged_back" else "gocardless",
                        "scheme": "sepa_core",
                    },
                    "id": gocardless_id(rng, "EV"),
                    "links": {"payment": pm_id},
                    "metadata": {},
                    "resource_type": "payments",
                }
            )
    totals: dict[str, list] = defaultdict(list)
    pm_of = {}
    for p in (p for items in payments.values() for p in items if p["status"] == "paid_out"):
        pm_of[p["reference"]] = p
    for at, inv in paid:
        totals[payout_of[(at + timedelta(days=2)).date()]].append((inv.total_cents, pm_of[inv.number]))
    payout_items: dict[str, list] = {}
    for day, po_id in sorted(payout_of.items()):
        if day >= window_end:
            continue
        amount = sum(a for a, _ in totals[po_id])
        items, fee_sum = [], Decimal(0)
        for a, pm in totals[po_id]:
            links = {"mandate": pm["links"]["mandate"], "payment": pm["id"]}
            fee = _gc_fee_item(a)
            fee_sum += fee
            items.append({"amount": f"{a}.0", "links": links, "taxes": [], "type": "payment_paid_out"})
            items.append({"amount": f"-{fee}", "links": links, "taxes": [], "type": "gocardless_fee"})
        payout_items[po_id] = items
        # item amounts carry one decimal: summed, then rounded half up once (collections.md §5)
        fees = int(fee_sum.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        if payouts_truth is not None:
            arrival = (day + timedelta(days=1)).isoformat()
            payouts_truth.append(
                ["gocardless", po_id, "EUR", amount, 0, 0, fees, 0, amount - fees, amount - fees, arrival]
            )
        payouts[day.strftime("%Y-%m")].append(
            {
                "amount": amount - fees,
                "arrival_date": (day + timedelta(days=1)).isoformat(),
                "created_at": iso_z(datetime.combine(day, time(9), UTC), millis=True),
                "currency": "EUR",
                "deducted_fees": fees,
                "id": po_id,
                "links": {"creditor": creditor, "creditor_bank_account": "BA0DEMO"},
                "metadata": {},
                "payout_type": "merchant",
                "reference": f"REVHOUSE-{po_id[-6:]}",
                "status": "paid",
                "tax_currency": "EUR",
            }
        )
    files = {}
    meta = {"cursors": {"after": None, "before": None}, "limit": 500}
    for kind, data in (("payments", payments), ("events", events), ("payouts", payouts)):
        for m in sorted(data):
            items = data[m]
            name = f"payments/gocardless/{kind}_{m}.json"
            write_json(
                landing / name,
                {"meta": meta, kind: items} if kind != "events" else {kind: items, "meta": meta},
            )
            files[name] = len(items)
    for po_id, items in payout_items.items():
        # one file per `GET /payout_items?payout=<id>`: the payout id is the file name's suffix
        name = f"payments/gocardless/payout_items/payout_items_{po_id}.json"
        write_json(landing / name, {"meta": meta, "payout_items": items})
        files[name] = len(items)
    return files
