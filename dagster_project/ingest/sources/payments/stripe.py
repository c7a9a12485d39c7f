"""Stripe: API JSON (single object, `{"object":"list","data":[…]}`, JSON Lines, or an event whose
`data.object` is the movement) and Fivetran Stripe tables as CSV (`charge_data.csv` …; the
object comes from the file name or folder). version_at = the event's `created` for events,
`_fivetran_synced` for Fivetran rows, else the object's `created` — so two plain snapshots of one
object are the same version and the first landed wins; status changes arrive as events.
Stripe invoices belong to the `billed` source and are quarantined here with that reason.

Besides money movements: `invoice_payment` (the invoice ↔ payment intent/charge link, with
amount_paid as amount_minor and amount_requested), the Fivetran `payout_balance_transaction`
table (one row per payout ↔ balance transaction, key `<payout>|<balance transaction>`, no amount)
and `customer` (raw.payment_customers).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from dagster_project.ingest.base import LandingFile, Reject, Row, UnreadableFile
from dagster_project.ingest.sources._common import (
    BadValue,
    CsvTable,
    currency,
    dig,
    dumps,
    invoice_ref_from_metadata,
    json_records,
    minor_units,
    parse_bool,
    parse_json_loose,
    parse_ts,
    ref_id,
    reject_from,
    text_or_none,
    with_record,
)
from dagster_project.ingest.sources.payments._shared import (
    customer_row,
    day,
    file_suffix,
    lago_links,
    metadata_dict,
    movement_row,
    not_negative,
    path_parts,
    required,
)

# ---- Stripe ------------------------------------------------------------------------------------

# Sign of the API's (positive) amount, money in to the merchant > 0. Balance transactions are
# already signed by Stripe and are taken as they are.
STRIPE_SIGN = {"charge": 1, "payment_intent": 1, "refund": -1, "dispute": -1, "payout": -1}
STRIPE_OBJECTS = (
    *STRIPE_SIGN,
    "balance_transaction",
    "invoice_payment",
    "payout_balance_transaction",
    "customer",
)
# Stripe sends charges, payment intents, refunds and disputes as positive sizes, so a negative
# one is refused (its meaning is unknown; flipping it would invent a direction). A payout may be
# negative: money debited from the bank back into the Stripe balance (the real Fivetran sample
# has one), stored as money in (+).
STRIPE_NEGATIVE_ALLOWED = {"payout"}
_STRIPE_PARENT = {
    "charge": ("payment_intent",),
    "refund": ("charge", "payment_intent"),
    "dispute": ("charge", "payment_intent"),
    "balance_transaction": ("source",),
    "payout_balance_transaction": ("balance_transaction",),
}


def parse_stripe(f: LandingFile) -> Iterator[Row | Reject]:
    if file_suffix(f) == "csv":
        yield from _stripe_fivetran(f)
        return
    for item in json_records(f):
        if isinstance(item, Reject):
            yield item
            continue
        n, obj, raw = item
        try:
            yield with_record([_stripe_record(n, obj)], obj, raw)[0]
        except BadValue as e:
            yield reject_from(n, e, raw)


def _stripe_record(n: int, obj: Any, synced_at: datetime | None = None) -> Row:
    if not isinstance(obj, dict):
        raise BadValue(None, None, "a Stripe record must be a JSON object")
    event_type = event_at = None
    payload = obj
    if obj.get("object") == "event":
        event_type = obj.get("type")
        event_at = parse_ts(obj.get("created"), "created")
        obj = dig(obj, "data", "object")
        if not isinstance(obj, dict):
            raise BadValue("data.object", None, f"Stripe event {payload.get('id')} carries no data.object")
    kind = obj.get("object")
    if kind == "invoice":
        raise BadValue(
            "object",
            kind,
            "a Stripe invoice is a billed document, not a payment: land it under billed/stripe_invoices/",
        )
    if kind not in STRIPE_OBJECTS:
        raise BadValue(
            "object",
            kind,
            f"Stripe object '{kind}' is not a payment movement nor a payments entity revhouse reads "
            f"(expected one of: {', '.join(STRIPE_OBJECTS)})",
        )
    version_at = event_at or synced_at
    if kind == "customer":
        return _stripe_customer(n, obj, version_at, payload)
    if kind == "payout_balance_transaction":
        return _stripe_payout_link(n, obj, version_at, payload)
    if kind == "invoice_payment":
        return _stripe_invoice_payment(n, obj, version_at, event_type, payload)
    gid = required(obj.get("id"), "id", f"the Stripe {kind} has no id")
    amount = minor_units(required(obj.get("amount"), "amount", f"the Stripe {kind} has no amount"), "amount")
    if kind in STRIPE_NEGATIVE_ALLOWED:
        amount = STRIPE_SIGN[kind] * amount  # a negative payout is money back into the balance
    elif kind != "balance_transaction":
        amount = STRIPE_SIGN[kind] * not_negative(amount, obj.get("amount"), f"Stripe {kind}")
    created = parse_ts(obj.get("created"), "created")
    is_bt = kind == "balance_transaction"
    last_error = obj.get("last_payment_error")
    return movement_row(
        n,
        "stripe",
        kind,
        str(gid),
        version_at or created,
        record_type=event_type or (obj.get("type") if is_bt else kind),
        status=text_or_none(obj.get("status")),
        currency=currency(obj.get("currency"), "currency"),
        amount_minor=amount,
        fee_minor=minor_units(obj.get("fee"), "fee") if is_bt else None,
        net_minor=minor_units(obj.get("net"), "net") if is_bt else None,
        occurred_at=created,
        invoice_reference=ref_id(obj.get("invoice")) or invoice_ref_from_metadata(obj.get("metadata")),
        customer_reference=ref_id(obj.get("customer")),
        parent_id=next(
            (ref_id(obj.get(k)) for k in _STRIPE_PARENT.get(kind, ()) if ref_id(obj.get(k))), None
        ),
        failure_code=text_or_none(
            obj.get("failure_code")
            or obj.get("failure_reason")
            or (last_error.get("code") if isinstance(last_error, dict) else None)
            or obj.get("last_payment_error_code")
        ),
        payload_json=dumps(payload),
        payout_id=str(gid) if kind == "payout" else ref_id(obj.get("payout")) if is_bt else None,
        reporting_category=text_or_none(obj.get("reporting_category")) if is_bt else None,
        payment_method=text_or_none(dig(obj, "payment_method_details", "type")),
        arrival_date=day(obj.get("arrival_date"), "arrival_date") if kind == "payout" else None,
        **lago_links(obj.get("metadata")),
    )


def _stripe_invoice_payment(
    n: int, obj: dict, version_at: datetime | None, event_type: Any, payload: dict
) -> Row:
    """Which payment pays which Stripe invoice, and how much of it: `amount_paid` (null until
    paid) as amount_minor, `amount_requested` beside it; parent = the payment intent or charge
    named by `payment.type`."""
    gid = required(obj.get("id"), "id", "the Stripe invoice_payment has no id")
    requested = minor_units(
        required(obj.get("amount_requested"), "amount_requested", "the Stripe invoice_payment has no amount"),
        "amount_requested",
    )
    paid = minor_units(obj.get("amount_paid"), "amount_paid")
    payment = obj.get("payment") if isinstance(obj.get("payment"), dict) else {}
    payment_type = text_or_none(payment.get("type"))
    parent = ref_id(payment.get(payment_type)) if payment_type else None
    created = parse_ts(obj.get("created"), "created")
    return movement_row(
        n,
        "stripe",
        "invoice_payment",
        str(gid),
        version_at or created,
        record_type=event_type or payment_type,
        status=text_or_none(obj.get("status")),
        currency=currency(obj.get("currency"), "currency"),
        amount_minor=None
        if paid is None
        else not_negative(paid, obj.get("amount_paid"), "Stripe invoice_payment"),
        amount_requested_minor=not_negative(requested, obj.get("amount_requested"), "Stripe invoice_payment"),
        occurred_at=created,
        invoice_reference=ref_id(obj.get("invoice")),
        parent_id=parent or ref_id(obj.get("payment_intent")) or ref_id(obj.get("charge")),
        payload_json=dumps(payload),
    )


def _stripe_payout_link(n: int, obj: dict, version_at: datetime | None, payload: dict) -> Row:
    """Fivetran `payout_balance_transaction`: which balance transactions a payout paid out."""
    payout = str(required(ref_id(obj.get("payout")), "payout_id", "the row names no payout"))
    txn = str(
        required(
            ref_id(obj.get("balance_transaction")),
            "balance_transaction_id",
            "the row names no balance transaction",
        )
    )
    return movement_row(
        n,
        "stripe",
        "payout_balance_transaction",
        f"{payout}|{txn}",
        version_at,
        record_type="payout_balance_transaction",
        payout_id=payout,
        parent_id=txn,
        payload_json=dumps(payload),
    )


def _stripe_customer(n: int, obj: dict, version_at: datetime | None, payload: dict) -> Row:
    gid = str(required(obj.get("id"), "id", "the Stripe customer has no id"))
    meta = metadata_dict(obj.get("metadata"))
    created = parse_ts(obj.get("created"), "created")
    deleted = parse_bool(obj.get("deleted") if "deleted" in obj else obj.get("is_deleted"), "deleted")
    return customer_row(
        n,
        "stripe",
        gid,
        version_at or created,
        email=text_or_none(obj.get("email")),
        customer_name=text_or_none(obj.get("name")),
        company_name=None,
        currency=currency(obj.get("currency"), "currency", required=False),
        country_code=text_or_none(dig(obj, "address", "country") or obj.get("address_country")),
        is_deleted=bool(deleted),
        lago_customer_id=text_or_none(meta.get("lago_customer_id")),
        external_customer_id=text_or_none(meta.get("customer_id")),
        created_at=created,
        payload_json=dumps(payload),
    )


_STRIPE_FILE_RE = re.compile(
    r"^(?:stripe_)?(?P<obj>payout_balance_transaction|balance_transaction|payment_intent|invoice_payment|charge"
    r"|refund|dispute|payout|customer)s?(?:_data)?(?:[_.\-]\d.*)?$"
)
# Fivetran writes references as `<name>_id`; the API writes `<name>`.
_FIVETRAN_REFS = {
    "charge_id",
    "customer_id",
    "balance_transaction_id",
    "payment_intent_id",
    "invoice_id",
    "payout_id",
}
_FIVETRAN_REQUIRED = {
    "customer": ["id", "created"],
    "payout_balance_transaction": ["payout_id", "balance_transaction_id"],
    "invoice_payment": ["id", "amount_requested", "currency", "created"],
}


def _stripe_object_from_path(f: LandingFile) -> str:
    for part in path_parts(f):
        m = _STRIPE_FILE_RE.match(part.lower())
        if m:
            return m["obj"]
    raise UnreadableFile(
        "cannot tell which Stripe table this CSV is: name it after the object (charge_data.csv, "
        "refunds.csv …) or put it in a folder named so (stripe/charges/); "
        f"known: {', '.join(STRIPE_OBJECTS)}"
    )


def _stripe_fivetran(f: LandingFile) -> Iterator[Row | Reject]:
    kind = _stripe_object_from_path(f)
    table = CsvTable(f)
    table.require(_FIVETRAN_REQUIRED.get(kind, ["id", "amount", "currency", "created"]))
    for rec in table.records():
        if isinstance(rec, Reject):
            yield rec
            continue
        obj: dict[str, Any] = {"object": kind}
        for h, v in rec.values.items():
            key = h.strip().lower()
            key = key[:-3] if key in _FIVETRAN_REFS else key
            obj[key] = v if v != "" else None
        if obj.get("metadata"):
            obj["metadata"] = parse_json_loose(obj["metadata"]) or obj["metadata"]
        try:
            synced = parse_ts(obj.get("_fivetran_synced"), "_fivetran_synced")
            row = _stripe_record(rec.row_number, obj, synced_at=synced)
            yield with_record([row], rec.values, rec.raw_text)[0]
        except BadValue as e:
            yield reject_from(rec.row_number, e, rec.raw_text)
