"""Invoices of the incumbent billing system (Lago or Stripe) → raw.billed_invoices + lines.

Folders: `billed/lago_invoices/` (Lago API invoice JSON: `{"invoice": {…}}`, `{"invoices": […]}`,
a webhook body with `invoice`, an array or JSON Lines) and `billed/stripe_invoices/` (Stripe API
invoice JSON: one object, a `{"object":"list"}` list, JSON Lines, or an event whose `data.object`
is the invoice); `billed/lago_credit_notes/` and `billed/stripe_credit_notes/` in the same
shapes → raw.billed_credit_notes (one row per credit note, amounts positive as the systems send
them) + raw.billed_credit_note_items (one row per credited line: Lago `items[]`, Stripe
`lines.data[]`), children of their note as invoice lines are of their invoice.

How a record counts. One invoice in the file is one *record*: it yields one `billed_invoices`
Row plus one `billed_invoice_lines` Row per line, all with the invoice's row_number — or, if
any part of it is unusable, exactly one Reject and no lines. Line rows are children
(`CHILD_TABLES`) with natural_key None: the runner gives them the fate of the keyed invoice
row with the same row_number (an invoice landed twice is a duplicate with all its lines), and
counts them as rows of their own, so loaded + duplicates + quarantined still equals rows read.

Rules:
* Amounts are already minor units in both systems (`*_amount_cents`, Stripe `amount`).
* natural_key = `<invoice_source>|<id>` (Lago `lago_id`, Stripe `id`). version_at: Stripe — the
  event's `created`, else the latest `status_transitions` time (finalized/paid/voided…), else
  `created`, so a draft and its paid snapshot are two versions; Lago — `updated_at`, else
  `created_at` (absent in older exports: then the first landed wins).
* Lago lines are `fees[]`: service period from the fee's `from_date`/`to_date`, else
  `properties.from_datetime`/`to_datetime`; `credits[]` (coupons, credit notes, progressive
  billing credits) are lines too, fee_type 'credit', amount negative (they reduce the invoice).
  The invoice period is the span of its lines' service periods: Lago invoices have no period
  of their own (`billing_periods` stays in payload_json).
* Collections fields (collections.md §8): Lago's `payment_due_date`, `net_payment_term`,
  `payment_status`, `payment_overdue`, `payment_dispute_lost_at`, `total_paid_amount_cents`,
  `total_due_amount_cents`, `voided_at` as sent (absent = null, never derived here); Stripe's
  `due_date` (its UTC date), `days_until_due`, `amount_paid`, `amount_remaining` and
  `status_transitions.voided_at` into the same columns (Stripe sends no payment status, overdue
  flag or lost-dispute time: those stay null). A negative term is refused.
* Stripe lines are `lines.data[]` with `period.start/end` epoch seconds. An invoice whose
  `lines.has_more` is true holds only part of its lines and is quarantined (export it with
  all lines expanded).
* Credit note items name the invoice line they credit (metrics-and-revrec.md A8): Lago
  `items[].fee.lago_id` (or `lago_fee_id`), Stripe `lines.data[].invoice_line_item` (none for a
  `custom_line_item`). amount_minor as sent: Lago's `amount_cents` is excl. tax (Lago adds the
  tax on top) and before the note's coupons adjustment; Stripe's `amount` is before discounts
  and excl. exclusive tax but includes inclusive tax, which is kept apart in
  inclusive_tax_amount_minor (Σ of `tax_amounts[]` marked `inclusive`, or of `taxes[]` with
  `tax_behavior` inclusive; null when the line sends neither list). A negative item amount, an
  item in another currency than its note, or a Stripe note whose `lines.has_more` is true
  quarantines the whole note (never a sign flip). An item without an amount (older Lago
  exports) keeps a null amount.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

from dagster_project.ingest.base import LandingFile, Reject, Row, UnreadableFile
from dagster_project.ingest.sources._common import (
    BadValue,
    currency,
    dig,
    dumps,
    json_records,
    minor_units,
    norm_name,
    parse_bool,
    parse_count,
    parse_date,
    parse_decimal,
    parse_ts,
    ref_id,
    reject_from,
    required_text,
    text_or_none,
    with_record,
)

INVOICES = "billed_invoices"
LINES = "billed_invoice_lines"
CREDIT_NOTES = "billed_credit_notes"
CREDIT_NOTE_ITEMS = "billed_credit_note_items"
CHILD_TABLES = frozenset({LINES, CREDIT_NOTE_ITEMS})


def parse(f: LandingFile) -> Iterator[Row | Reject]:
    folder = norm_name(f.entity)
    if folder not in _READERS:
        raise UnreadableFile(
            f"unknown billed folder '{f.entity}' (expected lago_invoices, stripe_invoices, "
            "lago_credit_notes or stripe_credit_notes)"
        )
    if not f.path.name.removesuffix(".gz").lower().endswith((".json", ".jsonl", ".ndjson")):
        raise UnreadableFile("billed documents must be JSON as the billing system's API returns them")
    source, build, envelope_keys = _READERS[folder]
    for item in json_records(f, list_keys=envelope_keys):
        if isinstance(item, Reject):
            yield item
            continue
        n, obj, raw = item
        try:
            if not isinstance(obj, dict):
                raise BadValue(None, None, f"a {source} record must be a JSON object")
            rows = build(n, obj)
        except BadValue as e:
            yield reject_from(n, e, raw)
            continue
        yield from with_record(rows, obj, raw)


def _invoice_rows(
    n: int, source: str, invoice: dict[str, Any], lines: list[dict[str, Any]], version_at: datetime | None
) -> list[Row]:
    key = f"{source}|{invoice['invoice_id']}"
    starts = [x["service_start_at"] for x in lines if x.get("service_start_at")]
    ends = [x["service_end_at"] for x in lines if x.get("service_end_at")]
    invoice.setdefault("period_start_at", min(starts, default=None))
    invoice.setdefault("period_end_at", max(ends, default=None))
    rows = [Row(INVOICES, n, {"invoice_source": source, **invoice}, natural_key=key, version_at=version_at)]
    for i, line in enumerate(lines, start=1):
        values = {"invoice_source": source, "invoice_id": invoice["invoice_id"], "line_number": i, **line}
        rows.append(Row(LINES, n, values))  # un-keyed child: shares the invoice's fate
    return rows


def _sum_minor(items: Any, field: str) -> int | None:
    if not isinstance(items, list) or not items:
        return None
    return sum(minor_units(x.get("amount"), field) or 0 for x in items if isinstance(x, dict))


# ---- Lago --------------------------------------------------------------------------------------


def _lago(n: int, inv: dict[str, Any]) -> list[Row]:
    lago_id = required_text(inv.get("lago_id"), "lago_id", "the Lago invoice has no lago_id")
    cur = currency(inv.get("currency"), "currency")
    lines = [_lago_fee(i, fee, cur) for i, fee in enumerate(inv.get("fees") or [], start=1)]
    lines += [_lago_credit(i, c, cur) for i, c in enumerate(inv.get("credits") or [], start=1)]
    customer = inv.get("customer") if isinstance(inv.get("customer"), dict) else {}
    subs = {
        s.get("external_id") or s.get("external_subscription_id")
        for s in (inv.get("subscriptions") or []) + (inv.get("billing_periods") or [])
        if isinstance(s, dict)
    } - {None}
    invoice = {
        "invoice_id": lago_id,
        "invoice_number": text_or_none(inv.get("number")),
        "external_customer_id": text_or_none(customer.get("external_id") or inv.get("external_customer_id")),
        "external_subscription_id": subs.pop() if len(subs) == 1 else None,  # several: see the lines
        "billing_entity_code": text_or_none(inv.get("billing_entity_code")),
        "status": text_or_none(inv.get("status")),
        "currency": cur,
        "issuing_date": parse_date(inv.get("issuing_date"), "issuing_date"),
        "fees_amount_minor": minor_units(inv.get("fees_amount_cents"), "fees_amount_cents"),
        "coupons_amount_minor": minor_units(inv.get("coupons_amount_cents"), "coupons_amount_cents"),
        "taxes_amount_minor": minor_units(inv.get("taxes_amount_cents"), "taxes_amount_cents"),
        "credit_notes_amount_minor": minor_units(
            inv.get("credit_notes_amount_cents"), "credit_notes_amount_cents"
        ),
        "prepaid_credit_amount_minor": minor_units(
            inv.get("prepaid_credit_amount_cents"), "prepaid_credit_amount_cents"
        ),
        "total_amount_minor": minor_units(inv.get("total_amount_cents"), "total_amount_cents"),
        "payload_json": dumps(inv),
        "payment_due_date": parse_date(inv.get("payment_due_date"), "payment_due_date"),
        "net_payment_term": parse_count(inv.get("net_payment_term"), "net_payment_term", 0),
        "payment_status": text_or_none(inv.get("payment_status")),
        "payment_overdue": parse_bool(inv.get("payment_overdue"), "payment_overdue"),
        "payment_dispute_lost_at": parse_ts(inv.get("payment_dispute_lost_at"), "payment_dispute_lost_at"),
        "total_paid_amount_minor": minor_units(inv.get("total_paid_amount_cents"), "total_paid_amount_cents"),
        "total_due_amount_minor": minor_units(inv.get("total_due_amount_cents"), "total_due_amount_cents"),
        "voided_at": parse_ts(inv.get("voided_at"), "voided_at"),
    }
    version_at = parse_ts(inv.get("updated_at"), "updated_at") or parse_ts(
        inv.get("created_at"), "created_at"
    )
    return _invoice_rows(n, "lago", invoice, lines, version_at)


def _lago_fee(i: int, fee: Any, invoice_currency: str) -> dict[str, Any]:
    field = f"fees[{i}]"
    if not isinstance(fee, dict):
        raise BadValue(field, None, f"{field} is not an object")
    item = fee.get("item") if isinstance(fee.get("item"), dict) else {}
    props = fee.get("properties") if isinstance(fee.get("properties"), dict) else {}
    start = fee.get("from_date") or props.get("from_datetime")
    end = fee.get("to_date") or props.get("to_datetime")
    return {
        "line_id": text_or_none(fee.get("lago_id")),
        "fee_type": text_or_none(item.get("type")),
        "item_code": text_or_none(item.get("code")),
        "description": text_or_none(
            fee.get("invoice_display_name") or item.get("invoice_display_name") or item.get("name")
        ),
        "external_subscription_id": text_or_none(fee.get("external_subscription_id")),
        "units": parse_decimal(fee.get("units"), f"{field}.units"),
        "currency": currency(fee.get("amount_currency") or invoice_currency, f"{field}.amount_currency"),
        "amount_minor": minor_units(fee.get("amount_cents"), f"{field}.amount_cents"),
        "taxes_amount_minor": minor_units(fee.get("taxes_amount_cents"), f"{field}.taxes_amount_cents"),
        "service_start_at": parse_ts(start, f"{field}.from_date"),
        "service_end_at": parse_ts(end, f"{field}.to_date"),
    }


def _lago_credit(i: int, credit: Any, invoice_currency: str) -> dict[str, Any]:
    field = f"credits[{i}]"
    if not isinstance(credit, dict):
        raise BadValue(field, None, f"{field} is not an object")
    item = credit.get("item") if isinstance(credit.get("item"), dict) else {}
    amount = minor_units(credit.get("amount_cents"), f"{field}.amount_cents")
    return {
        "line_id": text_or_none(credit.get("lago_id")),
        "fee_type": "credit",
        "item_code": text_or_none(item.get("code")),
        "description": text_or_none(item.get("name") or item.get("type")),
        "currency": currency(credit.get("amount_currency") or invoice_currency, f"{field}.amount_currency"),
        "amount_minor": None if amount is None else -abs(amount),
    }


# ---- Stripe ------------------------------------------------------------------------------------

_STRIPE_LINE_TYPE = {"subscription_item_details": "subscription", "invoice_item_details": "invoiceitem"}


def _stripe_unwrap(obj: dict[str, Any], kind: str) -> tuple[dict[str, Any], datetime | None]:
    """The Stripe object of a record (unwrapping an event's data.object) and the event time."""
    event_at = None
    if obj.get("object") == "event":
        event_at = parse_ts(obj.get("created"), "created")
        obj = dig(obj, "data", "object")
        if not isinstance(obj, dict):
            raise BadValue("data.object", None, "the Stripe event carries no data.object")
    if obj.get("object") != kind:
        raise BadValue("object", obj.get("object"), f"Stripe object '{obj.get('object')}' is not a {kind}")
    return obj, event_at


def _stripe_lines(obj: dict[str, Any], kind: str) -> list[Any]:
    """`lines.data[]` of a Stripe invoice or credit note, refused when only its first page came."""
    lines_obj = obj.get("lines") if isinstance(obj.get("lines"), dict) else {}
    if lines_obj.get("has_more"):
        raise BadValue(
            "lines.has_more",
            "true",
            f"the {kind} holds only the first page of its lines (lines.has_more is true); "
            "export it with all lines expanded",
        )
    return lines_obj.get("data") or []


def _stripe(n: int, obj: dict[str, Any]) -> list[Row]:
    inv, event_at = _stripe_unwrap(obj, "invoice")
    inv_id = required_text(inv.get("id"), "id", "the Stripe invoice has no id")
    cur = currency(inv.get("currency"), "currency")
    lines = [_stripe_line(i, li, cur) for i, li in enumerate(_stripe_lines(inv, "invoice"), start=1)]
    created = parse_ts(inv.get("created"), "created")
    transitions = inv.get("status_transitions") if isinstance(inv.get("status_transitions"), dict) else {}
    transition_times = [
        parse_ts(v, f"status_transitions.{k}") for k, v in transitions.items() if v is not None
    ]
    issued = parse_ts(transitions.get("finalized_at"), "status_transitions.finalized_at") or parse_ts(
        inv.get("effective_at"), "effective_at"
    )
    credit_notes = [inv.get("pre_payment_credit_notes_amount"), inv.get("post_payment_credit_notes_amount")]
    taxes = minor_units(inv.get("tax"), "tax")
    if taxes is None:
        taxes = _sum_minor(inv.get("total_tax_amounts"), "total_tax_amounts") or _sum_minor(
            inv.get("total_taxes"), "total_taxes"
        )
    invoice = {
        "invoice_id": inv_id,
        "invoice_number": text_or_none(inv.get("number")),
        "external_customer_id": ref_id(inv.get("customer")),
        "external_subscription_id": ref_id(inv.get("subscription"))
        or text_or_none(dig(inv, "parent", "subscription_details", "subscription")),
        "billing_entity_code": None,
        "status": text_or_none(inv.get("status")),
        "currency": cur,
        "issuing_date": _utc_date(issued or created),
        "period_start_at": parse_ts(inv.get("period_start"), "period_start"),
        "period_end_at": parse_ts(inv.get("period_end"), "period_end"),
        "fees_amount_minor": minor_units(inv.get("subtotal"), "subtotal"),
        "coupons_amount_minor": _sum_minor(inv.get("total_discount_amounts"), "total_discount_amounts") or 0,
        "taxes_amount_minor": taxes,
        "credit_notes_amount_minor": sum(minor_units(x, "credit_notes_amount") or 0 for x in credit_notes),
        "prepaid_credit_amount_minor": None,
        "total_amount_minor": minor_units(inv.get("total"), "total"),
        "payload_json": dumps(obj),
        # Stripe's due_date is an instant (epoch seconds): its UTC date is the due date
        "payment_due_date": _utc_date(parse_ts(inv.get("due_date"), "due_date")),
        "net_payment_term": parse_count(inv.get("days_until_due"), "days_until_due", 0),
        "total_paid_amount_minor": minor_units(inv.get("amount_paid"), "amount_paid"),
        "total_due_amount_minor": minor_units(inv.get("amount_remaining"), "amount_remaining"),
        "voided_at": parse_ts(transitions.get("voided_at"), "status_transitions.voided_at"),
    }
    version_at = event_at or max(transition_times, default=None) or created
    return _invoice_rows(n, "stripe", invoice, lines, version_at)


def _utc_date(ts: datetime | None) -> date | None:
    return ts.date() if ts else None


def _stripe_line(i: int, li: Any, invoice_currency: str) -> dict[str, Any]:
    field = f"lines.data[{i}]"
    if not isinstance(li, dict):
        raise BadValue(field, None, f"{field} is not an object")
    parent = li.get("parent") if isinstance(li.get("parent"), dict) else {}
    parent_details = (
        parent.get(parent.get("type")) if isinstance(parent.get(parent.get("type")), dict) else {}
    )
    price = ref_id(li.get("price")) or text_or_none(dig(li, "pricing", "price_details", "price"))
    return {
        "line_id": text_or_none(li.get("id")),
        "fee_type": text_or_none(li.get("type")) or _STRIPE_LINE_TYPE.get(parent.get("type")),
        "item_code": price or ref_id(li.get("plan")),
        "description": text_or_none(li.get("description")),
        "external_subscription_id": ref_id(li.get("subscription"))
        or text_or_none(parent_details.get("subscription")),
        "units": parse_decimal(li.get("quantity_decimal") or li.get("quantity"), f"{field}.quantity"),
        "currency": currency(li.get("currency") or invoice_currency, f"{field}.currency"),
        "amount_minor": minor_units(li.get("amount"), f"{field}.amount"),
        "taxes_amount_minor": _sum_minor(li.get("tax_amounts"), f"{field}.tax_amounts")
        or _sum_minor(li.get("taxes"), f"{field}.taxes"),
        "service_start_at": parse_ts(dig(li, "period", "start"), f"{field}.period.start"),
        "service_end_at": parse_ts(dig(li, "period", "end"), f"{field}.period.end"),
    }


# ---- credit notes ------------------------------------------------------------------------------


def _credit_note_rows(
    n: int,
    source: str,
    values: dict[str, Any],
    items: list[dict[str, Any]],
    payload: dict[str, Any],
    version_at: datetime | None,
) -> list[Row]:
    values = {"invoice_source": source, **values, "payload_json": dumps(payload)}
    key = f"{source}|{values['credit_note_id']}"
    rows = [Row(CREDIT_NOTES, n, values, natural_key=key, version_at=version_at)]
    for i, item in enumerate(items, start=1):
        item_values = {
            "invoice_source": source,
            "credit_note_id": values["credit_note_id"],
            "line_number": i,
            **item,
        }
        rows.append(Row(CREDIT_NOTE_ITEMS, n, item_values))  # un-keyed child: shares the note's fate
    return rows


def _item_amount(value: Any, field: str) -> int | None:
    """A credited amount as sent: whole minor units, never negative (a note only gives back)."""
    amount = minor_units(value, field)
    if amount is not None and amount < 0:
        raise BadValue(
            field, value, f"{field} is negative ({value}): a credit note item credits a positive amount"
        )
    return amount


def _item_object(i: int, item: Any, field: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise BadValue(f"{field}[{i}]", None, f"{field}[{i}] is not an object")
    return item


def _lago_credit_note_item(i: int, item: Any, note_currency: str) -> dict[str, Any]:
    item = _item_object(i, item, "items")
    field = f"items[{i}]"
    fee = item.get("fee") if isinstance(item.get("fee"), dict) else {}
    item_currency = currency(item.get("amount_currency"), f"{field}.amount_currency", required=False)
    if item_currency not in (None, note_currency):
        raise BadValue(
            f"{field}.amount_currency",
            item.get("amount_currency"),
            f"{field}.amount_currency {item_currency} is not the credit note's currency {note_currency}",
        )
    return {
        "item_id": text_or_none(item.get("lago_id")),
        "credited_line_id": text_or_none(fee.get("lago_id") or item.get("lago_fee_id")),
        "description": text_or_none(fee.get("invoice_display_name") or dig(fee, "item", "name")),
        "amount_minor": _item_amount(item.get("amount_cents"), f"{field}.amount_cents"),
    }


def _inclusive_tax(line: dict[str, Any], field: str) -> int | None:
    """Σ of a Stripe credit note line's inclusive taxes (older `tax_amounts[].inclusive`, newer
    `taxes[].tax_behavior`); None when the line sends neither list."""
    old, new = line.get("tax_amounts"), line.get("taxes")
    if not isinstance(old, list) and not isinstance(new, list):
        return None
    parts = [
        minor_units(t.get("amount"), f"{field}.tax_amounts.amount")
        for t in old or []
        if isinstance(t, dict) and t.get("inclusive") is True
    ] + [
        minor_units(t.get("amount"), f"{field}.taxes.amount")
        for t in new or []
        if isinstance(t, dict) and t.get("tax_behavior") == "inclusive"
    ]
    return sum(p or 0 for p in parts)


def _stripe_credit_note_line(i: int, line: Any) -> dict[str, Any]:
    line = _item_object(i, line, "lines.data")
    field = f"lines.data[{i}]"
    return {
        "item_id": text_or_none(line.get("id")),
        "item_type": text_or_none(line.get("type")),
        "credited_line_id": ref_id(line.get("invoice_line_item")),
        "description": text_or_none(line.get("description")),
        "amount_minor": _item_amount(line.get("amount"), f"{field}.amount"),
        "inclusive_tax_amount_minor": _inclusive_tax(line, field),
    }


def _lago_credit_note(n: int, cn: dict[str, Any]) -> list[Row]:
    created = parse_ts(cn.get("created_at"), "created_at")
    values = {
        "credit_note_id": required_text(cn.get("lago_id"), "lago_id", "the Lago credit note has no lago_id"),
        "credit_note_number": text_or_none(cn.get("number")),
        "invoice_id": text_or_none(cn.get("lago_invoice_id")),
        "invoice_number": text_or_none(cn.get("invoice_number")),
        "status": text_or_none(cn.get("credit_status")),
        "refund_status": text_or_none(cn.get("refund_status")),
        "reason": text_or_none(cn.get("reason")),
        "currency": currency(cn.get("currency"), "currency"),
        "issuing_date": parse_date(cn.get("issuing_date"), "issuing_date") or _utc_date(created),
        "total_amount_minor": minor_units(cn.get("total_amount_cents"), "total_amount_cents"),
        "credit_amount_minor": minor_units(cn.get("credit_amount_cents"), "credit_amount_cents"),
        "refund_amount_minor": minor_units(cn.get("refund_amount_cents"), "refund_amount_cents"),
        "taxes_amount_minor": minor_units(cn.get("taxes_amount_cents"), "taxes_amount_cents"),
        "created_at": created,
    }
    items = [
        _lago_credit_note_item(i, it, values["currency"])
        for i, it in enumerate(cn.get("items") or [], start=1)
    ]
    version_at = parse_ts(cn.get("updated_at"), "updated_at") or created
    return _credit_note_rows(n, "lago", values, items, cn, version_at)


def _stripe_credit_note(n: int, obj: dict[str, Any]) -> list[Row]:
    cn, event_at = _stripe_unwrap(obj, "credit_note")
    created = parse_ts(cn.get("created"), "created")
    issued = parse_ts(cn.get("effective_at"), "effective_at") or created
    values = {
        "credit_note_id": required_text(cn.get("id"), "id", "the Stripe credit note has no id"),
        "credit_note_number": text_or_none(cn.get("number")),
        "invoice_id": ref_id(cn.get("invoice")),
        "status": text_or_none(cn.get("status")),
        "reason": text_or_none(cn.get("reason")),
        "credit_note_type": text_or_none(cn.get("type")),
        "currency": currency(cn.get("currency"), "currency"),
        "issuing_date": _utc_date(issued),
        "total_amount_minor": minor_units(cn.get("total"), "total"),
        "refund_amount_minor": sum(
            minor_units(r.get("amount_refunded"), "refunds.amount_refunded") or 0
            for r in cn.get("refunds") or []
            if isinstance(r, dict)
        )
        if cn.get("refunds")
        else None,
        "taxes_amount_minor": _sum_minor(cn.get("total_taxes") or cn.get("tax_amounts"), "total_taxes"),
        "created_at": created,
    }
    items = [
        _stripe_credit_note_line(i, li) for i, li in enumerate(_stripe_lines(cn, "credit note"), start=1)
    ]
    version_at = event_at or parse_ts(cn.get("voided_at"), "voided_at") or created
    return _credit_note_rows(n, "stripe", values, items, obj, version_at)


# folder -> (system, reader, Lago envelope keys; Stripe lists are `{"object": "list"}`)
_READERS: dict[str, tuple[str, Callable[[int, dict[str, Any]], list[Row]], tuple[str, ...]]] = {
    "lagoinvoices": ("lago", _lago, ("invoices", "invoice")),
    "stripeinvoices": ("stripe", _stripe, ()),
    "lagocreditnotes": ("lago", _lago_credit_note, ("credit_notes", "credit_note")),
    "stripecreditnotes": ("stripe", _stripe_credit_note, ()),
}
