"""Voiding a finalized invoice (pricing.md 8, Lago's Invoices::VoidService): the frozen rows
stay byte-identical, fct_invoices derives status `voided` from the void record, the number
stays used, the invoice is no longer due, and the credit note it consumed returns to the
customer for the invoices not frozen yet.

Same scenario as test_invoice_immutability_e2e (USD, tax 10%, grace 3 days, a once-fixed
coupon of 150.00, an imported Lago credit note of 100.00). as_of 2026-02-10: Jan (RHUS-000001,
total 0) and Feb (RHUS-000002: fees 12000, coupon 5000, tax 700, credit note 7700, total 0)
are frozen; Mar is a draft: fees 10000, coupon 0, tax 1000, credit note 2300 (10000 − 7700
left), total 8700.
Finance voids RHUS-000002 at 2026-02-12 10:00 (after its finalization on 2026-02-04), and
asks to void RHUS-000009, which no finalized invoice carries (rejected, nothing changes).
Rebuilt at as_of 2026-02-20 (Mar still a draft): the 7700 Feb took comes back from Feb 12,
so Mar takes 2300 + 7700 = 10000 of the note: 11000 − 10000 = 1000 total. (Lago also
recredits the coupon; revhouse does not yet, so Mar's coupon stays 0.)
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from test_invoice_immutability_e2e import _build, _dbt, _frozen_hash, _seed_scenario


def _void_row(number: str, voided_at: str, n: int) -> tuple:
    row_json = (
        f'{{"invoice_number": "{number}", "reason": "sent to the wrong customer", '
        f'"voided_at": "{voided_at}", "voided_by": "ana@example.com"}}'
    )
    return ("invoice_voids", row_json, "reference/invoice_voids/voids.csv", "sha", n, "2026-02-12 11:00:00")


@pytest.mark.e2e
def test_voided_invoice_is_derived_and_gives_back_its_credit_note(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    _seed_scenario(db, lago_invoice_amounts=True)

    _dbt(tmp_path, "seed", as_of="2026-02-10 00:00:00")
    _build(tmp_path, as_of="2026-02-10 00:00:00")
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute(
        "select invoice_number, status, credit_notes_amount_minor, total_amount_minor from billing.fct_invoices "
        "order by issuing_date"
    ).fetchall() == [
        ("RHUS-000001", "finalized", 0, 0),
        ("RHUS-000002", "finalized", 7700, 0),
        (None, "draft", 2300, 8700),
    ]
    frozen = ["inv-c1-2026-01-01", "inv-c1-2026-02-01"]
    before = _frozen_hash(con, frozen)
    con.close()

    con = duckdb.connect(str(db))
    con.executemany(
        "insert into raw.reference_rows (reference_kind, row_json, _source_file, _file_sha256, _row_number, "
        "_ingested_at) values (?, ?, ?, ?, ?, ?)",
        [
            _void_row("RHUS-000002", "2026-02-12 10:00:00", 1),
            _void_row("RHUS-000009", "2026-02-12 10:00:00", 2),
        ],
    )
    con.close()
    _build(tmp_path, as_of="2026-02-20 00:00:00")

    con = duckdb.connect(str(db), read_only=True)
    assert _frozen_hash(con, frozen) == before
    assert con.execute(
        "select invoice_number, status, cast(voided_at as varchar), voided_by, credit_notes_amount_minor, "
        "total_amount_minor from billing.fct_invoices order by issuing_date"
    ).fetchall() == [
        ("RHUS-000001", "finalized", None, None, 0, 0),
        ("RHUS-000002", "voided", "2026-02-12 10:00:00", "ana@example.com", 7700, 0),
        (None, "draft", None, None, 10000, 1000),
    ]
    assert con.execute(
        "select invoice_number, is_applied, rejection_reason is null from billing.fct_invoice_voids order by 1"
    ).fetchall() == [("RHUS-000002", True, True), ("RHUS-000009", False, False)]
    # Voided: nothing due; the draft's 1000 is due.
    assert con.execute(
        "select invoice_id, is_voided, amount_due_minor from billing.fct_invoice_balances order by invoice_id"
    ).fetchall() == [
        ("inv-c1-2026-01-01", False, 0),
        ("inv-c1-2026-02-01", True, 0),
        ("inv-c1-2026-03-01", False, 1000),
    ]
    # The note: 10000, Feb's use given back, Mar takes 10000: nothing left.
    assert con.execute(
        "select credit_amount_minor, consumed_amount_minor, remaining_amount_minor from billing.fct_credit_notes"
    ).fetchall() == [(10000, 10000, 0)]
    # Numbering stays gapless: the voided number is still used, the next is RHUS-000003.
    con.close()
    _build(tmp_path, as_of="2026-03-10 00:00:00")
    con = duckdb.connect(str(db), read_only=True)
    assert _frozen_hash(con, frozen) == before
    assert con.execute(
        "select invoice_number, status, total_amount_minor from billing.fct_invoices order by issuing_date"
    ).fetchall() == [
        ("RHUS-000001", "finalized", 0),
        ("RHUS-000002", "voided", 0),
        ("RHUS-000003", "finalized", 1000),
    ]
    con.close()
