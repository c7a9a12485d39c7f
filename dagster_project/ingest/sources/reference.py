"""Finance-edited reference CSVs (reference/<kind>/*.csv) → raw.reference_rows, one JSON row each.

Why JSON rows: each kind has its own columns (entities, settings, ssp ...) and dbt overlays them
on the seeds by the kind's key; one generic table keeps ingestion free of per-kind code.
The natural key is the row's whole content, so an edited row is loaded as new (dbt takes the
latest by `_ingested_at` per business key) while an unchanged row landed again is a duplicate.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime

from dagster_project.ingest.base import LandingFile, Reject, Row, UnreadableFile
from dagster_project.ingest.readers import iter_csv

# the columns each known kind must have (landing contract, "Reference files")
REQUIRED = {
    "entities": ["entity_id", "name", "currency"],
    "settings": ["key", "value"],
    "period_closes": ["entity_id", "period"],
    "ssp": ["product", "currency", "ssp_minor"],
    "revrec_rules": ["product", "pattern"],
    "crm_product_map": ["crm_product"],
    "chart_of_accounts": ["account_role", "account_code"],
    "invoice_voids": ["invoice_number", "voided_at", "voided_by", "reason"],
}

# Columns that must hold an ISO 8601 date-time: a void with an unreadable time could not be
# ordered against the invoice's finalization, so it is refused here rather than guessed later.
# They are stored in UTC without offset ("2026-03-05 12:00:00" for "2026-03-05T14:00+02:00";
# no offset means UTC) so SQL never has to read an offset (warehouse timestamps are UTC).
TIMESTAMPS = {"invoice_voids": ["voided_at"]}


def _utc_timestamps(kind: str, values: dict) -> str | None:
    """Normalise the kind's timestamp columns in place; the name of the first unreadable one."""
    for column in TIMESTAMPS.get(kind, []):
        value = values.get(column) or ""
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return column
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        values[column] = parsed.isoformat(sep=" ")
    return None


def parse(f: LandingFile) -> Iterator[Row | Reject]:
    if not f.path.name.removesuffix(".gz").endswith(".csv"):
        raise UnreadableFile(f"{f.rel_path}: reference files must be CSV with a header row")
    for n, row in iter_csv(f, required=REQUIRED.get(f.entity, [])):
        values = {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items()}
        text = json.dumps(values, ensure_ascii=False, sort_keys=True)
        missing = [c for c in REQUIRED.get(f.entity, [])[:1] if not values.get(c)]
        if missing:
            yield Reject(n, f"{missing[0]} is empty", missing[0], None, text)
            continue
        as_sent = dict(values)
        bad = _utc_timestamps(f.entity, values)
        if bad:
            yield Reject(
                n,
                f"{bad} must be an ISO 8601 date-time (e.g. 2026-03-05T14:00:00Z)",
                bad,
                as_sent.get(bad),
                text,
            )
            continue
        text = json.dumps(values, ensure_ascii=False, sort_keys=True)
        digest = hashlib.sha256(text.encode()).hexdigest()[:32]
        yield Row(
            "reference_rows",
            n,
            {"reference_kind": f.entity, "row_json": text},
            natural_key=f"{f.entity}|{digest}",
        )
