"""Review decisions on assurance findings (reference/assurance_review_status/, docs/assurance.md §5)."""

from __future__ import annotations

import json

REVIEWS = "reference/assurance_review_status/reviews.csv"
HEADER = "finding_id,status,note,reviewed_by,reviewed_at\n"
FINDING = "0cc175b9c0f1b6a831c399e269772661"


def test_review_rows_land_with_lower_case_ids_and_utc_times(landing):
    landing.write(
        REVIEWS,
        HEADER
        + f"{FINDING.upper()},false_positive,credited by hand,ana@example.com,2026-03-05T14:00:00+02:00\n"
        + f"{FINDING[::-1]},acknowledged,,bo@example.com,2026-03-06\n",
    )
    f = landing.ingest().files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (2, 2, 0)
    rows = [
        json.loads(r[0]) for r in landing.rows("select row_json from raw.reference_rows order by _row_number")
    ]
    assert rows[0] == {
        "finding_id": FINDING,
        "status": "false_positive",
        "note": "credited by hand",
        "reviewed_by": "ana@example.com",
        "reviewed_at": "2026-03-05 12:00:00",
    }
    assert (rows[1]["status"], rows[1]["reviewed_at"]) == ("acknowledged", "2026-03-06 00:00:00")


def test_unknown_status_malformed_id_or_missing_reviewer_is_quarantined_with_its_reason(landing):
    landing.write(
        REVIEWS,
        HEADER
        + f"{FINDING},fixed,,ana@example.com,2026-03-05\n"
        + "RH-123,resolved,,ana@example.com,2026-03-05\n"
        + f"{FINDING},resolved,,,2026-03-05\n"
        + f"{FINDING},resolved,,ana@example.com,yesterday\n"
        + f"{FINDING},resolved,,ana@example.com,2026-03-05\n",
    )
    f = landing.ingest().files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (5, 1, 4)
    quarantined = [(row, field, value, reason) for _, row, field, value, reason in landing.quarantine()]
    assert quarantined[0] == (
        1,
        "status",
        "fixed",
        f"{REVIEWS} row 1 (finding_id={FINDING}): status 'fixed' is not one of open, acknowledged, resolved, false_positive",
    )
    assert quarantined[1][:3] == (2, "finding_id", "RH-123")
    assert "is not a finding id" in quarantined[1][3]
    assert quarantined[2][:2] == (3, "reviewed_by")
    assert quarantined[3][:3] == (4, "reviewed_at", "yesterday")


def test_review_file_without_required_column_is_refused(landing):
    landing.write(REVIEWS, f"finding_id,status\n{FINDING},resolved\n")
    f = landing.ingest().files[0]
    assert f.rows_loaded == 0
    assert "reviewed_by" in (f.error or "")
