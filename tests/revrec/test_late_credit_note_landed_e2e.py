"""A closed month never changes when a late credit note lands (metrics-and-revrec.md A8, A10;
issue #14 "Done when"), on the demo warehouse, from a landed file.

The demo build `make test` makes (Jan–May closed and frozen for both entities, as_of 1 July) is
copied with its landing folder into tmp_path. One Lago credit note JSON (the demo's own
`goodwill_credit_note`, reason `other` = A8 price_concession) is landed in
`billed/lago_credit_notes/`: 10% of the plan line of a paid imported invoice in force, dated
20 March, created in Lago on 15 June (after May's close on 5 June). The copy is ingested (the
runner `revhouse ingest` calls) and rebuilt once: `dbt build` of `stg_billed__credit_notes+` and
`source:frozen_revrec_state+` (revrec only), in a subprocess with its own target path.

The invoice: the first (by service start, number) lago invoice issued in March whose only
non-zero performance obligation is a ratable plan line starting in March before the note and
ending in a closed month, fully paid, credited by no note yet. Its schedule by hand (A4.1, A8):
T = the line's amount, n = its service days, c = the note excl. tax, k = days served before the
note's date E. Recognised through day j is R_T(j) = round(T × j / n) before E; from E it is
R_T(k) + catch-up (round((T−c) × k/n) − round(T × k/n)) + the new schedule's days, which adds up
to R_{T−c}(j). A closed month's adjustment = its restated revenue − what was posted.

Seed-42 demo: RHUS-000170, team_usd 99.00 for 5 March–4 April (n = 31), c = 9.90 (tax 0.88 at
the invoice's 8.875%), k = 15 (5–19 March):
  catch-up on 20 March: round(8910 × 15/31) − round(9900 × 15/31) = 4311 − 4790 = −479;
  March: restated R_8910(27) = round(7760.32) = 7760, posted R_9900(27) = round(8622.58) = 8623
  → adjustment −863 (= −479 + (7760 − 4311) − (8623 − 4790));
  April: restated 8910 − 7760 = 1150, posted 9900 − 8623 = 1277 → adjustment −127;
  −863 − 127 = −990 = −c.
Both adjustments post on max(20 March, 1 June) = 1 June (period 2026-06) with their period of
origin; the credit note posts on 1 June with period_of_origin 2026-03: billed −990, tax −88,
AR −1078. Every posting and journal line of January–May is byte-identical before and after;
no other posting changes; the subledger's singular tests (balances reconcile, every document
posted once, posted revenue by origin = target, entries balance) pass in the rebuild.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import duckdb
import pytest

from dagster_project.demo import revrec
from dagster_project.demo.billing import Fee, Invoice
from dagster_project.demo.writers import lago_list, write_json
from dagster_project.ingest.runner import ingest_landing
from dagster_project.settings import REPO_ROOT, Settings

pytestmark = pytest.mark.e2e

DBT_DIR = REPO_ROOT / "dbt_project"
DBT = Path(os.environ.get("REVHOUSE_DBT_BIN", Path(sys.executable).with_name("dbt")))

CLOSED = [f"2026-{m:02d}" for m in range(1, 6)]
FIRST_OPEN_DAY = date(2026, 6, 1)
NOTE_DATE = date(2026, 3, 20)
NOTE_CREATED_AT = datetime(2026, 6, 15, 10, 0)
NOTE_FILE = "billed/lago_credit_notes/late_credit_note.json"
# the subledger's singular tests: each must run in the rebuild and pass
SUBLEDGER_TESTS = {
    "assert_contract_balances_reconcile_to_billed_minus_credited",
    "assert_every_document_posted_once",
    "assert_posted_revenue_by_origin_equals_target",
    "assert_gl_contract_balances_equal_subledger",
    "assert_gl_revenue_equals_posted_recognition",
    "assert_journal_entries_balance",
    "assert_trial_balance_sums_to_zero",
    "assert_schedule_sums_to_allocated_less_changes",
}

CANDIDATE_SQL = """
with revenue_lines as (
    select * from intermediate.int_revrec__performance_obligations where allocated_amount_minor <> 0
),
single_line as (
    select document_id from revenue_lines group by document_id having count(*) = 1
),
paid as (
    select invoice_id, sum(amount_minor) as paid_minor
    from collections.fct_cash_applications where movement_kind = 'applied' group by invoice_id
)
select
    invoices.document_id, invoices.document_number, po.po_id, po.contract_id,
    po.allocated_amount_minor, po.service_start_date, po.service_end_date
from intermediate.int_revrec__documents as invoices
inner join single_line on invoices.document_id = single_line.document_id
inner join revenue_lines as po on invoices.document_id = po.document_id
inner join paid on invoices.document_id = paid.invoice_id
where invoices.document_kind = 'invoice' and invoices.document_source = 'lago'
    and invoices.voided_on is null
    and invoices.document_date between date '2026-03-01' and date '2026-03-31'
    and paid.paid_minor = invoices.total_amount_minor
    and po.pattern = 'ratable'
    and po.service_start_date >= date '2026-03-01' and po.service_start_date < ?
    and po.service_end_date between date '2026-04-01' and date '2026-05-31'
    and not exists (
        select 1 from intermediate.int_revrec__documents as notes where notes.related_invoice_id = invoices.document_id
    )
order by po.service_start_date, invoices.document_number
limit 1
"""

POSTING_COLUMNS = (
    "posting_kind, po_id, document_id, change_id, event_date, posting_date, posting_period, period_of_origin, "
    "is_adjustment, billed_delta_minor, recognized_delta_minor, contra_delta_minor, tax_delta_minor, "
    "ar_delta_minor, cash_delta_minor, source_id"
)


def _recognised_through(total: int, days: int, day_index: int) -> int:
    """A4.1 R(j) = round(T × j / n), half away from zero (T, j ≥ 0), j clamped to 0..n."""
    j = min(max(day_index, 0), days)
    return (2 * total * j + days) // (2 * days)


def _month_bounds(period: str) -> tuple[date, date]:
    first = date.fromisoformat(f"{period}-01")
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _hand_adjustments(total: int, credit: int, start: date, end: date) -> dict[str, tuple[int, int]]:
    """Per closed month the service touches: (posted revenue, restated − posted), by the rule."""
    days = (end - start).days + 1

    def posted(day: date) -> int:
        return _recognised_through(total, days, (day - start).days + 1)

    def restated(day: date) -> int:
        j = (day - start).days + 1
        return _recognised_through(total if day < NOTE_DATE else total - credit, days, j)

    out = {}
    for period in CLOSED:
        first, last = _month_bounds(period)
        if last < start or first > end:
            continue
        before = first - timedelta(days=1)
        posted_month = posted(last) - posted(before)
        out[period] = (posted_month, restated(last) - restated(before) - posted_month)
    return out


def _landed_invoice(landing: Path, lago_id: str) -> tuple[Invoice, dict]:
    """The imported invoice as the demo's Invoice (what its note builder reads) and its one
    non-zero fee, from the landed Lago export."""
    (payload,) = [
        invoice
        for path in sorted((landing / "billed" / "lago_invoices").glob("*.json"))
        for invoice in json.loads(path.read_text())["invoices"]
        if invoice["lago_id"] == lago_id
    ]
    (fee,) = [f for f in payload["fees"] if f["amount_cents"] != 0]
    customer = SimpleNamespace(
        external_id=payload["customer"]["external_id"],
        entity=payload["billing_entity_code"],
        currency=payload["currency"],
        timezone=payload["customer"]["applicable_timezone"],
    )
    line = Fee(
        kind=fee["item"]["type"],
        code=fee["item"]["code"],
        name=fee["item"]["name"],
        amount_cents=fee["amount_cents"],
        sub=None,
        from_at=None,
        to_at=None,
        lago_id=fee["lago_id"],
    )
    invoice = Invoice(
        customer=customer,
        issuing_date=date.fromisoformat(payload["issuing_date"]),
        invoice_type=payload["invoice_type"],
        fees=[line],
        lago_id=payload["lago_id"],
        number=payload["number"],
        fees_cents=payload["fees_amount_cents"],
        coupons_cents=payload["coupons_amount_cents"],
        taxes_cents=payload["taxes_amount_cents"],
        payment_status=payload["payment_status"],
    )
    return invoice, fee


def _local_day(stamp: str, timezone: str) -> date:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(ZoneInfo(timezone)).date()


def _closed_rows(con) -> dict[str, list[tuple]]:
    """Every column of every row of the closed periods: the subledger, the frozen store, the journal."""
    closed = "(billing_entity_code, {period}) in (select billing_entity_code, period from revrec.fct_frozen_periods)"
    queries = {
        "int_revrec__postings": "select * from intermediate.int_revrec__postings where "
        + closed.format(period="posting_period")
        + " order by posting_id",
        "fct_frozen_postings": "select * from revrec.fct_frozen_postings order by posting_id",
        "fct_journal_lines": "select * from revrec.fct_journal_lines where "
        + closed.format(period="period")
        + " order by entry_id, line_number",
    }
    return {name: con.execute(sql).fetchall() for name, sql in queries.items()}


def _digest(rows: list[tuple]) -> str:
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _postings(con) -> dict[str, tuple]:
    return {
        row[0]: row[1:]
        for row in con.execute(
            f"select posting_id, {POSTING_COLUMNS} from intermediate.int_revrec__postings"
        ).fetchall()
    }


def _rebuild(tmp: Path, db: Path) -> dict[str, str]:
    """`dbt build` of what the new credit note reaches (revrec) and of every model reading the
    frozen revrec state; returns each test's status from run_results.json.

    int_revrec__closed_periods is not downstream of the note, but it must be rebuilt: the demo
    build computed it before that same build froze January-May (is_frozen false everywhere), and
    read as it stands it would post the late note into March as if March were still open."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVHOUSE_") and k != "DBT_TARGET_PATH"}
    env.update(REVHOUSE_DUCKDB_PATH=str(db), REVHOUSE_DATA_DIR=str(tmp / "data"))
    if "REVHOUSE_DUCKDB_MEMORY_LIMIT" in os.environ:
        env["REVHOUSE_DUCKDB_MEMORY_LIMIT"] = os.environ["REVHOUSE_DUCKDB_MEMORY_LIMIT"]
    cmd = [
        str(DBT), "--no-use-colors", "build",
        "--select", "stg_billed__credit_notes+", "source:frozen_revrec_state+",
        "--exclude", "test_type:unit",
        "--indirect-selection", "buildable",
        "--profiles-dir", str(DBT_DIR), "--project-dir", str(DBT_DIR),
        "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"),
    ]  # fmt: skip
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=540)
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-4000:]}"
    results = json.loads((tmp / "target" / "run_results.json").read_text())["results"]
    return {r["unique_id"].split(".")[-1]: r["status"] for r in results if r["unique_id"].startswith("test.")}


def test_late_credit_note_landed_after_close_keeps_closed_months_identical(
    settings: Settings, tmp_path: Path
) -> None:
    if not settings.duckdb_path.exists():
        pytest.fail(f"no demo warehouse at {settings.duckdb_path}: run the suite with `make test`")
    data = tmp_path / "data"
    db = data / "warehouse" / "revhouse.duckdb"
    landing = data / "landing"
    db.parent.mkdir(parents=True)
    shutil.copy2(settings.duckdb_path, db)
    wal = settings.duckdb_path.with_name(settings.duckdb_path.name + ".wal")
    if wal.exists():
        shutil.copy2(wal, db.with_name(db.name + ".wal"))
    shutil.copytree(settings.landing_dir, landing)

    con = duckdb.connect(str(db), read_only=True)
    frozen = con.execute(
        "select billing_entity_code, list_sort(list(period)) from revrec.fct_frozen_periods group by all"
    ).fetchall()
    assert frozen and all(periods == CLOSED for _, periods in frozen), (
        f"the demo closes January-May: {frozen}"
    )
    candidate = con.execute(CANDIDATE_SQL, [NOTE_DATE]).fetchone()
    assert candidate, "no paid single-line March lago invoice with a ratable plan line in closed months"
    document_id, number, po_id, contract_id, allocated, start, end = candidate
    posted_by_month = dict(
        con.execute(
            "select posting_period, sum(recognized_delta_minor) from revrec.fct_frozen_postings "
            "where po_id = ? group by posting_period",
            [po_id],
        ).fetchall()
    )
    closed_before = _closed_rows(con)
    postings_before = _postings(con)
    con.close()
    assert all(closed_before.values()), {k: len(v) for k, v in closed_before.items()}

    # the note, from the landed invoice, by the demo's own builder
    invoice, fee = _landed_invoice(landing, document_id)
    assert invoice.payment_status == "succeeded" and invoice.coupons_cents == 0
    note, payload = revrec.goodwill_credit_note(
        random.Random(f"late-credit-note-{number}"),
        "late_after_close",
        invoice,
        revrec.LATE_PERCENT,
        NOTE_DATE,
        NOTE_CREATED_AT,
    )
    write_json(landing / NOTE_FILE, lago_list("credit_notes", [payload]))
    credit, tax = note.sub_total_minor, note.taxes_minor
    assert payload["reason"] == "other" and credit > 0

    # the hand schedule's inputs come from the landed line; the warehouse's PO must be that line
    total = fee["amount_cents"]
    tz = invoice.customer.timezone
    assert (allocated, start, end) == (
        total,
        _local_day(fee["from_date"], tz),
        _local_day(fee["to_date"], tz),
    ), f"{number}: the PO is not the landed plan line"
    expected = _hand_adjustments(total, credit, start, end)
    assert {p: posted for p, (posted, _) in expected.items()} == posted_by_month, (
        f"{number}: what was posted before the note is not A4.1's schedule"
    )
    assert sum(adjustment for _, adjustment in expected.values()) == -credit

    con = duckdb.connect(str(db))
    summary = ingest_landing(con, landing)
    con.close()
    assert [(f.file_path, f.status, f.rows_loaded, f.rows_quarantined) for f in summary.processed()] == [
        (NOTE_FILE, "loaded", 1, 0)
    ]

    test_status = _rebuild(tmp_path, db)
    assert {name: test_status.get(name) for name in SUBLEDGER_TESTS} == dict.fromkeys(SUBLEDGER_TESTS, "pass")

    con = duckdb.connect(str(db), read_only=True)
    closed_after = _closed_rows(con)
    for name, rows in closed_before.items():
        changed = set(rows) ^ set(closed_after[name])
        assert (_digest(closed_after[name]), len(closed_after[name])) == (_digest(rows), len(rows)), (
            f"{name}: closed-period rows changed, e.g. {sorted(changed, key=repr)[:4]}"
        )

    postings_after = _postings(con)
    assert {pid: row for pid, row in postings_before.items() if postings_after.get(pid) != row} == {}
    new = {pid: row for pid, row in postings_after.items() if pid not in postings_before}
    note_id = payload["lago_id"]
    expected_new = {
        f"credit_note:{note_id}:{contract_id}": (
            "credit_note", None, note_id, None, NOTE_DATE, FIRST_OPEN_DAY, "2026-06", "2026-03",
            True, -credit, 0, 0, -tax, -(credit + tax), 0, note_id,
        ),
        **{
            f"adjustment:{po_id}:{period}:2026-06": (
                "adjustment", po_id, document_id, note_id, NOTE_DATE, FIRST_OPEN_DAY, "2026-06", period,
                True, 0, adjustment, max(-adjustment, 0), 0, 0, 0, note_id,
            )
            for period, (_, adjustment) in expected.items()
            if adjustment != 0
        },
    }  # fmt: skip
    assert new == expected_new

    # the journal carries them in June with their period of origin, each entry balanced (A11):
    # entry → (date, period, origin, debits − credits, net debit of contra revenue, AR, tax payable)
    expected_journal = {
        f"je:credit_note:{note_id}:{contract_id}": (FIRST_OPEN_DAY, "2026-06", "2026-03", 0, 0, -(credit + tax), tax),
        **{
            f"je:adjustment:{po_id}:{period}:2026-06": (FIRST_OPEN_DAY, "2026-06", period, 0, max(-adjustment, 0), 0, 0)
            for period, (_, adjustment) in expected.items()
            if adjustment != 0
        },
    }  # fmt: skip
    role_net = "sum(case when account_role = '{}' then debit_minor - credit_minor else 0 end)"
    journal = con.execute(
        "select entry_id, min(entry_date), min(period), min(period_of_origin), sum(debit_minor - credit_minor), "
        + ", ".join(
            role_net.format(role) for role in ("contra_revenue", "accounts_receivable", "tax_payable")
        )
        + " from revrec.fct_journal_lines where entry_id in (select unnest(?)) group by entry_id",
        [list(expected_journal)],
    ).fetchall()
    assert {row[0]: row[1:] for row in journal} == expected_journal
    con.close()
