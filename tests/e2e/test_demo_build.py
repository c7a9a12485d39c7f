"""End to end on the demo data `make test` generated and built (REVHOUSE_DATA_DIR=data/test).

These read the published copy and the landing files independently, so a number is checked
from the file it came from to the mart a dashboard shows.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dagster_project.warehouse import content_hash

pytestmark = pytest.mark.e2e


def test_every_landed_row_is_loaded_duplicate_or_quarantined(published_db):
    bad = published_db.execute(
        """
        select file_path, rows_read, rows_loaded, rows_duplicate, rows_quarantined
        from raw.landing_files
        where status = 'loaded' and rows_read <> rows_loaded + rows_duplicate + rows_quarantined
        """
    ).fetchall()
    assert bad == []
    sources = {r[0] for r in published_db.execute("select distinct source from raw.landing_files").fetchall()}
    assert {"usage", "catalog", "crm", "payments", "billed", "fx", "reference"} <= sources


def test_demo_planted_bad_rows_are_quarantined_with_reasons(published_db):
    rows = published_db.execute(
        "select source, file_path, row_number, reason from raw.quarantine where source = 'usage'"
    ).fetchall()
    assert rows, "the demo plants bad usage lines; none reached quarantine"
    assert all(r[1] and r[3] for r in rows), "a quarantine row lacks its file or reason"


def test_revenue_schedule_closes_each_obligation_to_its_allocation_net_of_changes(published_db, settings):
    """Σ schedule over a PO = its allocated amount − Σ its changes (credit notes, voids), and the
    planted credit notes (the goodwill ones and those the assurance near misses carry) reach the
    obligations of the lines they credit."""
    off = published_db.execute(
        """
        with changes as (
            select po_id, sum(amount_minor) as changed_minor
            from intermediate.int_revrec__po_changes group by po_id
        ),
        scheduled as (
            select po_id, sum(amount_minor) as scheduled_minor from revrec.fct_revenue_schedule group by po_id
        )
        select po.po_id, po.allocated_amount_minor, changes.changed_minor, scheduled.scheduled_minor
        from intermediate.int_revrec__performance_obligations po
        left join changes using (po_id)
        left join scheduled using (po_id)
        where po.allocated_amount_minor - coalesce(changes.changed_minor, 0) <> coalesce(scheduled.scheduled_minor, 0)
        """
    ).fetchall()
    assert off == []
    assert published_db.execute("select count(*) from revrec.fct_revenue_schedule").fetchone()[0] > 0
    credited = published_db.execute(
        "select count(distinct document_id) from intermediate.int_revrec__po_changes "
        "where document_id in (select credit_note_id from staging.stg_billed__credit_notes)"
    ).fetchone()[0]
    with (settings.truth_dir / "revrec_credit_notes.csv").open() as f:
        planted = len(list(csv.DictReader(f)))
    with (settings.truth_dir / "assurance_cases.csv").open() as f:
        planted += sum(1 for r in csv.DictReader(f) if r["fault_type"] == "near_miss_credit_note")
    assert (
        credited
        == published_db.execute("select count(*) from staging.stg_billed__credit_notes").fetchone()[0]
        == planted
    )


def test_planted_credit_notes_change_only_the_line_they_credit(published_db, settings):
    """A8: each planted goodwill note's item names the plan fee (truth credited_line_lago_id), so
    its whole excl-tax amount and tax come off that line's PO (<invoice id>:<fee lago_id>) and
    no other PO of the invoice."""
    with (settings.truth_dir / "revrec_credit_notes.csv").open() as f:
        planted = list(csv.DictReader(f))
    assert len(planted) == 2
    for note in planted:
        changes = published_db.execute(
            """
            select changes.po_id, invoices.invoice_id, changes.amount_minor, changes.taxes_amount_minor,
                   changes.spread_reason
            from intermediate.int_revrec__po_changes as changes
            inner join staging.stg_billed__credit_notes as notes on changes.change_id = notes.credit_note_id
            inner join staging.stg_billed__invoices as invoices on notes.invoice_id = invoices.invoice_id
            where notes.credit_note_number = ?
            """,
            [note["credit_note_number"]],
        ).fetchall()
        assert len(changes) == 1, (note["credit_note_number"], changes)
        ((po_id, invoice_id, amount, taxes, reason),) = changes
        assert po_id == f"{invoice_id}:{note['credited_line_lago_id']}"
        assert (amount, taxes, reason) == (
            int(note["sub_total_excluding_taxes_minor"]),
            int(note["taxes_minor"]),
            None,
        )


def test_nothing_after_the_as_of_date_is_posted_as_revenue(published_db):
    as_of = published_db.execute(
        "select max(report_date) from intermediate.int_collections__report_dates where is_as_of_date"
    ).fetchone()[0]
    late = published_db.execute(
        "select count(*) from intermediate.int_revrec__postings where posting_date > ? "
        "and (coalesce(recognized_delta_minor, 0) <> 0 or coalesce(contra_delta_minor, 0) <> 0)",
        [as_of],
    ).fetchone()[0]
    assert late == 0
    assert published_db.execute("select count(*) from intermediate.int_revrec__postings").fetchone()[0] > 0


def test_mrr_has_movements_and_closing_balance(published_db):
    movements = {
        r[0] for r in published_db.execute("select distinct movement from metrics.fct_mrr").fetchall()
    }
    assert "new" in movements
    closing = published_db.execute(
        "select sum(closing_mrr_minor) from metrics.fct_mrr where month = (select max(month) from metrics.fct_mrr)"
    ).fetchone()[0]
    assert closing and closing > 0


def test_published_copy_is_read_only_and_carries_a_build_id(settings, published_db):
    build_id = published_db.execute("select build_id from meta.build").fetchone()[0]
    assert len(build_id) == 16
    with pytest.raises(duckdb.Error):
        published_db.execute("create table billing.should_fail as select 1")
    assert not os.access(settings.published_path, os.W_OK) or os.geteuid() == 0


def _marts_hash(path: Path) -> str:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return content_hash(con)
    finally:
        con.close()


def test_second_build_loads_nothing_new_and_leaves_marts_identical(settings):
    before_hash = _marts_hash(settings.published_path)
    con = duckdb.connect(str(settings.published_path), read_only=True)
    before_files = con.execute("select count(*), sum(rows_loaded) from raw.landing_files").fetchone()
    con.close()

    subprocess.run(
        [str(Path(sys.executable).with_name("revhouse")), "build"], check=True, env=os.environ.copy()
    )

    assert _marts_hash(settings.published_path) == before_hash
    con = duckdb.connect(str(settings.published_path), read_only=True)
    after_files = con.execute("select count(*), sum(rows_loaded) from raw.landing_files").fetchone()
    con.close()
    assert after_files == before_files
