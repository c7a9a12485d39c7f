"""A new publish shows on the next rerun: the query cache is keyed on the build id, and no
connection stays open on the replaced file."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
from dashboard_helpers import assert_ran, metrics, run_page

from dashboards.ui import format_money


def _publish(path: Path, build_id: str, totals_minor: list[int]) -> None:
    """A minimal published copy, swapped in with os.replace as `publish` does."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    con.execute("create schema billing")
    con.execute(
        "create table billing.fct_invoices (invoice_id varchar, invoice_number varchar, "
        "billing_entity_code varchar, external_customer_id varchar, currency varchar, issuing_date date, "
        "status varchar, sub_total_excluding_taxes_amount_minor bigint, taxes_amount_minor bigint, "
        "total_amount_minor bigint)"
    )
    for i, total in enumerate(totals_minor):
        con.execute(
            "insert into billing.fct_invoices values (?, ?, 'e1', 'c1', 'BHD', date '2026-01-01', "
            "'finalized', ?, 0, ?)",
            [f"inv{i}", f"N{i}", total, total],
        )
    con.execute("create schema meta")
    con.execute("create table meta.build as select ? as build_id", [build_id])
    con.close()
    os.replace(tmp, path)


def test_new_build_id_refreshes_the_figures(tmp_path, monkeypatch):
    path = tmp_path / "published.duckdb"
    monkeypatch.setenv("REVHOUSE_PUBLISHED_PATH", str(path))

    # build A: one invoice of 1.500 BHD (1500 fils)
    _publish(path, "build-a", [1500])
    at = run_page("overview")
    assert_ran(at)
    assert metrics(at)["Invoices"] == "1"
    assert metrics(at)["Billed BHD"] == format_money(1500, "BHD")

    # build B adds an invoice of 0.250 BHD: 2 invoices, 1500 + 250 = 1750 fils
    _publish(path, "build-b", [1500, 250])
    at.run()
    assert_ran(at)
    assert metrics(at)["Invoices"] == "2"
    assert metrics(at)["Billed BHD"] == format_money(1750, "BHD")
