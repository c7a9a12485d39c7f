"""Proof from the raw tables alone that ingestion neither lost nor invented rows.

Two rules, checked per landed file of a source (used by the Dagster asset checks and tests):
1. rows_read = rows_loaded + rows_duplicate + rows_quarantined in raw.landing_files;
2. what the file's record claims is what the raw tables hold: its rows across the source's
   raw tables, its raw.duplicates rows and its raw.quarantine rows match the three counts —
   so deleting (or adding) a raw row makes the check fail.
"""

from __future__ import annotations

from dagster_project.ingest.schema import RAW_SCHEMA
from dagster_project.ingest.sources import source_tables


def conservation_problems(con, source: str, limit: int = 20) -> list[str]:
    """Human-readable mismatches for `source` (empty list = conserved)."""
    tables = source_tables(source)
    loaded = " union all ".join(
        f"select _file_sha256 as sha, count(*) as n from {RAW_SCHEMA}.{t} group by 1" for t in tables
    )
    sql = f"""
        with files as (
            select file_path, file_sha256, status, rows_read, rows_loaded, rows_duplicate, rows_quarantined
            from {RAW_SCHEMA}.landing_files where source = ?
        ),
        loaded as (select sha, sum(n) as n from ({loaded}) group by sha),
        dups as (select file_sha256 as sha, count(*) as n from {RAW_SCHEMA}.duplicates where source = ? group by 1),
        quar as (
            select file_sha256 as sha, count(*) as n from {RAW_SCHEMA}.quarantine
            where source = ? and row_number > 0 group by 1
        )
        select f.file_path, f.rows_read, f.rows_loaded, f.rows_duplicate, f.rows_quarantined,
               coalesce(l.n, 0), coalesce(d.n, 0), coalesce(q.n, 0)
        from files f
        left join loaded l on l.sha = f.file_sha256
        left join dups d on d.sha = f.file_sha256
        left join quar q on q.sha = f.file_sha256
        where f.rows_read <> f.rows_loaded + f.rows_duplicate + f.rows_quarantined
           or f.rows_loaded <> coalesce(l.n, 0)
           or f.rows_duplicate <> coalesce(d.n, 0)
           or f.rows_quarantined <> coalesce(q.n, 0)
        order by f.file_path
        limit {int(limit)}
    """
    problems = []
    for path, read, loaded_n, dup_n, quar_n, raw_loaded, raw_dup, raw_quar in con.execute(
        sql, [source, source, source]
    ).fetchall():
        problems.append(
            f"{path}: landing_files says read {read} = loaded {loaded_n} + duplicates {dup_n} + quarantined "
            f"{quar_n}; raw tables hold loaded {raw_loaded}, duplicates {raw_dup}, quarantined {raw_quar}"
        )
    # rows whose file has no landing record at all (e.g. inserted by hand) are invented rows
    orphans = con.execute(
        f"""select count(*) from ({loaded}) r
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
                   coalesce(sum(rows_quarantined), 0), max(loaded_at)
            from {RAW_SCHEMA}.landing_files where source = ?""",
        [source],
    ).fetchall()[0]
    keys = ["files", "failed_files", "rows_read", "rows_loaded", "rows_duplicate", "rows_quarantined"]
    return {k: int(v) for k, v in zip(keys, row[:6], strict=True)}
