"""What a source parser hands to the ingestion runner.

A parser reads one landing file and yields `Row`s (destined for one raw table) and
`Reject`s (destined for `raw.quarantine`). It never writes to the warehouse itself and never
drops a row silently: every physical record it reads ends as exactly one Row or one Reject,
so that rows read = loaded + duplicates + quarantined holds per file. Duplicates are decided
by the runner from `natural_key` (first landed wins; for sources that send versions of an
object, pass `version_at` and the runner keeps history and marks the latest).

A file that cannot be read at all raises `UnreadableFile` with a reason a person understands;
the runner quarantines it whole (row_number 0) and goes on with the other files.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol


class UnreadableFile(Exception):
    """The whole file is unusable (encoding, truncated gzip, missing required columns...)."""


class BadValue(Exception):
    """One field of one record cannot be read; the record goes to quarantine (raised by the
    parsers' value helpers and by the runner when it types a row for its raw column)."""

    def __init__(self, field: str | None, value: Any, reason: str):
        super().__init__(reason)
        self.field = field
        self.value = None if value is None else str(value)
        self.reason = reason


@dataclass
class Row:
    table: str  # raw table name (see schema.TABLES), without the schema
    row_number: int  # 1-based record number in the file (line for JSONL/CSV, element for JSON arrays)
    values: dict[str, Any]  # column -> value; missing columns are NULL
    natural_key: str | None = None  # dedup key within (source, table); None = never a duplicate
    version_at: datetime | None = None  # for versioned objects: the source's own timestamp
    # the file record as the source sent it, as JSON text (a CSV row: header -> cell text); kept
    # in the raw table's `_record_json` column so a field the mapping does not read is never lost.
    # Set on the record's first row only: its child rows share its _source_file and _row_number.
    record_json: str | None = None
    # the record's original text (CSV line, JSON line or element), for quarantine if the runner
    # refuses the row (a wrong type, an unknown currency)
    raw_text: str | None = None


@dataclass
class Reject:
    row_number: int
    reason: str  # a sentence a finance user understands
    field: str | None = None
    value: str | None = None
    raw_text: str | None = None


@dataclass
class LandingFile:
    source: str  # usage | catalog | crm | payments | billed | fx | reference
    entity: str  # first folder under the source, e.g. events, plans, account, stripe
    path: Path  # absolute
    rel_path: str  # relative to the landing root, used in messages and lineage
    sha256: str
    size: int
    options: dict[str, Any] = field(default_factory=dict)  # e.g. encoding from reference/settings


class Parser(Protocol):
    def __call__(self, f: LandingFile) -> Iterator[Row | Reject]: ...
