"""Walk the landing folder and load every new file into the raw tables, one transaction per file.

Why this shape: a file is the unit of a batch (landing contract), so it either lands whole —
rows, quarantine, duplicates and its `raw.landing_files` record together — or it fails whole
with one readable reason while the other files go on. Files are known by content hash, so
landing the same bytes again is a no-op and a rerun changes nothing.

Counting rule: `rows_*` count the file's records (its row numbers: a CSV row, a JSON Lines
line, an element of a JSON array), so rows_read is what a person counts in the file and
rows_read = rows_loaded + rows_duplicate + rows_quarantined. A record is quarantined when any
of its rows was refused, else loaded when any of its rows was loaded, else a duplicate.
A record that fans out into child tables (a Lago plan and its charges, an ECB row and its
currency cells) shares its row number; the raw-table rows beyond one per loaded record are
`child_rows_loaded`, so rows_loaded + child_rows_loaded = the file's rows across its raw tables.
Children follow their parent's fate, so a duplicate plan brings no second copy of its charges.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from dagster_project.ingest.base import BadValue, LandingFile, Reject, Row, UnreadableFile
from dagster_project.ingest.coerce import to_db_text
from dagster_project.ingest.schema import RAW_SCHEMA, create_raw_tables, table_columns
from dagster_project.ingest.sources import SOURCES, NoParser, get_bulk_loader, get_context, get_parser
from dagster_project.ingest.sources._common import parse_ts

log = logging.getLogger(__name__)

EXTENSIONS = (".json", ".jsonl", ".csv", ".parquet")


@dataclass
class FileResult:
    source: str
    entity: str
    file_path: str
    sha256: str
    status: str  # loaded | failed | unchanged
    rows_read: int = 0
    rows_loaded: int = 0
    rows_duplicate: int = 0
    rows_quarantined: int = 0
    child_rows_loaded: int = 0
    error: str | None = None


@dataclass
class IngestSummary:
    files: list[FileResult] = field(default_factory=list)

    def processed(self) -> list[FileResult]:
        return [f for f in self.files if f.status != "unchanged"]

    def by_source(self) -> dict[str, dict[str, int]]:
        """Per source: files seen, new files loaded, records loaded/duplicate/quarantined, failed
        files, and child rows loaded (raw-table rows beyond one per loaded record)."""
        out: dict[str, dict[str, int]] = {}
        for f in self.files:
            t = out.setdefault(
                f.source,
                {
                    "files": 0,
                    "unchanged": 0,
                    "loaded": 0,
                    "duplicates": 0,
                    "quarantined": 0,
                    "failed": 0,
                    "child_rows": 0,
                },
            )
            t["files"] += 1
            t["unchanged"] += f.status == "unchanged"
            t["failed"] += f.status == "failed"
            t["loaded"] += f.rows_loaded
            t["duplicates"] += f.rows_duplicate
            t["quarantined"] += f.rows_quarantined
            t["child_rows"] += f.child_rows_loaded
        return out

    def total(self, key: str) -> int:
        return sum(t[key] for t in self.by_source().values())

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]


# --------------------------------------------------------------------------------------------
# discovery


def landing_key(source: str, sha256: str, rel_path: str) -> str:
    """What makes a landing file new. Content decides (the same bytes again are a no-op), except
    for reference files: finance re-lands an earlier file to put its values back in force
    (A -> B -> A), so there the same bytes under a new path are a new landing."""
    return f"{sha256}|{rel_path}" if source == "reference" else sha256


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def is_landing_file(path: Path) -> bool:
    name = path.name.lower().removesuffix(".gz")
    return path.is_file() and not path.name.startswith(".") and name.endswith(EXTENSIONS)


def discover(landing_root: Path, only: Path | None = None, sources: list[str] | None = None) -> list[Path]:
    """Landing files in processing order: reference first, then by source, then sorted path."""
    landing_root = landing_root.resolve()
    scope = (only or landing_root).resolve()
    if scope != landing_root and landing_root not in scope.parents:
        raise ValueError(f"{scope} is not inside the landing folder {landing_root}")
    candidates = [scope] if scope.is_file() else sorted(p for p in scope.rglob("*"))
    files = [p for p in candidates if is_landing_file(p) and len(p.relative_to(landing_root).parts) >= 2]
    wanted = set(sources) if sources else None
    order = {s: i for i, s in enumerate(SOURCES)}

    def source_of(p: Path) -> str:
        return p.relative_to(landing_root).parts[0]

    files = [p for p in files if wanted is None or source_of(p) in wanted]
    return sorted(
        files, key=lambda p: (order.get(source_of(p), len(order)), p.relative_to(landing_root).as_posix())
    )


def landing_file(landing_root: Path, path: Path, options: dict) -> LandingFile:
    rel = path.resolve().relative_to(landing_root.resolve())
    parts = rel.parts
    return LandingFile(
        source=parts[0],
        entity=parts[1] if len(parts) > 2 else "",
        path=path.resolve(),
        rel_path=rel.as_posix(),
        sha256=sha256_of(path),
        size=path.stat().st_size,
        options=dict(options),
    )


def read_settings(landing_root: Path) -> dict[str, str]:
    """Keys of landed reference/settings CSVs (later files win); read before anything else because
    they say how to decode the other sources' files."""
    settings: dict[str, str] = {}
    folder = landing_root / "reference" / "settings"
    for path in sorted(folder.rglob("*.csv")) if folder.is_dir() else []:
        try:
            for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")):
                key, value = (row.get("key") or "").strip(), (row.get("value") or "").strip()
                if key:
                    settings[key] = value
        except (UnicodeDecodeError, csv.Error) as exc:
            log.warning("cannot read settings file %s: %s", path, exc)
    return settings


def source_options(settings: dict[str, str], source: str) -> dict:
    """Parser options of a source from settings keys `<option>.<source>` (landing contract names
    `encoding.<source>`; parsers also read e.g. `delimiter.<source>`, `default_currency.crm`)."""
    suffix = f".{source}"
    return {k.removesuffix(suffix): v for k, v in settings.items() if k.endswith(suffix) and v}


# --------------------------------------------------------------------------------------------
# writing


def insert_rows(con, table: str, rows: list[dict], schema: str = RAW_SCHEMA) -> None:
    """Insert dicts (column -> text or None) with one set-wise cast, not a statement per row."""
    if not rows:
        return
    cols = table_columns(table)
    data = pa.table({c: pa.array([r.get(c) for r in rows], type=pa.string()) for c, _ in cols})
    name = f"_ingest_{table}"
    con.register(name, data)
    try:
        select = ", ".join(f'cast("{c}" as {t})' for c, t in cols)
        names = ", ".join(f'"{c}"' for c, _ in cols)
        con.execute(f"insert into {schema}.{table} ({names}) select {select} from {name}")
    finally:
        con.unregister(name)


def _ts(dt: datetime | None) -> str | None:
    return dt.isoformat(sep=" ") if dt else None


def _file_identity(f: LandingFile) -> dict:
    """The columns naming a landing file, as raw.quarantine and raw.landing_files record it."""
    return {"source": f.source, "entity": f.entity, "file_path": f.rel_path, "file_sha256": f.sha256}


def quarantine_row(f: LandingFile, reject: Reject, now: datetime) -> dict:
    return {
        **_file_identity(f),
        "row_number": str(reject.row_number),
        "field": reject.field,
        "value": None if reject.value is None else str(reject.value)[:10_000],
        "reason": reject.reason,
        "raw_text": None if reject.raw_text is None else str(reject.raw_text),  # whole, never cut
        "quarantined_at": _ts(now),
    }


def landing_record(f: LandingFile, result: FileResult, now: datetime) -> dict:
    return {
        **_file_identity(f),
        "file_bytes": str(f.size),
        "rows_read": str(result.rows_read),
        "rows_loaded": str(result.rows_loaded),
        "rows_duplicate": str(result.rows_duplicate),
        "rows_quarantined": str(result.rows_quarantined),
        "child_rows_loaded": str(result.child_rows_loaded),
        "status": result.status,
        "error": result.error,
        "loaded_at": _ts(now),
    }


def _coerce(row: Row) -> dict:
    cols = dict(table_columns(row.table))
    unknown = set(row.values) - set(cols)
    if unknown:
        raise BadValue(
            sorted(unknown)[0], None, f"parser bug: {row.table} has no column(s) {sorted(unknown)}"
        )
    return {c: to_db_text(c, cols[c], v) for c, v in row.values.items()}


def _raw_text(row: Row) -> str:
    """The record's original text when the parser kept it, else the parsed values as JSON."""
    if row.raw_text is not None:
        return row.raw_text
    if row.record_json is not None:
        return row.record_json
    return json.dumps(row.values, default=str, ensure_ascii=False)


def load_parsed_file(con, f: LandingFile, items: list[Row | Reject], now: datetime) -> FileResult:
    """Write one parsed file (inside the caller's transaction); decides duplicates by natural key."""
    result = FileResult(f.source, f.entity, f.rel_path, f.sha256, "loaded")
    rejects: list[Reject] = []
    rows: list[tuple[Row, dict]] = []
    rejected_parent: dict[int, str] = {}  # row number -> reason its keyed row was quarantined
    for item in items:
        if isinstance(item, Reject):
            rejects.append(item)
            continue
        if item.natural_key is None and item.row_number in rejected_parent:
            # a child of a quarantined object is quarantined with it, never loaded as an orphan
            rejects.append(
                Reject(
                    item.row_number,
                    f"{item.table}: its parent was quarantined ({rejected_parent[item.row_number]})",
                    raw_text=_raw_text(item),
                )
            )
            continue
        try:
            if item.version_at is not None:
                try:
                    version_at = parse_ts(item.version_at, "version_at")
                except BadValue:
                    version_at = None
                if version_at is None:
                    raise BadValue(
                        "version_at",
                        item.version_at,
                        f"version timestamp {item.version_at!r} is not a timestamp",
                    )
                item.version_at = version_at
            rows.append((item, _coerce(item)))
            if item.natural_key is not None:
                rejected_parent.pop(item.row_number, None)
        except BadValue as exc:
            rejects.append(Reject(item.row_number, exc.reason, exc.field, exc.value, _raw_text(item)))
            if item.natural_key is not None:
                rejected_parent[item.row_number] = exc.reason

    keys = sorted({r.natural_key for r, _ in rows if r.natural_key is not None})
    existing: dict[tuple[str, str, str | None], str] = {}
    if keys:
        con.register("_ingest_keys", pa.table({"natural_key": pa.array(keys, type=pa.string())}))
        try:
            for table, key, version, path in con.execute(
                f"select table_name, natural_key, version_at, file_path from {RAW_SCHEMA}.loaded_keys "
                "where source = ? and natural_key in (select natural_key from _ingest_keys)",
                [f.source],
            ).fetchall():
                existing.setdefault((table, key, _ts(version)), path)
        finally:
            con.unregister("_ingest_keys")

    # a keyed row decides the fate of the un-keyed rows (children) that follow it with the same
    # row number (a subscription, then its embedded plan, then that plan's charges)
    fate: dict[int, tuple[bool, str | None, str | None]] = {}
    to_load: dict[str, list[dict]] = {}
    new_keys: list[dict] = []
    dups: list[dict] = []
    seen: dict[tuple[str, str, str | None], str] = {}
    for row, values in rows:
        version = _ts(row.version_at) if row.version_at is not None else None
        if row.natural_key is not None:
            ident = (row.table, row.natural_key, version)
            first = existing.get(ident) or seen.get(ident)
            is_dup = first is not None
            if not is_dup:
                seen[ident] = f.rel_path
                new_keys.append(
                    {
                        "source": f.source,
                        "table_name": row.table,
                        "natural_key": row.natural_key,
                        "version_at": version,
                        "file_path": f.rel_path,
                        "file_sha256": f.sha256,
                        "row_number": str(row.row_number),
                        "loaded_at": _ts(now),
                    }
                )
            fate[row.row_number] = (is_dup, row.natural_key, first)
        else:
            is_dup, key, first = fate.get(row.row_number, (False, None, None))
            version = None
        if is_dup:
            dups.append(
                {
                    "source": f.source,
                    "entity": f.entity,
                    "natural_key": row.natural_key or key,
                    "file_path": f.rel_path,
                    "file_sha256": f.sha256,
                    "row_number": str(row.row_number),
                    "first_file_path": first,
                    "detected_at": _ts(now),
                    "table_name": row.table,
                    "version_at": version,
                }
            )
            continue
        values = dict(values)
        values.update(
            _source_file=f.rel_path,
            _file_sha256=f.sha256,
            _row_number=str(row.row_number),
            _ingested_at=_ts(now),
            _record_json=row.record_json,
        )
        to_load.setdefault(row.table, []).append(values)

    for table, table_rows in to_load.items():
        insert_rows(con, table, table_rows)
    insert_rows(con, "loaded_keys", new_keys)
    insert_rows(con, "duplicates", dups)
    insert_rows(con, "quarantine", [quarantine_row(f, r, now) for r in rejects])
    quarantined = {r.row_number for r in rejects}
    loaded = {int(v["_row_number"]) for table_rows in to_load.values() for v in table_rows} - quarantined
    duplicate = {int(d["row_number"]) for d in dups} - quarantined - loaded
    result.rows_loaded = len(loaded)
    result.rows_duplicate = len(duplicate)
    result.rows_quarantined = len(quarantined)
    result.rows_read = result.rows_loaded + result.rows_duplicate + result.rows_quarantined
    result.child_rows_loaded = sum(len(v) for v in to_load.values()) - result.rows_loaded
    return result


def _load_one(con, f: LandingFile, now: datetime) -> FileResult:
    bulk = get_bulk_loader(f.source)
    if bulk is not None:
        return bulk(con, f, now)
    parse = get_parser(f.source)
    context = get_context(f.source)
    if context is not None:
        f.options.update(context(con, f))
    return load_parsed_file(con, f, list(parse(f)), now)


def _describe_error(f: LandingFile, exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, UnreadableFile | NoParser):
        return text if f.rel_path in text else f"{f.rel_path}: {text}"
    return f"{f.rel_path}: cannot be read ({type(exc).__name__}: {text})"


def ingest_file(
    con, f: LandingFile, now: datetime, previous: tuple[str, str | None] | None = None
) -> FileResult:
    """Load one file in its own transaction; on any failure record it whole as 'failed'.

    A file that failed before is tried again (a parser or a declared encoding may have been
    fixed); if it fails again with the same error nothing is rewritten, so reruns are no-ops.
    """
    con.execute("begin transaction")
    try:
        if previous is not None:
            _forget_failure(con, f)
        result = _load_one(con, f, now)
        insert_rows(con, "landing_files", [landing_record(f, result, now)])
        con.execute("commit")
    except Exception as exc:  # any parser exception is a per-file failure, never a run failure
        con.execute("rollback")
        error = _describe_error(f, exc)
        log.warning("ingestion failed for %s: %s", f.rel_path, error)
        result = FileResult(f.source, f.entity, f.rel_path, f.sha256, "failed", error=error)
        if previous is not None and previous == ("failed", error):
            return result  # still failing for the same reason: reported again, nothing rewritten
        con.execute("begin transaction")
        if previous is not None:
            _forget_failure(con, f)
        insert_rows(con, "quarantine", [quarantine_row(f, Reject(0, error, raw_text=None), now)])
        insert_rows(con, "landing_files", [landing_record(f, result, now)])
        con.execute("commit")
    return result


def _forget_failure(con, f: LandingFile) -> None:
    con.execute(
        f"delete from {RAW_SCHEMA}.quarantine where file_sha256 = ? and row_number = 0 and source = ?",
        [f.sha256, f.source],
    )
    con.execute(
        f"delete from {RAW_SCHEMA}.landing_files where file_sha256 = ? and status = 'failed' and source = ?",
        [f.sha256, f.source],
    )


def ingest_landing(
    con,
    landing_root: Path,
    only: Path | None = None,
    sources: list[str] | None = None,
    progress: bool = False,
) -> IngestSummary:
    """Load every landing file not loaded yet (by sha256) and return what happened per file."""
    landing_root = Path(landing_root).resolve()
    con.execute("set enable_progress_bar = false")  # DuckDB's bar would interleave with ours / logs
    ordered = con.execute("select current_setting('preserve_insertion_order')").fetchall()[0][0]
    create_raw_tables(con)
    known: dict[str, tuple[str, str | None]] = {
        landing_key(source, sha, path): (status, error)
        for source, sha, path, status, error in con.execute(
            f"select source, file_sha256, file_path, status, error from {RAW_SCHEMA}.landing_files "
            "order by loaded_at"
        ).fetchall()
    }
    settings = read_settings(landing_root)
    paths = discover(landing_root, only, sources)
    now = datetime.now(UTC).replace(tzinfo=None)
    summary = IngestSummary()

    bar = None
    if progress and paths:
        from rich.progress import Progress

        bar = Progress(transient=True)
        bar.start()
        task = bar.add_task("ingesting", total=len(paths))
    try:
        for path in paths:
            source = path.relative_to(landing_root).parts[0]
            f = landing_file(landing_root, path, source_options(settings, source))
            key = landing_key(f.source, f.sha256, f.rel_path)
            previous = known.get(key)
            if previous is not None and previous[0] != "failed":
                summary.files.append(FileResult(f.source, f.entity, f.rel_path, f.sha256, "unchanged"))
            else:
                result = ingest_file(con, f, now, previous)
                # a loader may relax ordering for its own file (usage Parquet); never for the next
                con.execute(f"set preserve_insertion_order = {'true' if ordered else 'false'}")
                summary.files.append(result)
                if result.status != "unchanged":
                    known[key] = (result.status, result.error)
            if bar is not None:
                bar.update(task, advance=1, description=f.rel_path[-60:])
    finally:
        if bar is not None:
            bar.stop()
    return summary


def top_reasons(con, limit: int = 10, file_sha256: list[str] | None = None) -> list[tuple[str, str, int]]:
    """(source, reason, rows) most frequent quarantine reasons, optionally for some files only."""
    sql = f"select source, reason, count(*) n from {RAW_SCHEMA}.quarantine"
    params: list = []
    if file_sha256 is not None:
        if not file_sha256:
            return []
        con.register("_ingest_shas", pa.table({"sha": pa.array(file_sha256, type=pa.string())}))
        sql += " where file_sha256 in (select sha from _ingest_shas)"
    sql += " group by all order by n desc, source, reason limit ?"
    params.append(limit)
    try:
        return [(s, r, int(n)) for s, r, n in con.execute(sql, params).fetchall()]
    finally:
        if file_sha256:
            con.unregister("_ingest_shas")
