"""GoCardless: API JSON (`{"payments":[…]}`, `{"refunds":…}`, `{"payouts":…}`, `{"events":…}`,
`{"payout_items":…}`, `{"customers":…}`, list or single object). Every event is its own row
(gateway_object 'event', key = event id, version_at = created_at, record_type/status = action,
parent_id = the resource it is about, e.g. links.payment): a payment's status history —
including backwards moves such as paid_out → charged_back — is its events ordered by occurred_at.

Payout items (`GET /payout_items?payout=PO…`) carry neither an id nor their payout: the payout
id comes from the request, recorded as `meta.payout` or in the file's name or a folder
(`payout_items/PO123.json`, `payout_items/PO123/list.json`, `payout_items_PO123.json`); a file
without one is unreadable. Key = (payout, position in the list, 1-based), so one file must hold
the payout's whole list (pages concatenated). Their `amount` is signed minor units with one
decimal ("45.5"): kept exact in amount_minor_decimal, amount_minor stays null (collections.md §5
sums, then rounds once). Customers go to raw.payment_customers.
"""

from __future__ import annotations

import re
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
    parse_decimal,
    parse_ts,
    reject_from,
    text_or_none,
    unwrap,
    with_record,
)
from dagster_project.ingest.sources.payments._shared import (
    customer_row,
    file_suffix,
    lago_links,
    metadata_dict,
    movement_row,
    not_negative,
    path_parts,
    required,
)

# ---- GoCardless --------------------------------------------------------------------------------

_GC_KINDS = {
    "payments": ("payment", 1),
    "refunds": ("refund", -1),
    "payouts": ("payout", -1),
    "events": ("event", 0),
    "payout_items": ("payout_item", 0),
    "customers": ("customer", 0),
}
_ITEM_DECIMALS = 4  # raw amount_minor_decimal is DECIMAL(38,4)
_PAYOUT_ID_RE = re.compile(r"(?<![A-Za-z0-9])PO[0-9A-Z]+(?![a-z0-9])")


def parse_gocardless(f: LandingFile) -> Iterator[Row | Reject]:
    suffix = file_suffix(f)
    if suffix not in ("json", "jsonl", "ndjson"):
        raise UnreadableFile(
            "GoCardless files must be API JSON (payments, refunds, payouts, payout items, customers or events)"
        )
    doc = None
    if suffix == "json":
        doc = load_json_doc(f)
        kind = _gocardless_envelope(doc)
        items: Iterator[tuple[int, Any, str] | Reject] = numbered(unwrap(doc, _GC_KINDS))
    else:
        kind, items = None, json_records(f)  # JSON Lines: each record's id prefix says what it is
    if kind is None and _names_payout_items(f):
        kind = "payout_items"  # items have no id whose prefix would tell
    payout = _payout_of_items(f, doc) if kind == "payout_items" else None
    for item in items:
        if isinstance(item, Reject):
            yield item
            continue
        n, obj, raw = item
        try:
            row = _payout_item(n, obj, payout) if payout else _gocardless_record(n, obj, kind)
            yield with_record([row], obj, raw)[0]
        except BadValue as e:
            yield reject_from(n, e, raw)


def _names_payout_items(f: LandingFile) -> bool:
    return any(part.lower().startswith("payout_items") for part in path_parts(f))


def _payout_of_items(f: LandingFile, doc: Any) -> str:
    """The payout a payout-items list belongs to: the request's `payout` parameter (`meta.payout`)
    or a payout id (PO…) in the file name or one of its folders."""
    meta_payout = text_or_none(dig(doc, "meta", "payout")) if isinstance(doc, dict) else None
    if meta_payout:
        return meta_payout
    for part in path_parts(f):
        m = _PAYOUT_ID_RE.search(part)
        if m:
            return m.group(0)
    raise UnreadableFile(
        "GoCardless payout items do not name their payout: put the payout id in the file name or "
        "folder (payout_items/PO123.json) or in meta.payout"
    )


def _payout_item(n: int, obj: Any, payout: str) -> Row:
    if not isinstance(obj, dict):
        raise BadValue(None, None, "a GoCardless payout item must be a JSON object")
    raw_amount = required(obj.get("amount"), "amount", "the GoCardless payout item has no amount")
    amount = parse_decimal(raw_amount, "amount")
    if -amount.as_tuple().exponent > _ITEM_DECIMALS:
        raise BadValue(
            "amount",
            raw_amount,
            f"a payout item amount has at most {_ITEM_DECIMALS} decimals of a minor unit here, got "
            f"'{raw_amount}'; it is not rounded: correct it in the source",
        )
    links = obj.get("links") if isinstance(obj.get("links"), dict) else {}
    item_type = text_or_none(required(obj.get("type"), "type", "the GoCardless payout item has no type"))
    return movement_row(
        n,
        "gocardless",
        "payout_item",
        f"{payout}|{n}",
        None,
        record_type=item_type,
        amount_minor_decimal=amount,  # signed as GoCardless sends it: credits > 0, debits < 0
        item_position=n,
        payout_id=payout,
        parent_id=text_or_none(links.get("payment")),
        customer_reference=text_or_none(links.get("mandate")),
        payload_json=dumps(obj),
    )


def _gocardless_customer(n: int, obj: dict, gid: str) -> Row:
    created = parse_ts(obj.get("created_at"), "created_at")
    meta = metadata_dict(obj.get("metadata"))
    given, family = text_or_none(obj.get("given_name")), text_or_none(obj.get("family_name"))
    return customer_row(
        n,
        "gocardless",
        gid,
        created,
        email=text_or_none(obj.get("email")),
        customer_name=" ".join(x for x in (given, family) if x) or None,
        company_name=text_or_none(obj.get("company_name")),
        currency=None,
        country_code=text_or_none(obj.get("country_code")),
        is_deleted=None,
        lago_customer_id=text_or_none(meta.get("lago_customer_id")),
        external_customer_id=text_or_none(meta.get("customer_id")),
        created_at=created,
        payload_json=dumps(obj),
    )


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
            f"GoCardless '{others[0]}' are not read by revhouse; payments/gocardless expects payments, "
            "refunds, payouts, payout items, customers or events"
        )
    return None


def _gocardless_record(n: int, obj: Any, kind: str | None) -> Row:
    if not isinstance(obj, dict):
        raise BadValue(None, None, "a GoCardless record must be a JSON object")
    gid = str(required(obj.get("id"), "id", "the GoCardless record has no id"))
    kind = kind or _gc_kind_from_id(gid)
    obj_name, sign = _GC_KINDS[kind]
    if obj_name == "customer":
        return _gocardless_customer(n, obj, gid)
    if obj_name == "payout_item":
        raise BadValue(None, None, "a GoCardless payout item needs its payout (see the file rules)")
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
        payout_id=gid if obj_name == "payout" else text_or_none(links.get("payout")),
        payment_method=text_or_none(obj.get("scheme")) if obj_name == "payment" else None,
        arrival_date=parse_date(obj.get("arrival_date"), "arrival_date") if obj_name == "payout" else None,
        **lago_links(metadata),
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

_GC_ID_PREFIX = {"PM": "payments", "RF": "refunds", "PO": "payouts", "EV": "events", "CU": "customers"}


def _gc_kind_from_id(gid: str) -> str:
    kind = _GC_ID_PREFIX.get(gid[:2].upper())
    if kind is None:
        raise BadValue(
            "id",
            gid,
            f"cannot tell what GoCardless record '{gid}' is (ids of payments start PM, refunds RF, payouts PO, "
            "events EV, customers CU)",
        )
    return kind
