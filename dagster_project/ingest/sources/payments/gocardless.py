"""GoCardless: API JSON (`{"payments":[…]}`, `{"refunds":…}`, `{"payouts":…}`, `{"events":…}`, list or
single object). Every event is its own row (gateway_object 'event', key = event id, version_at
= created_at, record_type/status = action, parent_id = the resource it is about, e.g.
links.payment): a payment's status history — including backwards moves such as
paid_out → charged_back — is its events ordered by occurred_at.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dagster_project.ingest.base import LandingFile, Reject, Row, UnreadableFile
from dagster_project.ingest.sources._common import (
    BadValue,
    currency,
    dig,
    dumps,
    invoice_ref_from_metadata,
    json_records,
    load_json_doc,
    minor_units,
    numbered,
    parse_date,
    parse_ts,
    reject_from,
    text_or_none,
    unwrap,
    with_record,
)
from dagster_project.ingest.sources.payments._shared import file_suffix, movement_row, not_negative, required

# ---- GoCardless --------------------------------------------------------------------------------

_GC_KINDS = {
    "payments": ("payment", 1),
    "refunds": ("refund", -1),
    "payouts": ("payout", -1),
    "events": ("event", 0),
}


def parse_gocardless(f: LandingFile) -> Iterator[Row | Reject]:
    suffix = file_suffix(f)
    if suffix not in ("json", "jsonl", "ndjson"):
        raise UnreadableFile("GoCardless files must be API JSON (payments, refunds, payouts or events)")
    if suffix == "json":
        doc = load_json_doc(f)
        kind = _gocardless_envelope(doc)
        items: Iterator[tuple[int, Any, str] | Reject] = numbered(unwrap(doc, _GC_KINDS))
    else:
        kind, items = None, json_records(f)  # JSON Lines: each record's id prefix says what it is
    for item in items:
        if isinstance(item, Reject):
            yield item
            continue
        n, obj, raw = item
        try:
            yield with_record([_gocardless_record(n, obj, kind)], obj, raw)[0]
        except BadValue as e:
            yield reject_from(n, e, raw)


def _gocardless_envelope(doc: Any) -> str | None:
    """The resource an API response holds, from its envelope key (`{"payments": […], "meta": …}`)."""
    if not isinstance(doc, dict):
        return None
    keys = [k for k in doc if k in _GC_KINDS]
    if keys:
        return keys[0]
    others = [k for k in doc if k not in ("meta", "linked")]
    if "id" not in doc and others and isinstance(doc[others[0]], list | dict):
        raise UnreadableFile(
            f"GoCardless '{others[0]}' are not money movements; payments/gocardless expects payments, "
            "refunds, payouts or events"
        )
    return None


def _gocardless_record(n: int, obj: Any, kind: str | None) -> Row:
    if not isinstance(obj, dict):
        raise BadValue(None, None, "a GoCardless record must be a JSON object")
    gid = str(required(obj.get("id"), "id", "the GoCardless record has no id"))
    kind = kind or _gc_kind_from_id(gid)
    obj_name, sign = _GC_KINDS[kind]
    created = parse_ts(obj.get("created_at"), "created_at")
    for key, value in obj.items():
        if key.endswith("_date"):  # charge_date, arrival_date: a day that does not exist is refused
            parse_date(value, key)
    links = obj.get("links") if isinstance(obj.get("links"), dict) else {}
    metadata = obj.get("metadata")
    common = dict(
        occurred_at=created,
        customer_reference=text_or_none(links.get("customer") or links.get("mandate")),
        payload_json=dumps(obj),
    )
    if obj_name == "event":
        resource = text_or_none(obj.get("resource_type")) or ""
        action = text_or_none(obj.get("action"))
        return movement_row(
            n,
            "gocardless",
            "event",
            gid,
            created,
            record_type=action,
            status=action,
            currency=None,
            amount_minor=None,
            fee_minor=None,
            net_minor=None,
            invoice_reference=invoice_ref_from_metadata(obj.get("resource_metadata")),
            parent_id=text_or_none(links.get(resource.removesuffix("s")) or links.get("payment")),
            failure_code=text_or_none(dig(obj, "details", "cause"))
            if action in _GC_FAILURE_ACTIONS
            else None,
            **common,
        )
    amount = minor_units(
        required(obj.get("amount"), "amount", f"the GoCardless {obj_name} has no amount"), "amount"
    )
    return movement_row(
        n,
        "gocardless",
        obj_name,
        gid,
        created,
        record_type=text_or_none(obj.get("status")),
        status=text_or_none(obj.get("status")),
        currency=currency(obj.get("currency"), "currency"),
        amount_minor=sign * not_negative(amount, obj.get("amount"), f"GoCardless {obj_name}"),
        fee_minor=minor_units(obj.get("deducted_fees"), "deducted_fees") if obj_name == "payout" else None,
        net_minor=None,
        invoice_reference=invoice_ref_from_metadata(metadata) or text_or_none(obj.get("reference")),
        parent_id=text_or_none(links.get("payment")) if obj_name == "refund" else None,
        failure_code=None,
        **common,
    )


# Actions whose details.cause says why money did not arrive or was taken back.
_GC_FAILURE_ACTIONS = {
    "failed",
    "late_failure_settled",
    "charged_back",
    "chargeback_settled",
    "cancelled",
    "bounced",
}

_GC_ID_PREFIX = {"PM": "payments", "RF": "refunds", "PO": "payouts", "EV": "events"}


def _gc_kind_from_id(gid: str) -> str:
    kind = _GC_ID_PREFIX.get(gid[:2].upper())
    if kind is None:
        raise BadValue(
            "id",
            gid,
            f"cannot tell what GoCardless record '{gid}' is (ids of payments start PM, refunds RF, payouts PO, events EV)",
        )
    return kind
