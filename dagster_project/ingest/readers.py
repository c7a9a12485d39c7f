"""Decoding helpers, kept importable from here for callers that predate the one helper layer.

They live in `dagster_project.ingest.sources._common` (the parser-helper layer): gzip, the
encoding declared for the source, BOM, CSV by header name, JSON documents and lines.
"""

from __future__ import annotations

from dagster_project.ingest.sources._common import (
    is_jsonl,
    iter_csv,
    iter_json_lines,
    load_json_document,
    read_bytes,
    read_text,
)

__all__ = ["is_jsonl", "iter_csv", "iter_json_lines", "load_json_document", "read_bytes", "read_text"]
