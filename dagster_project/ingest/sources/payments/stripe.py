"""Stripe: API JSON (single object, `{"object":"list","data":[…]}`, JSON Lines, or an event whose
`data.object` is the movement) and Fivetran Stripe tables as CSV (`charge_data.csv` …; the
object comes from the file name or folder). version_at = the event's `created` for events,
`_fivetran_synced` for Fivetran rows, else the object's `created` — so two plain snapshots of one
object are the same version and the first landed wins; status changes arrive as events.
Stripe invoices belong to the `billed` source and are quarantined here with that reason.
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
    parse_json_loose,
    parse_ts,
    ref_id,
    reject_from,
    text_or_none,
    with_record,
)
from dagster_project.ingest.sources.payments._shared import file_suffix, movement_row, not_negative, required

# ---- Stripe ------------------------------------------------------------------------------------

# Sign of the API's (positive) amount, money in to the merchant > 0. Balance transactions are
# already signed by Stripe and are taken as they are.
STRIPE_SIGN = {"charge": 1, "payment_intent": 1, "refund": -1, "dispute": -1, "payout": -1}
STRIPE_OBJECTS = (*STRIPE_SIGN, "balance_transaction")
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
            f"Stripe object '{kind}' is not a payment movement (expected one of: {', '.join(STRIPE_OBJECTS)})",
        )
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
        event_at or synced_at or created,
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
    )


_STRIPE_FILE_RE = re.compile(
    r"^(?:stripe_)?(?P<obj>balance_transaction|payment_intent|charge|refund|dispute|payout)s?(?:_data)?(?:[_.\-]\d.*)?$"
)
# Fivetran writes references as `<name>_id`; the API writes `<name>`.
_FIVETRAN_REFS = {"charge_id", "customer_id", "balance_transaction_id", "payment_intent_id", "invoice_id"}


def _stripe_object_from_path(f: LandingFile) -> str:
    parts = [f.path.name.split(".", 1)[0], *reversed(f.rel_path.replace("\\", "/").split("/")[:-1])]
    for part in parts:
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
    table.require(["id", "amount", "currency", "created"])
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
