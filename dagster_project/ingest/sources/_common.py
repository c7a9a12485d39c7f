"""Reading helpers shared by every row parser (the one parser-helper layer of ingestion).

One place for the rules every parser must apply the same way: how a landed file is decoded
(gzip, declared encoding, optional BOM), how CSV columns are found by header name, how JSON
envelopes are unwrapped, and how timestamps, booleans and money are read. Values come back in
the raw-layer types: `datetime` as *naive UTC* (DuckDB TIMESTAMP has no zone; an aware value
would be shifted by the session time zone on insert), `date`, `Decimal`, `int` minor units.

A bad value raises `BadValue` (field, value, reason); the parser turns it into a `Reject` for
that record with `reject_from`. A file that cannot be read at all raises `UnreadableFile` with
one sentence a person understands, never a bare traceback. One CSV engine (`CsvTable`; the
lenient `iter_csv` view of it keeps the reference and ECB readers' rules), one JSON unwrapper
(`unwrap`), one timestamp parser (`parse_ts`).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dagster_project.ingest.base import BadValue, LandingFile, Reject, Row, UnreadableFile
from dagster_project.reference.currencies import exponent, is_known_currency


def reject_from(row_number: int, exc: BadValue, raw_text: str | None) -> Reject:
    return Reject(
        row_number=row_number, reason=exc.reason, field=exc.field, value=exc.value, raw_text=raw_text
    )


# ---- decoding: gzip, declared encoding and BOM, for every parser --------------------------------


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


# ---- CSV by header name ------------------------------------------------------------------------


def norm_name(name: str) -> str:
    """Header/field name reduced to lower-case letters and digits, so that the API spelling
    (`AccountId`, `Product2Id`, `Gross Debit (GC)`) and the warehouse spelling (`account_id`,
    `product_2_id`) of the same column compare equal."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass
class CsvRecord:
    row_number: int  # physical line where the record starts (header = line 1)
    values: dict[str, str]  # original header -> cell text
    raw_text: str
    data_row: int = 0  # 1-based CSV record after the header (blank lines counted, not yielded)


class CsvTable:
    def __init__(self, f: LandingFile, delimiter: str | None = None):
        text = read_text(f)
        first_line = text.split("\n", 1)[0]
        delimiter = delimiter or f.options.get("delimiter") or max(",;\t|", key=first_line.count)
        self._reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        # physical lines as the csv reader sees them, to keep the raw text of a row it refuses
        self._lines = io.StringIO(text, newline="").readlines()
        self._delimiter = delimiter
        try:
            header = next(self._reader)
        except StopIteration:
            raise UnreadableFile("the file is empty: no header row") from None
        except csv.Error as e:
            raise UnreadableFile(f"the header row is not valid CSV: {e}") from e
        self.headers = [h.strip() for h in header]
        self._by_norm: dict[str, str] = {}
        for h in self.headers:
            self._by_norm.setdefault(norm_name(h), h)

    def column(self, *names: str) -> str | None:
        """The file's header for the first of `names` present (compared by `norm_name`)."""
        for n in names:
            h = self._by_norm.get(norm_name(n))
            if h is not None:
                return h
        return None

    def require(self, required: Iterable[str | tuple[str, ...]]) -> None:
        missing = []
        for names in required:
            names = (names,) if isinstance(names, str) else names
            if self.column(*names) is None:
                missing.append(names[0])
        if missing:
            raise UnreadableFile(
                f"required column{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)} "
                f"missing from the header (found: {', '.join(self.headers)})"
            )

    def records(self, lenient: bool = False) -> Iterator[CsvRecord | Reject]:
        """Records in file order. Strict (default): a line that is not valid CSV or has another
        number of fields than the header is a Reject. Lenient (`iter_csv`): a short row is padded
        with None, cells past the header are not read, and invalid CSV raises csv.Error."""
        prev_line = self._reader.line_num
        data_row = 0
        while True:
            start = prev_line + 1
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as e:
                if lenient:
                    raise
                prev_line = self._reader.line_num
                raw = "".join(self._lines[start - 1 : max(prev_line, start)]).rstrip("\r\n")
                yield Reject(row_number=start, reason=f"the line is not valid CSV: {e}", raw_text=raw)
                continue
            prev_line = self._reader.line_num
            data_row += 1
            if not cells or all(not c.strip() for c in cells):
                continue  # blank line, not a record
            raw = _csv_line(cells, self._delimiter)
            if lenient:
                values = {h: (cells[i] if i < len(cells) else None) for i, h in enumerate(self.headers) if h}
                yield CsvRecord(start, values, raw, data_row)
                continue
            if len(cells) != len(self.headers):
                yield Reject(
                    row_number=start,
                    reason=f"the line has {len(cells)} fields but the header has {len(self.headers)}",
                    raw_text=raw,
                )
                continue
            yield CsvRecord(start, dict(zip(self.headers, cells, strict=True)), raw, data_row)


def iter_csv(
    f: LandingFile, required: list[str] | None = None, delimiter: str = ","
) -> Iterator[tuple[int, dict]]:
    """(data row number, row dict) per data row of a CSV read leniently by exact header name (the
    reference and ECB readers): row numbers count data rows from 1 (the header is not counted),
    header names are stripped (ECB writes `Date, USD, ...`), a short row is padded with None."""
    table = CsvTable(f, delimiter=delimiter)
    missing = [c for c in (required or []) if c not in table.headers]
    if missing:
        raise UnreadableFile(
            f"{f.rel_path}: missing required column(s) {', '.join(missing)} (header is: {', '.join(table.headers)})"
        )
    for rec in table.records(lenient=True):
        assert isinstance(rec, CsvRecord)
        yield rec.data_row, rec.values


def _csv_line(cells: list[str], delimiter: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="").writerow(cells)
    return buf.getvalue()


# ---- JSON envelopes ----------------------------------------------------------------------------


def load_json_text(text: str) -> Any:
    # Decimal, never float: amounts and units keep every digit they were sent with.
    return json.loads(text, parse_float=Decimal)


def json_records(f: LandingFile, list_keys: Iterable[str] = ()) -> Iterator[tuple[int, Any, str] | Reject]:
    """(row_number, object, raw_text) per record of a `.json` or `.jsonl` file.

    `.json` may be one object, an array, a Stripe-style list `{"object":"list","data":[…]}`, or
    an envelope `{"<key>": […] | {…}, "meta": …}` for one of `list_keys` (GoCardless, Lago).
    Row numbers are lines for JSON Lines and 1-based element positions for JSON arrays.
    """
    text = read_text(f)
    name = f.path.name.removesuffix(".gz")
    if name.endswith((".jsonl", ".ndjson")):
        for i, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                yield i, load_json_text(line), line
            except json.JSONDecodeError as e:
                yield Reject(
                    row_number=i,
                    reason=f"the line is not valid JSON: {e.msg} at column {e.colno}",
                    raw_text=line,
                )
        return
    yield from numbered(unwrap(_parse_doc(text), list_keys))


def numbered(objects: list[Any]) -> Iterator[tuple[int, Any, str]]:
    for i, obj in enumerate(objects, start=1):
        yield i, obj, dumps(obj)


def load_json_doc(f: LandingFile) -> Any:
    """A whole `.json` file as one document (for callers that look at the envelope first)."""
    return _parse_doc(read_text(f))


def _parse_doc(text: str) -> Any:
    try:
        return load_json_text(text)
    except json.JSONDecodeError as e:
        raise UnreadableFile(f"not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from e


def unwrap(doc: Any, list_keys: Iterable[str] = (), object_keys: Iterable[str] = ()) -> list[Any]:
    """The objects of an API answer (every parser's one unwrapper): a bare array; a Stripe-style
    list `{"object": "list", "data": [...]}`; an envelope `{"<list key>": [...] | {...}, "meta": ...}`
    (GoCardless, Lago `{"plans": [...]}`, Salesforce `{"records": [...]}`); a single object under
    its singular key (Lago `{"plan": {...}}`); else the document itself as one object."""
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        if doc.get("object") == "list" and isinstance(doc.get("data"), list):
            return doc["data"]
        for key in list_keys:
            if key in doc:
                inner = doc[key]
                return inner if isinstance(inner, list) else [inner]
        for key in object_keys:
            if isinstance(doc.get(key), dict):
                return [doc[key]]
    return [doc]


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)


_NUMBER_MARK = "\x00num:"
_NUMBER_RE = re.compile(r'"\\u0000num:([-+0-9.eE]+)"')


def _mark_numbers(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return f"{_NUMBER_MARK}{obj}"
    if isinstance(obj, dict):
        return {k: _mark_numbers(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_mark_numbers(v) for v in obj]
    return obj


def record_json(obj: Any) -> str:
    """A source record as JSON text for `_record_json`: a JSON record with its numbers written as
    the source wrote them (JSON is read with Decimal, never float), a CSV row as header -> cell."""
    text = json.dumps(_mark_numbers(obj), separators=(",", ":"), default=str)
    return _NUMBER_RE.sub(r"\1", text)


def with_record(rows: list[Row], record: Any, raw_text: str | None) -> list[Row]:
    """Rows of one file record, the first carrying the whole record and all its original text."""
    if rows:
        rows[0].record_json = record_json(record)
    for row in rows:
        row.raw_text = raw_text
    return rows


def dig(obj: Any, *path: str) -> Any:
    for p in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(p)
    return obj


def ref_id(value: Any) -> str | None:
    """An id that an API returns either as a string or as an expanded object with `id`."""
    if isinstance(value, dict):
        value = value.get("id")
    return text_or_none(value)


# ---- scalar values -----------------------------------------------------------------------------


def text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


def required_text(value: Any, field: str, why: str) -> str:
    """A text value that must be there; BadValue naming the field and why it is needed."""
    text = text_or_none(value)
    if text is None:
        raise BadValue(field, value, f"{field} is empty: {why}")
    return text


def comma_joined(values: Any) -> str | None:
    """A list sent as an array, as comma-joined text (null when empty or absent)."""
    if values is None:
        return None
    if isinstance(values, list):
        return ",".join(str(v) for v in values) if values else None
    return str(values)


_TRUE = {"true", "1"}
_FALSE = {"false", "0"}


def parse_bool(value: Any, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    s = str(value).strip().lower()
    if not s:
        return None
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise BadValue(field, value, f"{field} must be true/false (or 1/0), got '{value}'")


_TS_RE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)(?:[.,](?P<frac>\d+))?)?"
    r"\s*(?P<tz>Z|UTC|GMT|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)


def parse_ts(value: Any, field: str, local_zone: tzinfo | None = None) -> datetime | None:
    """Timestamp → naive UTC (the one timestamp parser of ingestion; the runner's typing uses it too).

    Accepts a datetime (aware: converted; naive: taken as UTC) or a date (midnight); epoch
    seconds (int/float/Decimal/numeric text, fraction allowed; a number above 1e11 is epoch
    milliseconds); ISO-like text with `T` or a space, optional fraction, and `Z`/`UTC`/`+0000`/
    `+00:00`, or anything else Python's ISO 8601 reader accepts. Text without an offset is read in
    `local_zone` (default UTC: Fivetran and Salesforce write UTC). A day that does not exist
    (2025-02-30) is refused."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise BadValue(field, value, f"{field} must be a timestamp, got '{value}'")
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, int | float | Decimal) or re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", str(value)):
        try:
            secs = Decimal(str(value).strip())
            if abs(secs) > Decimal("1e11"):  # milliseconds (1e11 s would be the year 5138)
                secs = secs / 1000
            return datetime(1970, 1, 1) + timedelta(
                seconds=int(secs), microseconds=int((secs % 1) * 1_000_000)
            )
        except (OverflowError, InvalidOperation, ValueError):
            raise BadValue(field, value, f"{field} '{value}' is not a usable epoch timestamp") from None
    s = str(value).strip()
    m = _TS_RE.match(s)
    if not m:
        try:
            parsed = datetime.fromisoformat(s.replace("+0000", "+00:00"))
        except ValueError:
            raise BadValue(
                field, value, f"{field} '{value}' is not a timestamp (expected e.g. 2024-03-01T12:00:00Z)"
            ) from None
        if parsed.tzinfo is None and local_zone is not None:
            parsed = parsed.replace(tzinfo=local_zone)
        return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo is not None else parsed
    try:
        d = date.fromisoformat(m["date"])
        hh, mm, *ss = (int(x) for x in (m["time"] or "00:00").split(":"))
        micro = int((m["frac"] or "0")[:6].ljust(6, "0"))
        naive = datetime(d.year, d.month, d.day, hh, mm, ss[0] if ss else 0, micro)
    except ValueError:
        raise BadValue(field, value, f"{field} '{value}' is not a real date and time") from None
    tz = m["tz"]
    if tz is None:
        if local_zone is None:
            return naive
        return naive.replace(tzinfo=local_zone).astimezone(UTC).replace(tzinfo=None)
    if tz.upper() in ("Z", "UTC", "GMT"):
        return naive
    sign = 1 if tz[0] == "+" else -1
    digits = tz[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return naive - sign * offset


def parse_date(value: Any, field: str) -> date | None:
    """A business date. A time part, if the exporter added one (`2018-12-19 00:00:00`), is
    ignored rather than shifted: a close date is a calendar day, not an instant."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    s = str(value).strip()
    m = re.match(r"^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$", s)
    if not m:
        raise BadValue(field, value, f"{field} '{value}' is not a date (expected YYYY-MM-DD)")
    try:
        return date.fromisoformat(m.group(1))
    except ValueError:
        raise BadValue(field, value, f"{field} '{value}' is not a real calendar date") from None


_DECIMAL_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def parse_decimal(value: Any, field: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise BadValue(field, value, f"{field} must be a number, got '{value}'")
    if isinstance(value, int | Decimal):
        return Decimal(value)
    s = str(value).strip()
    if not _DECIMAL_RE.match(s):
        hint = " (use a dot as the decimal separator, no thousands separator)" if "," in s else ""
        raise BadValue(field, value, f"{field} '{value}' is not a decimal number{hint}")
    return Decimal(s)


def parse_int(value: Any, field: str) -> int | None:
    d = parse_decimal(value, field)
    if d is None:
        return None
    if d != d.to_integral_value():
        raise BadValue(field, value, f"{field} must be a whole number, got '{value}'")
    return int(d)


def parse_count(value: Any, field: str, minimum: int) -> int | None:
    """A whole number of at least `minimum` (days, attempts); null stays null, never 0."""
    number = parse_int(value, field)
    if number is not None and number < minimum:
        raise BadValue(field, value, f"{field} must be a whole number of at least {minimum}, got {number}")
    return number


def minor_units(value: Any, field: str) -> int | None:
    """An amount the source already sends in integer minor units (Stripe, GoCardless, Lago)."""
    d = parse_decimal(value, field)
    if d is None:
        return None
    if d != d.to_integral_value():
        raise BadValue(
            field, value, f"{field} is in minor units (cents) and must be a whole number, got '{value}'"
        )
    return int(d)


def currency(value: Any, field: str, required: bool = True) -> str | None:
    code = text_or_none(value)
    if code is None:
        if required:
            raise BadValue(field, value, f"{field} is empty: the amount has no currency")
        return None
    code = code.upper()
    if not is_known_currency(code):
        raise BadValue(
            field, value, f"unknown currency '{value}' in {field}: not an active ISO 4217 currency code"
        )
    return code


def major_to_minor(value: Any, field: str, currency_code: str) -> int | None:
    """A decimal amount in major units (Salesforce, Adyen) → integer minor units of the currency,
    exactly, through Decimal only. An amount with more decimals than the currency has (JPY
    1234.50, USD 10.005, BHD 1.2345) is refused, never rounded: rounding would change money the
    source stated without a trace. Trailing zeros are fine (JPY 1234.00)."""
    d = parse_decimal(value, field)
    if d is None:
        return None
    digits = exponent(currency_code)
    minor = d.scaleb(digits)
    if minor != minor.to_integral_value():
        allowed = "no decimals" if digits == 0 else f"{digits} decimal{'s' if digits > 1 else ''}"
        raise BadValue(
            field,
            value,
            f"{field} '{value}' has more decimals than {currency_code} allows ({allowed}); "
            "the amount is not rounded: correct it in the source",
        )
    return int(minor)


def invoice_ref_from_metadata(metadata: Any) -> str | None:
    """The invoice a gateway record points to through free-form metadata."""
    if isinstance(metadata, str):
        metadata = parse_json_loose(metadata)
    if not isinstance(metadata, dict):
        return None
    for key in ("invoice_number", "invoice_id", "invoice"):
        v = text_or_none(metadata.get(key))
        if v:
            return v
    return None


def parse_json_loose(text: str | None) -> Any:
    """JSON text in a CSV cell, tolerating the extra quoting some warehouse exports add around
    it; None when it is not JSON (the text is still kept in payload_json)."""
    if not text or not text.strip():
        return None
    s = text.strip()
    for candidate in (s, s.strip('"')):
        try:
            return load_json_text(candidate)
        except json.JSONDecodeError:
            continue
    return None


# ---- time zones given by name or abbreviation --------------------------------------------------

# Abbreviations name the offset in force when the row was written (an exporter prints CEST in
# summer and CET in winter), so they map to fixed offsets; IANA names go through zoneinfo.
TZ_ABBREVIATIONS: dict[str, timedelta] = {
    "UTC": timedelta(0),
    "GMT": timedelta(0),
    "WET": timedelta(0),
    "WEST": timedelta(hours=1),
    "BST": timedelta(hours=1),
    "CET": timedelta(hours=1),
    "CEST": timedelta(hours=2),
    "EET": timedelta(hours=2),
    "EEST": timedelta(hours=3),
    "EST": timedelta(hours=-5),
    "EDT": timedelta(hours=-4),
    "CST": timedelta(hours=-6),
    "CDT": timedelta(hours=-5),
    "MST": timedelta(hours=-7),
    "MDT": timedelta(hours=-6),
    "PST": timedelta(hours=-8),
    "PDT": timedelta(hours=-7),
    "JST": timedelta(hours=9),
    "SGT": timedelta(hours=8),
    "HKT": timedelta(hours=8),
    "AEST": timedelta(hours=10),
    "AEDT": timedelta(hours=11),
}


def zone(name: Any, field: str) -> tzinfo:
    s = text_or_none(name)
    if s is None:
        raise BadValue(field, name, f"{field} is empty: the local time cannot be converted to UTC")
    if s.upper() in TZ_ABBREVIATIONS:
        return timezone(TZ_ABBREVIATIONS[s.upper()], s.upper())
    try:
        return ZoneInfo(s)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadValue(field, name, f"{field} '{name}' is not a known time zone") from None
