"""Gateway money movements (Stripe, Adyen, GoCardless) → raw.payment_transactions.

The entity folder names the gateway: `payments/stripe/`, `payments/adyen/`, `payments/gocardless/`.
One record in the file → one Row or one Reject; nothing is skipped, so an object that is not a
money movement (a Stripe plan, a GoCardless mandate list) is quarantined with the reason.

Sign convention for `amount_minor`: money in to the merchant > 0. Charges, payment intents and
payments are positive; refunds, disputes/chargebacks and payouts (money leaving the gateway
balance for the merchant's bank) negative. The gateways send those amounts as positive sizes:
a negative one is quarantined, never flipped (`abs()` would hide it), except a Stripe payout,
which may be negative (a debit from the bank into the balance: stored as money in). `fee_minor` is what the gateway kept, as a positive
cost; `net_minor` is filled only where the gateway states it (Stripe balance transactions, Adyen
NC columns), in `net_currency` when that differs from `currency`.

natural_key is `<gateway>|<id>` (the gateway's own id; Adyen: `Psp Reference|Type|Modification
Reference|Batch Number`), prefixed because the three gateways share one table.

Stripe: API JSON (single object, `{"object":"list","data":[…]}`, JSON Lines, or an event whose
`data.object` is the movement) and Fivetran Stripe tables as CSV (`charge_data.csv` …; the
object comes from the file name or folder). version_at = the event's `created` for events,
`_fivetran_synced` for Fivetran rows, else the object's `created` — so two plain snapshots of one
object are the same version and the first landed wins; status changes arrive as events.
Stripe invoices belong to the `billed` source and are quarantined here with that reason.

Adyen: Settlement details report CSV, read by header name. `Creation Date` is local time in
the row's `TimeZone` (IANA name, or an abbreviation naming the offset then in force: CET = +01,
CEST = +02, PST = −08 …, see `_common.TZ_ABBREVIATIONS`). Amounts are major units, converted
with the currency's exponent. `Type` decides the sign (`ADYEN_TYPE_SIGN`); an amount booked on
the side opposite to its Type, or an unknown Type, is quarantined. Rows without a gross amount
(Fee, MerchantPayout …) carry the net amount and the net currency in amount_minor/currency.

GoCardless: API JSON (`{"payments":[…]}`, `{"refunds":…}`, `{"payouts":…}`, `{"events":…}`, list or
single object). Every event is its own row (gateway_object 'event', key = event id, version_at
= created_at, record_type/status = action, parent_id = the resource it is about, e.g.
links.payment): a payment's status history — including backwards moves such as
paid_out → charged_back — is its events ordered by occurred_at.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
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
    load_json_doc,
    major_to_minor,
    minor_units,
    norm_name,
    numbered,
    parse_date,
    parse_json_loose,
    parse_ts,
    ref_id,
    reject_from,
    text_or_none,
    unwrap,
    with_record,
    zone,
)

TABLE = "payment_transactions"


def parse(f: LandingFile) -> Iterator[Row | Reject]:
    gateway = norm_name(f.entity)
    if gateway not in _GATEWAYS:
        raise UnreadableFile(f"unknown payments folder '{f.entity}' (expected stripe, adyen or gocardless)")
    yield from _GATEWAYS[gateway](f)


def _suffix(f: LandingFile) -> str:
    return f.path.name.removesuffix(".gz").rsplit(".", 1)[-1].lower()


def _row(n: int, gateway: str, obj: str, gid: str, version_at: datetime | None, **values: Any) -> Row:
    values = {
        "gateway": gateway,
        "gateway_object": obj,
        "gateway_id": gid,
        "object_version_at": version_at,
    } | values
    return Row(TABLE, n, values, natural_key=f"{gateway}|{gid}", version_at=version_at)


def _not_negative(amount: int, raw: Any, what: str) -> int:
    """The gateway sends the size of the movement and the object says its direction; a negative
    size is refused, never flipped (which sign was meant cannot be known)."""
    if amount < 0:
        raise BadValue(
            "amount",
            raw,
            f"the {what} amount is negative ({raw}): the gateway sends it as a positive size and its "
            "object type gives the direction, so a negative value is not allowed (its sign is not changed)",
        )
    return amount


def _required(value: Any, field: str, what: str) -> Any:
    if text_or_none(value) is None:
        raise BadValue(field, value, f"{field} is empty: {what}")
    return value


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


def _stripe(f: LandingFile) -> Iterator[Row | Reject]:
    if _suffix(f) == "csv":
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
    gid = _required(obj.get("id"), "id", f"the Stripe {kind} has no id")
    amount = minor_units(_required(obj.get("amount"), "amount", f"the Stripe {kind} has no amount"), "amount")
    if kind in STRIPE_NEGATIVE_ALLOWED:
        amount = STRIPE_SIGN[kind] * amount  # a negative payout is money back into the balance
    elif kind != "balance_transaction":
        amount = STRIPE_SIGN[kind] * _not_negative(amount, obj.get("amount"), f"Stripe {kind}")
    created = parse_ts(obj.get("created"), "created")
    is_bt = kind == "balance_transaction"
    last_error = obj.get("last_payment_error")
    return _row(
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


# ---- Adyen -------------------------------------------------------------------------------------

# Documented record types (formats/adyen/settlement_detail_report.columns.md). +1 money in,
# −1 money out; 0 = either way, the side the amount is booked on (credit/debit) decides.
ADYEN_TYPE_SIGN = {
    "Settled": 1,
    "SettledBulk": 1,
    "Refunded": -1,
    "RefundedBulk": -1,
    "RefundedReversed": 1,
    "Chargeback": -1,
    "SecondChargeback": -1,
    "ChargebackReversed": 1,
    "PaymentCost": -1,
    "Fee": -1,
    "MerchantPayout": -1,
    "DepositCorrection": 0,
    "InvoiceDeduction": 0,
    "Balancetransfer": 0,
}
_ADYEN_REQUIRED = [
    "Merchant Account",
    "Psp Reference",
    "Merchant Reference",
    "Creation Date",
    "TimeZone",
    "Type",
    "Modification Reference",
    "Gross Currency",
    "Gross Debit (GC)",
    "Gross Credit (GC)",
    "Net Currency",
    "Net Debit (NC)",
    "Net Credit (NC)",
    "Batch Number",
]
_ADYEN_FEES = ["Commission (NC)", "Markup (NC)", "Scheme Fees (NC)", "Interchange (NC)"]


def _adyen(f: LandingFile) -> Iterator[Row | Reject]:
    if _suffix(f) != "csv":
        raise UnreadableFile("Adyen files must be Settlement details report CSVs")
    table = CsvTable(f)
    table.require(_ADYEN_REQUIRED)
    cols = {name: table.column(name) for name in _ADYEN_REQUIRED + _ADYEN_FEES}
    for rec in table.records():
        if isinstance(rec, Reject):
            yield rec
            continue

        def get(name: str, _v=rec.values) -> str | None:
            h = cols.get(name)
            return None if h is None else text_or_none(_v[h])

        try:
            yield with_record([_adyen_row(rec.row_number, get, rec.values)], rec.values, rec.raw_text)[0]
        except BadValue as e:
            yield reject_from(rec.row_number, e, rec.raw_text)


_GROSS = ("Gross Currency", "Gross Debit (GC)", "Gross Credit (GC)")
_NET = ("Net Currency", "Net Debit (NC)", "Net Credit (NC)")


def _adyen_side(
    get: Callable[[str], str | None], columns: tuple[str, str, str], code: str | None, sign: int, rtype: str
) -> int | None:
    """Signed minor amount of one Debit/Credit column pair (credit = money in), checked against
    the direction the record Type books money."""
    currency_col, debit_col, credit_col = columns
    debit, credit = get(debit_col), get(credit_col)
    if debit is None and credit is None:
        return None
    if code is None:
        raise BadValue(
            currency_col,
            None,
            f"{currency_col} is empty but the row has an amount in {credit_col}/{debit_col}",
        )
    value = (major_to_minor(credit, credit_col, code) or 0) - (major_to_minor(debit, debit_col, code) or 0)
    if sign and value and (value > 0) != (sign > 0):
        booked, raw = (credit_col, credit) if value > 0 else (debit_col, debit)
        raise BadValue(
            booked,
            raw,
            f"Type {rtype} is money {'in' if sign > 0 else 'out'}, but the amount is booked in {booked}",
        )
    return value


def _adyen_row(n: int, get: Callable[[str], str | None], raw_values: dict[str, str]) -> Row:
    rtype = get("Type")
    if rtype not in ADYEN_TYPE_SIGN:
        raise BadValue(
            "Type",
            rtype,
            f"unknown Adyen record Type '{rtype}': its sign (money in or out) is not known; "
            f"known types: {', '.join(ADYEN_TYPE_SIGN)}",
        )
    sign = ADYEN_TYPE_SIGN[rtype]
    gross_cur = currency(get("Gross Currency"), "Gross Currency", required=False)
    net_cur = currency(get("Net Currency"), "Net Currency", required=False)
    gross = _adyen_side(get, _GROSS, gross_cur, sign, rtype)
    net = _adyen_side(get, _NET, net_cur, sign, rtype)
    if gross is None and net is None:
        raise BadValue("Gross Credit (GC)", None, f"the {rtype} row has no amount in any Gross or Net column")
    fee = None
    fee_values = [(c, get(c)) for c in _ADYEN_FEES if get(c) is not None]
    if fee_values:
        if net_cur is None:
            raise BadValue("Net Currency", None, "Net Currency is empty but the row has fees")
        fee = sum(major_to_minor(v, c, net_cur) or 0 for c, v in fee_values)
    tz = zone(get("TimeZone"), "TimeZone")
    occurred = parse_ts(
        _required(get("Creation Date"), "Creation Date", "the row has no date"), "Creation Date", tz
    )
    psp, modref, batch = get("Psp Reference"), get("Modification Reference"), get("Batch Number")
    gid = "|".join(x or "" for x in (psp, rtype, modref, batch))
    return _row(
        n,
        "adyen",
        "settlement_row",
        gid,
        None,
        record_type=rtype,
        status=None,
        currency=gross_cur if gross is not None else net_cur,
        amount_minor=gross if gross is not None else net,
        fee_minor=fee,
        net_minor=net,
        net_currency=net_cur,
        occurred_at=occurred,
        invoice_reference=get("Merchant Reference"),
        customer_reference=None,
        parent_id=psp if rtype not in ("Settled", "SettledBulk") else None,
        failure_code=None,
        payload_json=dumps(raw_values),
    )


# ---- GoCardless --------------------------------------------------------------------------------

_GC_KINDS = {
    "payments": ("payment", 1),
    "refunds": ("refund", -1),
    "payouts": ("payout", -1),
    "events": ("event", 0),
}


def _gocardless(f: LandingFile) -> Iterator[Row | Reject]:
    suffix = _suffix(f)
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
    gid = str(_required(obj.get("id"), "id", "the GoCardless record has no id"))
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
        return _row(
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
        _required(obj.get("amount"), "amount", f"the GoCardless {obj_name} has no amount"), "amount"
    )
    return _row(
        n,
        "gocardless",
        obj_name,
        gid,
        created,
        record_type=text_or_none(obj.get("status")),
        status=text_or_none(obj.get("status")),
        currency=currency(obj.get("currency"), "currency"),
        amount_minor=sign * _not_negative(amount, obj.get("amount"), f"GoCardless {obj_name}"),
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


_GATEWAYS: dict[str, Callable[[LandingFile], Iterator[Row | Reject]]] = {
    "stripe": _stripe,
    "adyen": _adyen,
    "gocardless": _gocardless,
}
