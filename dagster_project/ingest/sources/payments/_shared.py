"""What the three gateway parsers share: the raw tables, the row shapes and the value checks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from dagster_project.ingest.base import LandingFile, Row
from dagster_project.ingest.sources._common import (
    BadValue,
    parse_date,
    parse_json_loose,
    parse_ts,
    text_or_none,
)

TABLE = "payment_transactions"
CUSTOMERS = "payment_customers"


def file_suffix(f: LandingFile) -> str:
    return f.path.name.removesuffix(".gz").rsplit(".", 1)[-1].lower()


def path_parts(f: LandingFile) -> list[str]:
    """The file's name (without extensions), then its folders from the nearest up: where a
    landed file says what it holds when its content does not."""
    *folders, name = f.rel_path.replace("\\", "/").split("/")
    return [name.split(".", 1)[0], *reversed(folders)]


def movement_row(n: int, gateway: str, obj: str, gid: str, version_at: datetime | None, **values: Any) -> Row:
    values = {
        "gateway": gateway,
        "gateway_object": obj,
        "gateway_id": gid,
        "object_version_at": version_at,
    } | values
    return Row(TABLE, n, values, natural_key=f"{gateway}|{gid}", version_at=version_at)


def customer_row(n: int, gateway: str, gid: str, version_at: datetime | None, **values: Any) -> Row:
    values = {"gateway": gateway, "gateway_id": gid, "object_version_at": version_at} | values
    return Row(CUSTOMERS, n, values, natural_key=f"{gateway}|{gid}", version_at=version_at)


def metadata_dict(metadata: Any) -> dict:
    """Free-form gateway metadata as a dict (a Fivetran CSV cell holds it as JSON text)."""
    if isinstance(metadata, str):
        metadata = parse_json_loose(metadata)
    return metadata if isinstance(metadata, dict) else {}


def lago_links(metadata: Any) -> dict[str, str | None]:
    """What Lago writes into a gateway payment's metadata when it charges an invoice or a payment
    request (`lago_invoice_id`, `lago_payable_type` Invoice | PaymentRequest, `lago_payable_id`);
    cash application matches on them (collections.md §4.2)."""
    meta = metadata_dict(metadata)
    return {k: text_or_none(meta.get(k)) for k in ("lago_invoice_id", "lago_payable_type", "lago_payable_id")}


def day(value: Any, field: str) -> date | None:
    """A calendar day sent as a date (`2014-01-01`, Fivetran `2021-01-20 00:00:00`) or as epoch
    seconds (Stripe API `arrival_date`: the UTC day of that instant)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        ts = parse_ts(value, field)
        return ts.date() if ts is not None else None
    return parse_date(value, field)


def not_negative(amount: int, raw: Any, what: str) -> int:
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


def required(value: Any, field: str, what: str) -> Any:
    if text_or_none(value) is None:
        raise BadValue(field, value, f"{field} is empty: {what}")
    return value
