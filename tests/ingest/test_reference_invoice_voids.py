"""Invoice voids (reference/invoice_voids/): finance's record of voided invoices."""

from __future__ import annotations

import json

VOIDS = "reference/invoice_voids/voids.csv"
HEADER = "invoice_number,voided_at,voided_by,reason\n"


def test_void_rows_land_as_reference_rows_with_utc_times(landing):
    landing.write(
        VOIDS,
        HEADER
        + "RHUS-000003,2026-03-05T14:00:00Z,ana@example.com,sent to the wrong customer\n"
        + "RHUS-000004,2026-03-05T14:00:00+02:00,ana@example.com,duplicate\n"
        + "RHUS-000005,2026-03-05,ana@example.com,duplicate\n",
    )
    f = landing.ingest().files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (3, 3, 0)
    rows = [
        json.loads(r[0]) for r in landing.rows("select row_json from raw.reference_rows order by _row_number")
    ]
    assert {r[0] for r in landing.rows("select reference_kind from raw.reference_rows")} == {"invoice_voids"}
    assert rows[0] == {
        "invoice_number": "RHUS-000003",
        "voided_at": "2026-03-05 14:00:00",
        "voided_by": "ana@example.com",
        "reason": "sent to the wrong customer",
    }
    # 14:00 at UTC+2 is 12:00 UTC; a bare date is midnight UTC
    assert [r["voided_at"] for r in rows[1:]] == ["2026-03-05 12:00:00", "2026-03-05 00:00:00"]


def test_void_with_unreadable_time_or_no_number_is_quarantined(landing):
    landing.write(
        VOIDS,
        HEADER
        + "RHUS-000003,5 March 2026,ana@example.com,duplicate\n"
        + ",2026-03-05,ana@example.com,duplicate\n"
        + "RHUS-000004,2026-03-05,ana@example.com,duplicate\n",
    )
    f = landing.ingest().files[0]
    # row 1 (bad time) and row 2 (no number) are refused, row 3 (a plain date) loads
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (3, 1, 2)
    quarantined = [(row, field, value, reason) for _, row, field, value, reason in landing.quarantine()]
    assert quarantined[0][1:3] == ("voided_at", "5 March 2026")
    assert "ISO 8601" in quarantined[0][3]
    assert quarantined[1][1:] == (
        "invoice_number",
        None,
        f"{VOIDS} row 2 (invoice_number=): invoice_number is empty",
    )


def test_void_file_without_required_column_is_refused(landing):
    landing.write(VOIDS, "invoice_number,voided_at,reason\nRHUS-000003,2026-03-05,duplicate\n")
    f = landing.ingest().files[0]
    assert f.rows_loaded == 0
    assert "voided_by" in (f.error or "")
