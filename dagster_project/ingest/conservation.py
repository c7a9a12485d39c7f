"""Proof from the raw tables alone that ingestion neither lost nor invented rows.

Rules, checked per landed file of a source (used by the Dagster asset checks and tests):
1. rows_read = rows_loaded + rows_duplicate + rows_quarantined in raw.landing_files (records);
2. what the file's record claims is what the raw tables hold: its records (row numbers) are
   classed from the raw tables as the runner classes them — quarantined when raw.quarantine has
   a row with that number, else loaded when a raw table has one, else duplicate when
   raw.duplicates has one — and the three counts match; and rows_loaded + child_rows_loaded
   equals the file's rows across the source's raw tables. So deleting (or adding) a raw row
   makes the check fail.
"""

from __future__ import annotations

from dagster_project.ingest.schema import RAW_SCHEMA
from dagster_project.ingest.sources import source_tables


def conservation_problems(con, source: str, limit: int = 20) -> list[str]:
    """Human-readable mismatches for `source` (empty list = conserved)."""
    tables = source_tables(source)
    loaded = " union all ".join(
        f"select _file_sha256 as sha, _row_number as rn, count(*) as n from {RAW_SCHEMA}.{t} group by 1, 2"
        for t in tables
    )
    sql = f"""
        with files as (
            select file_path, file_sha256, status, rows_read, rows_loaded, rows_duplicate, rows_quarantined,
                   coalesce(child_rows_loaded, 0) as child_rows_loaded
            from {RAW_SCHEMA}.landing_files where source = ?
        ),
        raw_rows as (select sha, rn, sum(n) as n from ({loaded}) group by sha, rn),
        marks as (
            select sha, rn, 2 as fate from raw_rows
            union all
            select file_sha256, row_number, 3 from {RAW_SCHEMA}.quarantine where source = ? and row_number > 0
            union all
            select file_sha256, row_number, 1 from {RAW_SCHEMA}.duplicates where source = ?
        ),
        records as (select sha, rn, max(fate) as fate from marks group by sha, rn),
        counted as (
            select sha, count(*) filter (where fate = 2) as l, count(*) filter (where fate = 1) as d,
                   count(*) filter (where fate = 3) as q
            from records group by sha
        ),
        table_rows as (select sha, sum(n) as n from raw_rows group by sha)
        select f.file_path, f.rows_read, f.rows_loaded, f.rows_duplicate, f.rows_quarantined,
               coalesce(c.l, 0), coalesce(c.d, 0), coalesce(c.q, 0), f.child_rows_loaded, coalesce(t.n, 0)
        from files f
        left join counted c on c.sha = f.file_sha256
        left join table_rows t on t.sha = f.file_sha256
        where f.rows_read <> f.rows_loaded + f.rows_duplicate + f.rows_quarantined
           or f.rows_loaded <> coalesce(c.l, 0)
           or f.rows_duplicate <> coalesce(c.d, 0)
           or f.rows_quarantined <> coalesce(c.q, 0)
           or f.rows_loaded + f.child_rows_loaded <> coalesce(t.n, 0)
        order by f.file_path
        limit {int(limit)}
    """
    problems = []
    for path, read, loaded_n, dup_n, quar_n, raw_loaded, raw_dup, raw_quar, child_n, table_n in con.execute(
        sql, [source, source, source]
    ).fetchall():
        problems.append(
            f"{path}: landing_files says read {read} = loaded {loaded_n} + duplicates {dup_n} + quarantined "
            f"{quar_n} records, {loaded_n + child_n} raw-table rows ({child_n} child rows); raw tables hold "
            f"loaded {raw_loaded}, duplicates {raw_dup}, quarantined {raw_quar} records, {table_n} raw-table rows"
        )
    # rows whose file has no landing record at all (e.g. inserted by hand) are invented rows
    orphans = con.execute(
        f"""select count(distinct r.sha) from ({loaded}) r
            where r.sha not in (select file_sha256 from {RAW_SCHEMA}.landing_files where source = ?)""",
        [source],
    ).fetchall()[0][0]
    if orphans:
        problems.append(
            f"{orphans} file(s) have rows in the {source} raw tables but no raw.landing_files record"
        )
    return problems


def source_counts(con, source: str) -> dict[str, int]:
    """Totals over every file of the source ever landed (for metadata and the CLI)."""
    row = con.execute(
        f"""select count(*), count(*) filter (where status = 'failed'), coalesce(sum(rows_read), 0),
                   coalesce(sum(rows_loaded), 0), coalesce(sum(rows_duplicate), 0),
                   coalesce(sum(rows_quarantined), 0), coalesce(sum(child_rows_loaded), 0), max(loaded_at)
            from {RAW_SCHEMA}.landing_files where source = ?""",
        [source],
    ).fetchall()[0]
    keys = [
        "files",
        "failed_files",
        "rows_read",
        "rows_loaded",
        "rows_duplicate",
        "rows_quarantined",
        "child_rows_loaded",
    ]
    return {k: int(v) for k, v in zip(keys, row[:7], strict=True)}
