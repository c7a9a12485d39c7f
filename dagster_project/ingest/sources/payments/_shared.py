"""What the three gateway parsers share: the raw table, the row shape and the value checks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dagster_project.ingest.base import LandingFile, Row
from dagster_project.ingest.sources._common import (
    BadValue,
    text_or_none,
)

TABLE = "payment_transactions"


def file_suffix(f: LandingFile) -> str:
    return f.path.name.removesuffix(".gz").rsplit(".", 1)[-1].lower()


def movement_row(n: int, gateway: str, obj: str, gid: str, version_at: datetime | None, **values: Any) -> Row:
    values = {
        "gateway": gateway,
        "gateway_object": obj,
        "gateway_id": gid,
        "object_version_at": version_at,
    } | values
    return Row(TABLE, n, values, natural_key=f"{gateway}|{gid}", version_at=version_at)


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
