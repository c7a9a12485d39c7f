"""Lago API objects (plans, customers, subscriptions, ...) flattened into the lago_* raw tables.

Why flatten here: charges, charge filters, ranges and taxes are arrays inside a plan; dbt
staging should not need adapter-specific JSON array functions, so each array becomes a child
table (schema.py). The whole object is also kept as `payload_json` where the table has it,
so nothing Lago sent is lost. Children carry no natural key of their own: they follow their
parent (a duplicate plan brings no second copy of its charges).

Key and version: `lago_id`, else `code`, else `external_id`; versioned by `updated_at`, else
`created_at` (a changed object is kept as a new version, the same version is a duplicate).
Collections objects (dunning_campaigns/, payment_requests/, payments/ and the customer's payment
term and dunning fields) are checked and flattened by lago_collections.py.
A plan embedded in a subscription (subscription_plan_all_charge_models.json) is loaded as a plan
version too, with its charges.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dagster_project.ingest.base import BadValue, LandingFile, Reject, Row, UnreadableFile
from dagster_project.ingest.schema import TABLES
from dagster_project.ingest.sources import lago_collections
from dagster_project.ingest.sources._common import (
    comma_joined,
    is_jsonl,
    iter_json_lines,
    load_json_document,
    record_json,
    reject_from,
    unwrap,
    with_record,
)

RANGE_KINDS = ("graduated_ranges", "volume_ranges", "graduated_percentage_ranges")

# landing folder -> (API singular key, API plural key, raw table)
ENTITIES: dict[str, tuple[str, str, str]] = {
    "billable_metrics": ("billable_metric", "billable_metrics", "lago_billable_metrics"),
    "plans": ("plan", "plans", "lago_plans"),
    "customers": ("customer", "customers", "lago_customers"),
    "subscriptions": ("subscription", "subscriptions", "lago_subscriptions"),
    "coupons": ("coupon", "coupons", "lago_coupons"),
    "applied_coupons": ("applied_coupon", "applied_coupons", "lago_applied_coupons"),
    "taxes": ("tax", "taxes", "lago_taxes"),
    "wallets": ("wallet", "wallets", "lago_wallets"),
    "wallet_transactions": ("wallet_transaction", "wallet_transactions", "lago_wallet_transactions"),
    "add_ons": ("add_on", "add_ons", "lago_add_ons"),
    "credit_notes": ("credit_note", "credit_notes", "lago_credit_notes"),
    "dunning_campaigns": ("dunning_campaign", "dunning_campaigns", "lago_dunning_campaigns"),
    "payment_requests": ("payment_request", "payment_requests", "lago_payment_requests"),
    "payments": ("payment", "payments", "lago_payments"),
}

# collections objects: checked and flattened by lago_collections (a record is refused whole,
# naming the field, when it breaks a rule of collections.md §2 or §8)
BUILDERS = {
    "dunning_campaigns": lago_collections.campaign_rows,
    "payment_requests": lago_collections.payment_request_rows,
    "payments": lago_collections.payment_rows,
}
# the GraphQL shape of dunning campaigns (camelCase, `id`) read under the REST names
NORMALISE = {"dunning_campaigns": lago_collections.normalise_campaign}


# fields Lago requires on an object, without which nothing can refer to it (charges, events,
# coupons and subscriptions name metrics, plans, coupons, add-ons and taxes by code)
REQUIRED: dict[str, str] = {
    "billable_metrics": "code",
    "plans": "code",
    "coupons": "code",
    "add_ons": "code",
    "taxes": "code",
    "dunning_campaigns": "code",
    "payment_requests": "lago_id",
    "payments": "lago_id",
}
REQUIRED_WHY: dict[str, str] = {
    "billable_metrics": "events and charges name a billable metric by its code",
    "plans": "subscriptions name a plan by its code",
    "coupons": "applied coupons name a coupon by its code",
    "add_ons": "invoices name an add-on by its code",
    "taxes": "customers, plans and charges name a tax by its code",
    "dunning_campaigns": "customers and billing entities name a dunning campaign by its code",
    "payment_requests": "payments and dunning attempts name a payment request by its lago_id",
    "payments": "a payment is told apart from a re-export of itself by its lago_id",
}


def _pick(table: str, obj: dict) -> dict:
    """Columns of `table` that the object carries under the same name (Lago's names are the columns)."""
    out = {}
    for column, _ in TABLES[table]:
        if column in obj:
            value = obj[column]
            out[column] = comma_joined(value) if isinstance(value, list) else value
    if any(c == "payload_json" for c, _ in TABLES[table]):
        out["payload_json"] = obj
    return out


def _taxes(table: str, owner_column: str, owner: Any, taxes: Any, n: int) -> Iterator[Row]:
    for tax in taxes or []:
        if isinstance(tax, dict):
            yield Row(
                table, n, {owner_column: owner, "tax_code": tax.get("code"), "tax_rate": tax.get("rate")}
            )


def _ranges(charge_id: Any, filter_index: int, properties: Any, n: int) -> Iterator[Row]:
    if not isinstance(properties, dict):
        return
    for kind in RANGE_KINDS:
        for i, r in enumerate(properties.get(kind) or [], start=1):
            if isinstance(r, dict):
                yield Row(
                    "lago_charge_ranges",
                    n,
                    {
                        "charge_lago_id": charge_id,
                        "filter_index": filter_index,
                        "range_kind": kind,
                        "range_index": i,
                        "from_value": r.get("from_value"),
                        "to_value": r.get("to_value"),
                        "per_unit_amount": r.get("per_unit_amount"),
                        "flat_amount": r.get("flat_amount"),
                        "rate": r.get("rate"),
                    },
                )


def _plan_children(plan: dict, n: int) -> Iterator[Row]:
    code = plan.get("code")
    yield from _taxes("lago_plan_taxes", "plan_code", code, plan.get("taxes"), n)
    for t in plan.get("usage_thresholds") or []:
        yield Row(
            "lago_plan_usage_thresholds", n, {"plan_code": code, **_pick("lago_plan_usage_thresholds", t)}
        )
    for charge in plan.get("charges") or []:
        if not isinstance(charge, dict):
            continue
        charge_id = charge.get("lago_id")
        properties = charge.get("properties") or {}
        values = _pick("lago_charges", charge)
        values.update(
            plan_code=code,
            amount_currency=charge.get("amount_currency") or plan.get("amount_currency"),
            properties_json=properties,
            pricing_group_keys=comma_joined(
                properties.get("pricing_group_keys") or properties.get("grouped_by")
            )
            if isinstance(properties, dict)
            else None,
        )
        yield Row("lago_charges", n, values)
        yield from _ranges(charge_id, 0, properties, n)
        yield from _taxes("lago_charge_taxes", "charge_lago_id", charge_id, charge.get("taxes"), n)
        for index, flt in enumerate(charge.get("filters") or [], start=1):
            if not isinstance(flt, dict):
                continue
            yield Row(
                "lago_charge_filters",
                n,
                {
                    "charge_lago_id": charge_id,
                    "filter_index": index,
                    "invoice_display_name": flt.get("invoice_display_name"),
                    "properties_json": flt.get("properties"),
                },
            )
            for key, vals in (flt.get("values") or {}).items():
                for v in vals if isinstance(vals, list) else [vals]:
                    yield Row(
                        "lago_charge_filter_values",
                        n,
                        {
                            "charge_lago_id": charge_id,
                            "filter_index": index,
                            "filter_key": key,
                            "filter_value": v,
                        },
                    )
            yield from _ranges(charge_id, index, flt.get("properties"), n)


def _parent_values(entity: str, table: str, obj: dict) -> dict:
    values = _pick(table, obj)
    if entity == "plans":
        commitment = obj.get("minimum_commitment") or {}
        values["minimum_commitment_amount_cents"] = commitment.get("amount_cents")
        values["minimum_commitment_invoice_display_name"] = commitment.get("invoice_display_name")
    elif entity == "customers":
        billing = obj.get("billing_configuration") or {}
        for column in ("invoice_grace_period", "payment_provider", "provider_customer_id"):
            values.setdefault(column, billing.get(column))
        if values.get("invoice_grace_period") is None:
            values["invoice_grace_period"] = obj.get("invoice_grace_period")
        values.update(lago_collections.customer_collection_values(obj))
    elif entity == "wallets":
        applies = obj.get("applies_to") or {}
        values["applies_to_fee_types"] = comma_joined(applies.get("fee_types"))
        values["applies_to_billable_metric_codes"] = comma_joined(applies.get("billable_metric_codes"))
    return values


def _children(entity: str, obj: dict, n: int) -> Iterator[Row]:
    if entity == "plans":
        yield from _plan_children(obj, n)
    elif entity == "customers":
        yield from _taxes(
            "lago_customer_taxes", "external_customer_id", obj.get("external_id"), obj.get("taxes"), n
        )
        yield from lago_collections.customer_attempt_rows(n, obj)
    elif entity == "billable_metrics":
        for flt in obj.get("filters") or []:
            for v in (flt or {}).get("values") or []:
                yield Row(
                    "lago_billable_metric_filters",
                    n,
                    {
                        "billable_metric_code": obj.get("code"),
                        "filter_key": flt.get("key"),
                        "filter_value": v,
                    },
                )


def _records(f: LandingFile, singular: str, plural: str) -> Iterator[tuple[int, Any, str | None, str | None]]:
    """(row_number, object, raw line, JSON error) for .json (unwrapped) and .jsonl files."""
    if is_jsonl(f):
        for n, value, line, error in iter_json_lines(f):
            if isinstance(value, dict):
                inner = unwrap(lago_collections.unwrap_graphql(value), (plural,), (singular,))
                value = inner[0] if len(inner) == 1 else value
            yield n, value, line, error
    elif f.path.name.removesuffix(".gz").endswith(".json"):
        doc = lago_collections.unwrap_graphql(load_json_document(f))
        for n, obj in enumerate(unwrap(doc, (plural,), (singular,)), start=1):
            yield n, obj, record_json(obj), None  # an element's own text, for quarantine
    else:
        raise UnreadableFile(f"{f.rel_path}: Lago catalog files must be .json or .jsonl")


def parse(f: LandingFile) -> Iterator[Row | Reject]:
    """Rows for one Lago catalog file; the entity comes from the landing folder (catalog/<entity>/)."""
    if f.entity not in ENTITIES:
        raise UnreadableFile(
            f"{f.rel_path}: unknown catalog folder {f.entity!r} (expected one of {', '.join(ENTITIES)})"
        )
    singular, plural, table = ENTITIES[f.entity]
    for n, obj, line, error in _records(f, singular, plural):
        if error is not None:
            yield Reject(n, error, raw_text=line)
            continue
        if not isinstance(obj, dict):
            yield Reject(n, f"a {singular} must be a JSON object", value=str(obj)[:200], raw_text=line)
            continue
        as_sent, obj = obj, NORMALISE.get(f.entity, dict)(obj)
        key = obj.get("lago_id") or obj.get("code") or obj.get("external_id")
        if not key:
            yield Reject(n, f"{singular} has no lago_id, code or external_id", field="lago_id", raw_text=line)
            continue
        required = REQUIRED.get(f.entity)
        if required and not str(obj.get(required) or "").strip():
            yield Reject(
                n,
                f"{singular} has no {required}: {REQUIRED_WHY[f.entity]}",
                field=required,
                value=None if obj.get(required) is None else str(obj.get(required)),
                raw_text=line,
            )
            continue
        try:
            rows = _rows(f.entity, table, obj, n, key)
        except BadValue as exc:
            yield reject_from(n, exc, line)
            continue
        yield from with_record(rows, as_sent, line)


def _rows(entity: str, table: str, obj: dict, n: int, key: Any) -> list[Row]:
    """The rows of one catalog object; BadValue when a value breaks its rule."""
    if entity in BUILDERS:
        return BUILDERS[entity](n, obj)
    version = obj.get("updated_at") or obj.get("created_at")
    rows = [Row(table, n, _parent_values(entity, table, obj), natural_key=str(key), version_at=version)]
    rows += _children(entity, obj, n)
    plan = obj.get("plan") if entity == "subscriptions" else None
    if isinstance(plan, dict) and (plan.get("lago_id") or plan.get("code")):
        # an embedded plan is a plan version like any other (deduplicated against plans/)
        rows.append(
            Row(
                "lago_plans",
                n,
                _parent_values("plans", "lago_plans", plan),
                natural_key=str(plan.get("lago_id") or plan.get("code")),
                version_at=plan.get("updated_at") or plan.get("created_at"),
            )
        )
        rows += _children("plans", plan, n)
    return rows
