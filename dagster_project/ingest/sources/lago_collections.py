"""Lago's collections objects (collections.md §2, §8): dunning campaigns, payment requests and
payments from `catalog/`, and the payment-term and dunning fields of a customer.

Why a module of its own: these objects carry rules a person can break (a threshold per currency,
a positive spacing, a known payment status), so each record is checked here and refused whole,
naming the field, rather than loaded half-right; catalog.py keeps the plain flattening.

Dunning campaigns have no REST endpoint: they come as Lago's GraphQL answers, in camelCase
(`daysBetweenAttempts`, `thresholds[].amountCents`, `id`), inside `{"data": {"dunningCampaigns":
{"collection": [...]}}}` or `{"data": {"dunningCampaign": {...}}}`; snake_case exports (`lago_id`)
are read as well. GraphQL sends BigInt amounts as strings ("10000"), read as whole minor units.
`days_between_attempts` and `max_attempts` default to 1 when absent (Lago's column defaults).
"""

from __future__ import annotations

import json
import re
from typing import Any

from dagster_project.ingest.base import BadValue, Row
from dagster_project.ingest.sources._common import (
    comma_joined,
    currency,
    dig,
    minor_units,
    parse_bool,
    parse_count,
    required_text,
    text_or_none,
)

CAMPAIGNS = "lago_dunning_campaigns"
THRESHOLDS = "lago_dunning_campaign_thresholds"
REQUESTS = "lago_payment_requests"
REQUEST_INVOICES = "lago_payment_request_invoices"
PAYMENTS = "lago_payments"
PAYMENT_INVOICES = "lago_payment_invoices"
CUSTOMER_ATTEMPTS = "lago_customer_dunning_attempts"

REQUEST_STATUSES = ("pending", "succeeded", "failed")
PAYMENT_STATUSES = ("pending", "processing", "succeeded", "failed")
PAYMENT_TYPES = ("manual", "provider")


# ---- GraphQL shape -------------------------------------------------------------------------


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _snake_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {_snake(k): _snake_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_snake_keys(v) for v in value]
    return value


def unwrap_graphql(doc: Any) -> Any:
    """The campaign list or object of a GraphQL answer; any other document unchanged."""
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, dict):
        return doc
    for key in ("dunningCampaigns", "dunning_campaigns", "dunningCampaign", "dunning_campaign"):
        inner = data.get(key)
        if isinstance(inner, dict) and isinstance(inner.get("collection"), list):
            return inner["collection"]
        if inner is not None:
            return inner
    return doc


def normalise_campaign(obj: dict) -> dict:
    """A GraphQL campaign in the snake_case names of the REST objects (`id` is the lago_id)."""
    out = _snake_keys(obj)
    if "lago_id" not in out and "id" in out:
        out["lago_id"] = out.pop("id")
    return out


# ---- value rules -----------------------------------------------------------------------------


def _count(obj: dict, field: str, minimum: int, default: int | None = None) -> int | None:
    value = parse_count(obj.get(field), field, minimum)
    return default if value is None else value


def _amount(value: Any, field: str) -> int:
    amount = minor_units(value, field)
    if amount is None:
        raise BadValue(field, None, f"{field} is empty: the amount is required")
    if amount < 0:
        raise BadValue(
            field, value, f"{field} must not be negative (got {amount}): the sign is never changed"
        )
    return amount


def _one_of(obj: dict, field: str, allowed: tuple[str, ...], source_field: str | None = None) -> str:
    name = source_field or field
    value = text_or_none(obj.get(name))
    if value not in allowed:
        raise BadValue(name, obj.get(name), f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


# ---- dunning campaigns -------------------------------------------------------------------------


def campaign_rows(n: int, obj: dict) -> list[Row]:
    code = required_text(
        obj.get("code"), "code", "customers and billing entities name a campaign by its code"
    )
    thresholds = obj.get("thresholds")
    if not isinstance(thresholds, list) or not thresholds:
        raise BadValue(
            "thresholds",
            None if thresholds is None else json.dumps(thresholds, default=str),
            "a dunning campaign needs at least one threshold {amount_cents, currency}: "
            "a currency without one is never dunned",
        )
    children: list[Row] = []
    first_of: dict[str, str] = {}
    for i, threshold in enumerate(thresholds, start=1):
        field = f"thresholds[{i}]"
        if not isinstance(threshold, dict):
            raise BadValue(field, threshold, f"{field} is not an object {{amount_cents, currency}}")
        cur = currency(threshold.get("currency"), f"{field}.currency")
        if cur in first_of:
            raise BadValue(
                f"{field}.currency",
                cur,
                f"{cur} has two thresholds ({first_of[cur]} and {field}): a campaign has one per currency",
            )
        first_of[cur] = field
        values = {
            "dunning_campaign_code": code,
            "currency": cur,
            "amount_cents": _amount(threshold.get("amount_cents"), f"{field}.amount_cents"),
        }
        children.append(Row(THRESHOLDS, n, values))
    parent = {
        "lago_id": text_or_none(obj.get("lago_id")),
        "code": code,
        "name": text_or_none(obj.get("name")),
        "description": text_or_none(obj.get("description")),
        "applied_to_organization": parse_bool(obj.get("applied_to_organization"), "applied_to_organization"),
        "days_between_attempts": _count(obj, "days_between_attempts", 1, default=1),
        "max_attempts": _count(obj, "max_attempts", 1, default=1),
        "bcc_emails": comma_joined(obj.get("bcc_emails")),
        "created_at": obj.get("created_at"),
        "updated_at": obj.get("updated_at"),
        "deleted_at": obj.get("deleted_at"),
    }
    version = obj.get("updated_at") or obj.get("created_at")
    key = parent["lago_id"] or code
    return [Row(CAMPAIGNS, n, parent, natural_key=key, version_at=version), *children]


# ---- payment requests and payments -----------------------------------------------------------


def payment_request_rows(n: int, obj: dict) -> list[Row]:
    lago_id = required_text(obj.get("lago_id"), "lago_id", "the payment request has no lago_id")
    customer = obj.get("customer") if isinstance(obj.get("customer"), dict) else {}
    invoices = obj.get("invoices")
    if not isinstance(invoices, list) or not invoices:
        raise BadValue("invoices", None, "a payment request groups at least one invoice; invoices[] is empty")
    children = []
    for i, invoice in enumerate(invoices, start=1):
        field = f"invoices[{i}].lago_id"
        inv = invoice if isinstance(invoice, dict) else {"lago_id": invoice}
        values = {
            "payment_request_lago_id": lago_id,
            "invoice_position": i,
            "invoice_lago_id": required_text(inv.get("lago_id"), field, "the requested invoice is not named"),
            "invoice_number": text_or_none(inv.get("number")),
        }
        children.append(Row(REQUEST_INVOICES, n, values))
    parent = {
        "lago_id": lago_id,
        "external_customer_id": required_text(
            customer.get("external_id") or obj.get("external_customer_id"),
            "customer.external_id",
            "the payment request names no customer",
        ),
        "email": text_or_none(obj.get("email")),
        "amount_cents": _amount(obj.get("amount_cents"), "amount_cents"),
        "amount_currency": currency(obj.get("amount_currency"), "amount_currency"),
        "payment_status": _one_of(obj, "payment_status", REQUEST_STATUSES),
        "dunning_campaign_code": text_or_none(
            obj.get("dunning_campaign_code") or dig(obj, "dunning_campaign", "code")
        ),
        "created_at": obj.get("created_at"),
    }
    version = obj.get("updated_at") or obj.get("created_at")
    return [Row(REQUESTS, n, parent, natural_key=lago_id, version_at=version), *children]


def payment_rows(n: int, obj: dict) -> list[Row]:
    lago_id = required_text(obj.get("lago_id"), "lago_id", "the payment has no lago_id")
    ids = obj.get("invoice_ids") or []
    numbers = obj.get("invoice_numbers")
    if not isinstance(ids, list):
        raise BadValue("invoice_ids", ids, "invoice_ids must be a list of invoice lago_ids")
    if numbers is not None and (not isinstance(numbers, list) or len(numbers) != len(ids)):
        raise BadValue(
            "invoice_numbers",
            json.dumps(numbers, default=str),
            f"invoice_numbers must list one number per invoice_ids entry ({len(ids)})",
        )
    children = [
        Row(
            PAYMENT_INVOICES,
            n,
            {
                "payment_lago_id": lago_id,
                "invoice_position": i,
                "invoice_lago_id": required_text(
                    invoice_id, f"invoice_ids[{i}]", "the paid invoice is not named"
                ),
                "invoice_number": text_or_none(numbers[i - 1]) if numbers else None,
            },
        )
        for i, invoice_id in enumerate(ids, start=1)
    ]
    parent = {
        "lago_id": lago_id,
        "amount_cents": _amount(obj.get("amount_cents"), "amount_cents"),
        "amount_currency": currency(obj.get("amount_currency"), "amount_currency"),
        "payment_status": _one_of(obj, "payment_status", PAYMENT_STATUSES),
        "payment_type": _one_of(obj, "payment_type", PAYMENT_TYPES, source_field="type"),
        "reference": text_or_none(obj.get("reference")),
        "external_payment_id": text_or_none(obj.get("external_payment_id")),
        "created_at": obj.get("created_at"),
    }
    version = obj.get("updated_at") or obj.get("created_at")
    return [Row(PAYMENTS, n, parent, natural_key=lago_id, version_at=version), *children]


# ---- customer fields -----------------------------------------------------------------------


def customer_collection_values(obj: dict) -> dict:
    """The payment-term and dunning columns of lago_customers (§1.1, §2.2, §2.3)."""
    return {
        # null stays null (the entity's term applies); 0 is a value
        "net_payment_term": _count(obj, "net_payment_term", 0),
        "applied_dunning_campaign_code": text_or_none(
            obj.get("applied_dunning_campaign_code") or dig(obj, "applied_dunning_campaign", "code")
        ),
        "exclude_from_dunning_campaign": parse_bool(
            obj.get("exclude_from_dunning_campaign"), "exclude_from_dunning_campaign"
        ),
        "last_dunning_campaign_attempt_at": obj.get("last_dunning_campaign_attempt_at"),
    }


def customer_attempt_rows(n: int, obj: dict) -> list[Row]:
    """dunning_currency_attempts, a {currency: attempts} map (also accepted: its JSON text, or a
    list of {currency, attempts}), as one row per currency."""
    field = "dunning_currency_attempts"
    attempts = obj.get(field)
    if isinstance(attempts, str) and attempts.strip():
        try:
            attempts = json.loads(attempts)
        except json.JSONDecodeError:
            raise BadValue(field, attempts, f"{field} is not a JSON map of currency to attempts") from None
    if isinstance(attempts, list):
        pairs = [(a.get("currency"), a.get("attempts")) for a in attempts if isinstance(a, dict)]
        if len(pairs) != len(attempts):
            raise BadValue(field, json.dumps(attempts, default=str), f"{field} entries must be objects")
    elif isinstance(attempts, dict):
        pairs = list(attempts.items())
    elif attempts in (None, ""):
        return []
    else:
        raise BadValue(field, attempts, f'{field} must map currency to attempts, e.g. {{"EUR": 2}}')
    rows, seen = [], set()
    for cur_text, count in pairs:
        cur = currency(cur_text, f"{field}.currency")
        if cur in seen:
            raise BadValue(f"{field}.{cur}", count, f"{field} names {cur} twice")
        seen.add(cur)
        value = parse_count(count, f"{field}.{cur}", 0)
        if value is None:
            raise BadValue(f"{field}.{cur}", None, f"{field}.{cur} is empty: attempts must be 0 or more")
        values = {
            "external_customer_id": text_or_none(obj.get("external_id")),
            "currency": cur,
            "attempts": value,
        }
        rows.append(Row(CUSTOMER_ATTEMPTS, n, values))
    return rows
