"""Salesforce CRM objects → raw.sf_* tables.

Reads two shapes of the same objects, told apart by their header and matched by column name
(order and case do not matter, see `_common.norm_name`):

* Salesforce exports with API field names (`Id`, `AccountId`, `CurrencyIsoCode`,
  `SystemModstamp`, custom `Plan_Code__c` ...) as CSV from Data Loader / Bulk API, or the REST
  query JSON (`{"records": [...]}`);
* the tables as synced by Fivetran (snake_case: `account_id`, `product_2_id`, `_fivetran_synced`,
  `_fivetran_active`, `_fivetran_deleted`, custom fields ending `_c`).

The entity folder names the object: account, opportunity, opportunity_line_item, product2,
pricebook_entry, contract, order, contact, lead, task, event, user, user_role. One record in the
file → one Row or one Reject.

Rules applied here:
* `Id` is required and normalised to the 18-character form (`sf_id_18`); a 15-character id gets
  its checksum suffix, an 18-character id must carry the right one (a wrong suffix means the id
  was altered, e.g. case-folded by a spreadsheet). Reference ids (`AccountId` ...) are
  normalised the same way when they look like Salesforce ids and kept as sent otherwise.
* Money (`Amount`, `UnitPrice`, `TotalPrice`, `ListPrice`, an order's `TotalAmount`) is major units in the row's
  `CurrencyIsoCode`; an amount with more decimals than the currency has is quarantined, never
  rounded. Without that column or value, an opportunity line item takes its opportunity's
  currency (Salesforce: line items inherit the parent opportunity's currency; the opportunity
  must have landed before, `opportunity/` sorts before `opportunity_line_item/`); otherwise the
  settings key `default_currency.crm` (the org's single currency, `options["default_currency"]`)
  is used; without any, a row that carries an amount is quarantined naming that key. The
  currency column holds the currency actually used.
* A line item's `Quantity` cannot be negative (quarantined).
* Every record is kept whole in `_record_json` (fields the mapping does not read, such as
  `Description` or `Probability`, included).
* `IsDeleted` rows are loaded (history) with is_deleted true; Fivetran's `_fivetran_deleted`
  (deleted in Salesforce after the sync) counts as deleted too. An empty IsDeleted means false.
* Custom fields go to `custom_fields_json` keyed by their *lower-cased* API name
  (`plan_code__c`): Fivetran lower-cases names and turns `__c` into `_c`, so only the
  lower-case form can be the same key for both shapes.
* `version_at` = SystemModstamp, else LastModifiedDate, else `_fivetran_synced` (all UTC).
  natural_key = the 18-character Id.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from dagster_project.ingest.base import LandingFile, Reject, Row, UnreadableFile
from dagster_project.ingest.schema import TABLES
from dagster_project.ingest.sources._common import (
    BadValue,
    CsvRecord,
    CsvTable,
    currency,
    dumps,
    json_records,
    major_to_minor,
    norm_name,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_int,
    parse_ts,
    record_json,
    reject_from,
    text_or_none,
)

LINE_ITEM = "opportunitylineitem"

# ---- Salesforce ids ---------------------------------------------------------------------------

_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def _checksum(id15: str) -> str:
    # Salesforce's rule: for each 5-character chunk, a 5-bit number whose bit i is set when
    # character i is an upper-case letter, written with the alphabet A-Z0-5.
    out = []
    for start in (0, 5, 10):
        bits = sum(1 << i for i, c in enumerate(id15[start : start + 5]) if "A" <= c <= "Z")
        out.append(_SUFFIX_ALPHABET[bits])
    return "".join(out)


def sf_id_18(value: str) -> str:
    """15- or 18-character Salesforce id → the 18-character, case-safe form.

    Raises ValueError when the text is not a Salesforce id or an 18-character id's suffix does
    not match its first 15 characters."""
    if not re.fullmatch(r"[A-Za-z0-9]{15}([A-Za-z0-9]{3})?", value):
        raise ValueError(f"'{value}' is not a Salesforce id (15 or 18 letters and digits)")
    expected = _checksum(value[:15])
    if len(value) == 18 and value[15:] != expected:
        raise ValueError(
            f"'{value}' is not a valid 18-character Salesforce id: its last three characters should be "
            f"'{expected}' (was the id's letter case changed?)"
        )
    return value[:15] + expected


# ---- field kinds ------------------------------------------------------------------------------


@dataclass(frozen=True)
class F:
    column: str  # raw table column
    api: str  # Salesforce API field name (Fivetran's snake_case matches it through norm_name)
    kind: str  # id | ref | str | bool | date | ts | money | decimal | int


def _id(v: Any, field: str) -> str:
    s = text_or_none(v)
    if s is None:
        raise BadValue(field, v, f"{field} is empty: a Salesforce record needs its Id")
    try:
        return sf_id_18(s)
    except ValueError as e:
        raise BadValue(field, v, f"{field} {e}") from None


def _ref(v: Any, field: str) -> str | None:
    s = text_or_none(v)
    if s is None:
        return None
    try:
        return sf_id_18(s)
    except ValueError:
        return s  # a reference is kept as sent; staging reports it if it matches nothing


_SCALAR: dict[str, Callable[[Any, str], Any]] = {
    "id": _id,
    "ref": _ref,
    "str": lambda v, _f: text_or_none(v),
    "bool": parse_bool,
    "date": parse_date,
    "ts": parse_ts,
    "decimal": parse_decimal,
    "int": parse_int,
}

_COMMON_TAIL = [
    F("is_deleted", "IsDeleted", "bool"),
    F("system_modstamp", "SystemModstamp", "ts"),
]


@dataclass(frozen=True)
class Entity:
    table: str
    fields: list[F]
    required: tuple[str, ...]  # API names that must be in the header


ENTITIES: dict[str, Entity] = {
    "account": Entity(
        "sf_accounts",
        [
            F("id", "Id", "id"),
            F("name", "Name", "str"),
            F("billing_country", "BillingCountry", "str"),
            F("industry", "Industry", "str"),
            F("type", "Type", "str"),
            F("owner_id", "OwnerId", "ref"),
            F("parent_id", "ParentId", "ref"),
            *_COMMON_TAIL,
        ],
        ("Id", "Name"),
    ),
    "opportunity": Entity(
        "sf_opportunities",
        [
            F("id", "Id", "id"),
            F("account_id", "AccountId", "ref"),
            F("name", "Name", "str"),
            F("stage_name", "StageName", "str"),
            F("is_won", "IsWon", "bool"),
            F("is_closed", "IsClosed", "bool"),
            F("close_date", "CloseDate", "date"),
            F("amount_minor", "Amount", "money"),
            F("type", "Type", "str"),
            F("lead_source", "LeadSource", "str"),
            F("owner_id", "OwnerId", "ref"),
            F("pricebook2_id", "Pricebook2Id", "ref"),
            F("created_at", "CreatedDate", "ts"),
            *_COMMON_TAIL,
        ],
        ("Id", "AccountId", "StageName", "IsWon", "IsClosed", "CloseDate", "Amount"),
    ),
    LINE_ITEM: Entity(
        "sf_opportunity_line_items",
        [
            F("id", "Id", "id"),
            F("opportunity_id", "OpportunityId", "ref"),
            F("product2_id", "Product2Id", "ref"),
            F("pricebook_entry_id", "PricebookEntryId", "ref"),
            F("product_code", "ProductCode", "str"),
            F("name", "Name", "str"),
            F("quantity", "Quantity", "decimal"),
            F("unit_price_minor", "UnitPrice", "money"),
            F("list_price_minor", "ListPrice", "money"),
            F("total_price_minor", "TotalPrice", "money"),
            F("service_date", "ServiceDate", "date"),
            *_COMMON_TAIL,
        ],
        ("Id", "OpportunityId", "Quantity", "UnitPrice", "TotalPrice"),
    ),
    "product2": Entity(
        "sf_products",
        [
            F("id", "Id", "id"),
            F("name", "Name", "str"),
            F("product_code", "ProductCode", "str"),
            F("family", "Family", "str"),
            F("is_active", "IsActive", "bool"),
            *_COMMON_TAIL,
        ],
        ("Id", "Name"),
    ),
    "pricebookentry": Entity(
        "sf_pricebook_entries",
        [
            F("id", "Id", "id"),
            F("pricebook2_id", "Pricebook2Id", "ref"),
            F("product2_id", "Product2Id", "ref"),
            F("product_code", "ProductCode", "str"),
            F("unit_price_minor", "UnitPrice", "money"),
            F("is_active", "IsActive", "bool"),
            *_COMMON_TAIL,
        ],
        ("Id", "Pricebook2Id", "Product2Id", "UnitPrice"),
    ),
    "contract": Entity(
        "sf_contracts",
        [
            F("id", "Id", "id"),
            F("account_id", "AccountId", "ref"),
            F("contract_number", "ContractNumber", "str"),
            F("status", "Status", "str"),
            F("start_date", "StartDate", "date"),
            F("end_date", "EndDate", "date"),
            F("contract_term", "ContractTerm", "int"),
            F("activated_at", "ActivatedDate", "ts"),
            *_COMMON_TAIL,
        ],
        ("Id", "AccountId", "StartDate"),
    ),
    "contact": Entity(
        "sf_contacts",
        [
            F("id", "Id", "id"),
            F("account_id", "AccountId", "ref"),
            F("first_name", "FirstName", "str"),
            F("last_name", "LastName", "str"),
            F("name", "Name", "str"),
            F("email", "Email", "str"),
            F("title", "Title", "str"),
            F("lead_source", "LeadSource", "str"),
            F("owner_id", "OwnerId", "ref"),
            F("created_at", "CreatedDate", "ts"),
            *_COMMON_TAIL,
        ],
        ("Id",),
    ),
    "lead": Entity(
        "sf_leads",
        [
            F("id", "Id", "id"),
            F("name", "Name", "str"),
            F("company", "Company", "str"),
            F("email", "Email", "str"),
            F("status", "Status", "str"),
            F("lead_source", "LeadSource", "str"),
            F("country", "Country", "str"),
            F("is_converted", "IsConverted", "bool"),
            F("converted_date", "ConvertedDate", "date"),
            F("converted_account_id", "ConvertedAccountId", "ref"),
            F("converted_contact_id", "ConvertedContactId", "ref"),
            F("converted_opportunity_id", "ConvertedOpportunityId", "ref"),
            F("owner_id", "OwnerId", "ref"),
            F("created_at", "CreatedDate", "ts"),
            *_COMMON_TAIL,
        ],
        ("Id",),
    ),
    "task": Entity(
        "sf_tasks",
        [
            F("id", "Id", "id"),
            F("who_id", "WhoId", "ref"),
            F("what_id", "WhatId", "ref"),
            F("account_id", "AccountId", "ref"),
            F("subject", "Subject", "str"),
            F("status", "Status", "str"),
            F("priority", "Priority", "str"),
            F("task_subtype", "TaskSubtype", "str"),
            F("activity_date", "ActivityDate", "date"),
            F("is_closed", "IsClosed", "bool"),
            F("owner_id", "OwnerId", "ref"),
            F("created_at", "CreatedDate", "ts"),
            *_COMMON_TAIL,
        ],
        ("Id",),
    ),
    "event": Entity(
        "sf_events",
        [
            F("id", "Id", "id"),
            F("who_id", "WhoId", "ref"),
            F("what_id", "WhatId", "ref"),
            F("account_id", "AccountId", "ref"),
            F("subject", "Subject", "str"),
            F("activity_date", "ActivityDate", "date"),
            F("start_at", "StartDateTime", "ts"),
            F("end_at", "EndDateTime", "ts"),
            F("duration_minutes", "DurationInMinutes", "int"),
            F("owner_id", "OwnerId", "ref"),
            F("created_at", "CreatedDate", "ts"),
            *_COMMON_TAIL,
        ],
        ("Id",),
    ),
    "order": Entity(
        "sf_orders",
        [
            F("id", "Id", "id"),
            F("account_id", "AccountId", "ref"),
            F("contract_id", "ContractId", "ref"),
            F("opportunity_id", "OpportunityId", "ref"),
            F("order_number", "OrderNumber", "str"),
            F("status", "Status", "str"),
            F("type", "Type", "str"),
            F("effective_date", "EffectiveDate", "date"),
            F("end_date", "EndDate", "date"),
            F("total_amount_minor", "TotalAmount", "money"),
            F("pricebook2_id", "Pricebook2Id", "ref"),
            F("activated_at", "ActivatedDate", "ts"),
            F("owner_id", "OwnerId", "ref"),
            F("created_at", "CreatedDate", "ts"),
            *_COMMON_TAIL,
        ],
        ("Id", "AccountId"),
    ),
    "userrole": Entity(
        "sf_user_roles",
        [
            F("id", "Id", "id"),
            F("name", "Name", "str"),
            F("developer_name", "DeveloperName", "str"),
            F("parent_role_id", "ParentRoleId", "ref"),
            F("rollup_description", "RollupDescription", "str"),
            *_COMMON_TAIL,
        ],
        ("Id", "Name"),
    ),
    "user": Entity(
        "sf_users",
        [
            F("id", "Id", "id"),
            F("name", "Name", "str"),
            F("email", "Email", "str"),
            F("is_active", "IsActive", "bool"),
            *_COMMON_TAIL,
        ],
        ("Id", "Name"),
    ),
}

_ENTITY_ALIASES = {"product": "product2", "products": "product2", "pricebookentries": "pricebookentry"}

_HAS_CUSTOM = {t for t, cols in TABLES.items() if ("custom_fields_json", "VARCHAR") in cols}
_HAS_CURRENCY = {t for t, cols in TABLES.items() if ("currency_iso_code", "VARCHAR") in cols}


def entity_for(name: str) -> Entity:
    key = norm_name(name)
    key = _ENTITY_ALIASES.get(key, key)
    if key not in ENTITIES and key.endswith("s") and key[:-1] in ENTITIES:
        key = key[:-1]
    if key not in ENTITIES:
        raise UnreadableFile(
            f"unknown Salesforce object folder '{name}' (expected one of: account, opportunity, "
            "opportunity_line_item, product2, pricebook_entry, contract, order, contact, lead, task, "
            "event, user, user_role)"
        )
    return ENTITIES[key]


def context(con, f: LandingFile) -> dict[str, Any]:
    """Parser options read from the warehouse before a file is parsed: for line items, the
    currency of every opportunity landed so far (its latest version)."""
    try:
        if entity_for(f.entity) is not ENTITIES[LINE_ITEM]:
            return {}
    except UnreadableFile:
        return {}
    rows = con.execute(
        """select id, arg_max(currency_iso_code, coalesce(system_modstamp, _ingested_at))
           from raw.sf_opportunities where currency_iso_code is not null group by id"""
    ).fetchall()
    return {"opportunity_currency": dict(rows)}


# ---- parsing ----------------------------------------------------------------------------------


def parse(f: LandingFile) -> Iterator[Row | Reject]:
    entity = entity_for(f.entity)
    name = f.path.name.removesuffix(".gz").lower()
    if name.endswith(".csv"):
        yield from _parse_csv(f, entity)
    elif name.endswith((".json", ".jsonl", ".ndjson")):
        yield from _parse_json(f, entity)
    else:
        raise UnreadableFile("Salesforce files must be CSV or JSON (.csv, .json, .jsonl, optionally .gz)")


def _parse_csv(f: LandingFile, entity: Entity) -> Iterator[Row | Reject]:
    table = CsvTable(f)
    table.require(entity.required)
    is_fivetran = any(h.lower().startswith("_fivetran") for h in table.headers)
    known = {norm_name(fd.api) for fd in entity.fields} | {norm_name(n) for n in _META}
    custom = {h: _custom_key(h, is_fivetran) for h in table.headers if norm_name(h) not in known}
    custom = {h: k for h, k in custom.items() if k}
    columns = {fd.api: table.column(fd.api) for fd in entity.fields} | {m: table.column(m) for m in _META}
    for rec in table.records():
        if isinstance(rec, Reject):
            yield rec
            continue
        get = _getter(rec, columns)
        extras = {k: text_or_none(rec.values[h]) for h, k in custom.items()}
        yield _build(f, entity, rec.row_number, get, extras, rec.raw_text, rec.values)


def _parse_json(f: LandingFile, entity: Entity) -> Iterator[Row | Reject]:
    for item in json_records(f, list_keys=("records",)):
        if isinstance(item, Reject):
            yield item
            continue
        n, obj, raw = item
        if not isinstance(obj, dict):
            yield Reject(row_number=n, reason="a Salesforce record must be a JSON object", raw_text=raw)
            continue
        by_norm = {norm_name(k): k for k in obj if k != "attributes"}

        def get(api: str, _obj=obj, _by=by_norm) -> Any:
            k = _by.get(norm_name(api))
            return None if k is None else _obj[k]

        extras = {k.lower(): obj[k] for k in obj if k.lower().endswith("__c")}
        yield _build(f, entity, n, get, extras, raw, obj)


_META = ("CurrencyIsoCode", "LastModifiedDate", "_fivetran_synced", "_fivetran_active", "_fivetran_deleted")


def _custom_key(header: str, is_fivetran: bool) -> str | None:
    h = header.strip()
    if h.lower().endswith("__c"):
        return h.lower()
    if is_fivetran and h.lower().endswith("_c"):
        return h.lower()[:-2] + "__c"
    return None


def _getter(rec: CsvRecord, columns: dict[str, str | None]) -> Callable[[str], Any]:
    def get(api: str) -> Any:
        h = columns.get(api)
        return None if h is None else rec.values[h]

    return get


def _build(
    f: LandingFile,
    entity: Entity,
    row_number: int,
    get: Callable[[str], Any],
    extras: dict[str, Any],
    raw: str,
    record: Any,
) -> Row | Reject:
    try:
        values: dict[str, Any] = {}
        money: list[F] = []
        for fd in entity.fields:
            if fd.kind == "money":
                money.append(fd)
            else:
                values[fd.column] = _SCALAR[fd.kind](get(fd.api), fd.api)
        if entity is ENTITIES[LINE_ITEM] and values["quantity"] is not None and values["quantity"] < 0:
            raise BadValue(
                "Quantity",
                get("Quantity"),
                f"Quantity is negative ({get('Quantity')}): a line item sells a number of units, "
                "which cannot be below zero",
            )
        parent = values.get("opportunity_id") if entity is ENTITIES[LINE_ITEM] else None
        cur = _row_currency(f, get, any(text_or_none(get(fd.api)) for fd in money), parent)
        for fd in money:
            values[fd.column] = major_to_minor(get(fd.api), fd.api, cur) if cur else None
        if entity.table in _HAS_CURRENCY:
            values["currency_iso_code"] = cur
        if parse_bool(get("_fivetran_deleted"), "_fivetran_deleted"):
            values["is_deleted"] = True
        if values.get("is_deleted") is None:
            values["is_deleted"] = False
        values["synced_at"] = parse_ts(get("_fivetran_synced"), "_fivetran_synced")
        values["is_fivetran_active"] = parse_bool(get("_fivetran_active"), "_fivetran_active")
        version_at = (
            values["system_modstamp"]
            or parse_ts(get("LastModifiedDate"), "LastModifiedDate")
            or values["synced_at"]
        )
    except BadValue as e:
        return reject_from(row_number, e, raw)
    if entity.table in _HAS_CUSTOM:
        extras = {k: v for k, v in extras.items() if v is not None and v != ""}
        values["custom_fields_json"] = dumps(extras) if extras else None
    return Row(
        entity.table,
        row_number,
        values,
        natural_key=values["id"],
        version_at=version_at,
        record_json=record_json(record),
        raw_text=raw,
    )


def _row_currency(
    f: LandingFile, get: Callable[[str], Any], has_amount: bool, opportunity_id: str | None = None
) -> str | None:
    row_value = get("CurrencyIsoCode")
    if text_or_none(row_value):
        return currency(row_value, "CurrencyIsoCode")
    if opportunity_id is not None:
        inherited = (f.options.get("opportunity_currency") or {}).get(opportunity_id)
        if inherited:
            return currency(inherited, "CurrencyIsoCode")
    default = f.options.get("default_currency")
    if default:
        return currency(default, "default_currency.crm")
    if has_amount:
        parent = (
            f" and its opportunity {opportunity_id} has not landed with a currency"
            if opportunity_id is not None
            else ""
        )
        raise BadValue(
            "CurrencyIsoCode",
            row_value,
            f"the amount has no currency: CurrencyIsoCode is empty or absent{parent}; set it in the "
            "file, or set the key default_currency.crm (the org's currency, e.g. USD) in reference/settings",
        )
    return None
