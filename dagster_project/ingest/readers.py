"""Shared ways to open a landing file, so every parser treats gzip, encodings, BOMs and CRLF alike.

Parsers call these instead of `open()` so that a file that cannot be read fails with one
sentence a person understands (raised as `UnreadableFile`), never with a bare traceback.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import zlib
from collections.abc import Iterator
from typing import Any

from dagster_project.ingest.base import LandingFile, UnreadableFile


def read_bytes(f: LandingFile) -> bytes:
    """The file's bytes, gunzipped when it ends in .gz; a truncated gzip is unreadable."""
    data = f.path.read_bytes()
    if f.path.name.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (EOFError, OSError, zlib.error) as exc:
            raise UnreadableFile(f"{f.rel_path}: the gzip stream is truncated or corrupt ({exc})") from exc
    if not data.strip():
        raise UnreadableFile(f"{f.rel_path}: the file is empty")
    return data


def read_text(f: LandingFile) -> str:
    """Decode with the encoding declared in reference/settings (`encoding.<source>`), else UTF-8.

    A leading BOM is dropped; a file that is not valid in the expected encoding is refused as a
    whole, because guessing would corrupt names and amounts without anyone noticing.
    """
    data = read_bytes(f)
    encoding = f.options.get("encoding") or "utf-8-sig"
    if encoding.replace("-", "").replace("_", "").lower() == "utf8":
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except LookupError as exc:
        raise UnreadableFile(
            f"{f.rel_path}: unknown encoding {encoding!r} declared in reference/settings"
        ) from exc
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        hint = (
            f"declare it with the key encoding.{f.source} (e.g. cp1252) in reference/settings"
            if "encoding" not in f.options
            else "check the encoding declared in reference/settings"
        )
        raise UnreadableFile(
            f"{f.rel_path}: not valid {encoding.removesuffix('-sig')} text (byte 0x{bad} at offset "
            f"{exc.start}); if the file uses another encoding, {hint}"
        ) from exc
    return text.removeprefix("\ufeff")


def iter_csv(
    f: LandingFile, required: list[str] | None = None, delimiter: str = ","
) -> Iterator[tuple[int, dict]]:
    """(row_number, row dict) per data row; columns are read by header name, so order does not matter.

    row_number is the 1-based data row (the header is not counted). Header names are stripped
    of surrounding spaces (ECB writes `Date, USD, ...`).
    """
    reader = csv.reader(
        io.StringIO(read_text(f), newline=""), delimiter=delimiter or f.options.get("delimiter") or ","
    )
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration as exc:
        raise UnreadableFile(f"{f.rel_path}: the file is empty") from exc
    missing = [c for c in (required or []) if c not in header]
    if missing:
        raise UnreadableFile(
            f"{f.rel_path}: missing required column(s) {', '.join(missing)} (header is: {', '.join(header)})"
        )
    for n, values in enumerate(reader, start=1):
        if not values or all(not v.strip() for v in values):
            # a blank line is not a record (Excel and ECB both end files with one)
            continue
        yield n, {h: (values[i] if i < len(values) else None) for i, h in enumerate(header) if h}


def load_json_document(f: LandingFile) -> Any:
    """The parsed JSON of a .json file; a .jsonl file as a list of its lines' objects is not handled here."""
    text = read_text(f)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFile(
            f"{f.rel_path}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from exc


def is_jsonl(f: LandingFile) -> bool:
    return f.path.name.removesuffix(".gz").endswith(".jsonl")


def iter_json_lines(f: LandingFile) -> Iterator[tuple[int, Any | None, str, str | None]]:
    """(line_number, value or None, raw line, error) per non-blank line of a JSON Lines file."""
    for n, line in enumerate(read_text(f).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield n, json.loads(line), line, None
        except json.JSONDecodeError as exc:
            yield n, None, line, f"invalid JSON ({exc.msg} at column {exc.colno}); the line may be truncated"
