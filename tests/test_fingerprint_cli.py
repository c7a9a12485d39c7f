"""`revhouse fingerprint`: the kept check that a refactor changes no mart row (issue #11)."""

from __future__ import annotations

import duckdb
from typer.testing import CliRunner

from dagster_project.cli import app


def _warehouse(path, total: int, frozen_at: str) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema billing")
    con.execute(
        "create table billing.fct_invoices (invoice_id varchar, total_amount_minor bigint, frozen_at timestamp)"
    )
    con.execute(
        "insert into billing.fct_invoices values ('i1', ?, ?), ('i2', 500, ?)", [total, frozen_at, frozen_at]
    )
    con.execute("create schema staging")  # not a mart schema: never part of the fingerprint
    con.execute("create table staging.t as select 1 as x")
    con.close()


def test_same_rows_built_at_another_time_are_identical_and_a_changed_amount_is_named(tmp_path):
    runner = CliRunner()
    _warehouse(tmp_path / "a.duckdb", 1200, "2026-01-01 00:00:00")
    first = runner.invoke(app, ["fingerprint", "--warehouse", str(tmp_path / "a.duckdb")])
    assert first.exit_code == 0, first.output
    (tmp_path / "before.json").write_text(first.output)
    assert "staging" not in first.output

    _warehouse(tmp_path / "b.duckdb", 1200, "2026-02-02 10:00:00")  # only the wall clock differs
    same = runner.invoke(
        app,
        [
            "fingerprint",
            "--warehouse",
            str(tmp_path / "b.duckdb"),
            "--compare",
            str(tmp_path / "before.json"),
        ],
    )
    assert same.exit_code == 0, same.output
    assert "1 of 1 mart tables identical" in same.output

    _warehouse(tmp_path / "c.duckdb", 1201, "2026-01-01 00:00:00")  # one minor unit more
    changed = runner.invoke(
        app,
        [
            "fingerprint",
            "--warehouse",
            str(tmp_path / "c.duckdb"),
            "--compare",
            str(tmp_path / "before.json"),
        ],
    )
    assert changed.exit_code == 1
    assert "differs: billing.fct_invoices" in changed.output
