"""The app explains itself instead of showing a traceback when there is nothing to read."""

from __future__ import annotations

from dashboard_helpers import assert_ran, publish_raw_tables_only, run_page, texts


def test_missing_published_file_says_run_make_run(tmp_path, monkeypatch):
    monkeypatch.setenv("REVHOUSE_PUBLISHED_PATH", str(tmp_path / "nowhere.duckdb"))
    at = run_page("overview")
    assert_ran(at)
    assert len(at.error) == 1
    assert "make run" in at.error[0].value
    assert "nowhere.duckdb" in at.error[0].value
    assert not at.metric


def test_unreadable_published_file_says_run_make_run(tmp_path, monkeypatch):
    path = tmp_path / "published.duckdb"
    path.write_bytes(b"this is not a DuckDB file" * 200)
    monkeypatch.setenv("REVHOUSE_PUBLISHED_PATH", str(path))
    at = run_page("overview")
    assert_ran(at)
    assert len(at.error) == 1
    assert "cannot be read" in at.error[0].value and "make run" in at.error[0].value


def test_missing_and_empty_marts_are_named_on_the_page(tmp_path, monkeypatch):
    # A published copy from before the marts existed: raw tables only, billing empty.
    publish_raw_tables_only(
        tmp_path,
        monkeypatch,
        "create schema billing",
        "create table billing.fct_invoices (invoice_id varchar, currency varchar)",
    )

    at = run_page("mrr")
    assert_ran(at)
    assert "metrics.fct_mrr" in texts(at) and "make run" in texts(at)

    at = run_page("overview")
    assert_ran(at)
    assert "billing.fct_invoices" in texts(at) and "empty" in texts(at)

    at = run_page("data-quality")
    assert_ran(at)
    assert "raw.landing_files" in texts(at) and "empty" in texts(at)
