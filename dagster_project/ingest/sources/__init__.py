"""Which parser reads which landing source, and which raw tables each source writes.

Parsers are imported lazily so that a source whose module is missing or broken fails only its
own files (quarantined with the import error), never the whole ingestion run.
"""

from __future__ import annotations

import importlib

from dagster_project.ingest.base import Parser
from dagster_project.ingest.schema import NO_LINEAGE, TABLES

# source -> module exposing `parse(f: LandingFile) -> Iterator[Row | Reject]`
ROW_PARSERS: dict[str, str] = {
    "reference": "dagster_project.ingest.sources.reference",
    "catalog": "dagster_project.ingest.sources.catalog",
    "crm": "dagster_project.ingest.sources.crm",
    "payments": "dagster_project.ingest.sources.payments",
    "billed": "dagster_project.ingest.sources.billed",
    "fx": "dagster_project.ingest.sources.fx",
}
# sources loaded set-wise by DuckDB's own readers (module exposing `load_file(con, f, ingested_at)`)
BULK_LOADERS: dict[str, str] = {"usage": "dagster_project.ingest.usage"}

# reference first: its settings (encodings) apply to the other sources of the same run
SOURCES: list[str] = ["reference", "usage", "catalog", "crm", "payments", "billed", "fx"]

_TABLE_PREFIX = {
    "usage": "usage_",
    "catalog": "lago_",
    "crm": "sf_",
    "payments": "payment_",
    "billed": "billed_",
    "fx": "fx_",
    "reference": "reference_",
}


def source_tables(source: str) -> list[str]:
    """Raw tables a source writes (by name prefix in schema.TABLES, so new tables are picked up)."""
    prefix = _TABLE_PREFIX[source]
    return [t for t in TABLES if t.startswith(prefix) and t not in NO_LINEAGE]


class NoParser(Exception):
    """No parser can be loaded for a landing source (unknown folder or a broken module)."""


def get_parser(source: str) -> Parser:
    """The row parser of a source; raises NoParser with a readable message when there is none."""
    module_name = ROW_PARSERS.get(source)
    if module_name is None:
        raise NoParser(f"no parser for landing source {source!r} (known: {', '.join(SOURCES)})")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise NoParser(f"the parser for source {source!r} is not available ({exc})") from exc
    return module.parse


def get_context(source: str):
    """The source module's optional `context(con, f) -> dict`: parser options read from the
    warehouse before the file is parsed (e.g. the currencies of Salesforce opportunities that
    line items inherit). Parsers stay pure functions of the file and these options."""
    module_name = ROW_PARSERS.get(source)
    if module_name is None:
        return None
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    return getattr(module, "context", None)


def get_bulk_loader(source: str):
    module_name = BULK_LOADERS.get(source)
    return importlib.import_module(module_name).load_file if module_name else None
