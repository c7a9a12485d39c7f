"""A small published copy with hand-made assurance rows, so the Review queue, Leakage and Cutover
pages are checked against figures worked out by hand, whatever the demo build holds (the
shadow-billing marts are built by another part of the pipeline; these rows follow their columns).

Review queue (minor units):
  q1 high   usage_not_billed          cust-a USD 12,000 under  open          (draft D1)
  q2 high   duplicate_invoice_charge  cust-b USD  5,000 over   open
  q3 medium contract_price_mismatch   cust-a USD  3,000 over   resolved      → not at risk
  q4 low    usage_spike (ml)          cust-c USD      0 none   open, explained_by contract_upsize → not at risk
  q5 high   contract_not_billed       cust-b EUR 40,000 under  open
  q6 medium late_usage                cust-a USD  2,500 under  acknowledged  → still at risk
  USD at risk: 12,000 + 5,000 + 2,500 = 19,500; high only: 12,000 + 5,000 = 17,000;
  cust-a only: 12,000 + 2,500 = 14,500; EUR: 40,000.
  Review decisions: q3 resolved (applied); zz names no finding → refused, listed on the page.
  Evidence: q1 names review line L1 (found by its first column) and a table the copy does not
  have (named on the page); q2 names L2 by column=value; q6 names invoice D1, no line id: found
  in another text column of the lines (invoice_id) → L1.

Leakage (reporting USD):
  2026-02 usage_not_billed  USD leaked 10,000 (a1, a2)       → 10,000 USD
  2026-02 usage_not_billed  EUR leaked 20,000 (e1) at 1.10   → 22,000 USD
  2026-03 duplicate_charge  USD over-billed 5,000 (d1)       →  5,000 USD over-billed
  2026-03 contract_not_billed EUR leaked 40,000 (e2), no rate → left out of USD, warned
  2026-03 usage_not_billed  USD leaked 3,000 (a3)            →  3,000 USD
  Reporting USD: usage_not_billed 2026-02 = 10,000 + 22,000 = 32,000, 2026-03 = 3,000; leaked
  32,000 + 3,000 = 35,000; over-billed 5,000. EUR: leaked 20,000 + 40,000 = 60,000.

Parallel run, USD: 2026-02 99 of 100 lines (0.99), amount share 0.995, one unexplained line of
12.50 (s1) → NOT READY; 2026-03 and 2026-04 all matched → 2026-04 READY; 2026-05 not complete
yet (NOT READY by the rule): the headline stays on 2026-04, the last complete month. EUR: 2026-04 NOT READY,
one line missing in revhouse (7.00, s3). Shadow line s2 (USD, 2026-02) differs but is explained
(timing) and is not listed.
"""

from __future__ import annotations

from dashboard_helpers import table_statements

from tests.published_tables import ASSURANCE_QUEUE_COLUMNS

QUEUE_COLUMNS = ASSURANCE_QUEUE_COLUMNS


# fmt: off
def _finding(fid, rule, reason, severity, source, customer, currency, amount, direction, status, explained=None,
             evidence="", invoice=("I9", "RH-9", True)):
    invoice_id, number, finalized = invoice
    return (
        fid, rule, reason, severity, source, customer, f"sub-{customer}", invoice_id, number, finalized,
        "2026-02-01", currency, amount, direction, f"{reason} on {customer}: {amount}", evidence,
        "2026-03-05", status, explained, "2026-03-05",
    )


TABLES = {
    "assurance.fct_assurance_review_queue": (
        QUEUE_COLUMNS,
        [
            _finding(
                "q1", "usage_billing", "usage_not_billed", "high", "rule", "cust-a", "USD", 12000, "under_billed",
                "open", evidence="int_assurance__review_invoice_lines:L1; raw.not_published:x", invoice=("D1", None, False),
            ),
            _finding(
                "q2", "duplicates", "duplicate_invoice_charge", "high", "rule", "cust-b", "USD", 5000, "over_billed",
                "open", evidence="intermediate.int_assurance__review_invoice_lines:line_id=L2",
            ),
            _finding("q3", "contracts", "contract_price_mismatch", "medium", "rule", "cust-a", "USD", 3000,
                     "over_billed", "resolved"),
            _finding("q4", "ml_usage", "usage_spike", "low", "ml", "cust-c", "USD", 0, "none", "open",
                     explained="contract_upsize"),
            _finding("q5", "contracts", "contract_not_billed", "high", "rule", "cust-b", "EUR", 40000,
                     "under_billed", "open"),
            _finding("q6", "usage_billing", "late_usage", "medium", "rule", "cust-a", "USD", 2500, "under_billed",
                     "acknowledged", evidence="int_assurance__review_invoice_lines:D1"),
        ],
    ),
    "intermediate.int_assurance__review_statuses": (
        "finding_id varchar, review_status varchar, review_note varchar, reviewed_by varchar, "
        "reviewed_at timestamp, is_applied boolean, rejection_reason varchar, source_file varchar",
        [
            ("q3", "resolved", None, "ana", "2026-03-06 10:00:00", True, None, "r.csv"),
            ("zz", "false_positive", None, "ana", "2026-03-06 10:00:00", False, "finding_id zz in r.csv names no finding", "r.csv"),
        ],
    ),
    "intermediate.int_assurance__review_invoice_lines": (
        "line_id varchar, invoice_id varchar, charge_key varchar, currency varchar, amount_minor bigint",
        [("L1", "D1", "api_calls", "USD", 0), ("L2", "I9", "plan", "USD", 5000)],
    ),
    "assurance.fct_assurance_leakage": (
        "period_month date, reason_code varchar, currency varchar, findings_count bigint, leaked_amount_minor bigint, "
        "over_billed_amount_minor bigint, reporting_currency varchar, fx_rate decimal(24,10), fx_rate_date date, "
        "leaked_reporting_minor bigint, over_billed_reporting_minor bigint, finding_ids varchar, "
        "leaked_finding_ids varchar, over_billed_finding_ids varchar",
        [
            ("2026-02-01", "usage_not_billed", "USD", 2, 10000, 0, "USD", 1, "2026-02-28", 10000, 0, "a1, a2",
             "a1, a2", None),
            ("2026-02-01", "usage_not_billed", "EUR", 1, 20000, 0, "USD", 1.1, "2026-02-27", 22000, 0, "e1", "e1",
             None),
            ("2026-03-01", "duplicate_invoice_charge", "USD", 1, 0, 5000, "USD", 1, "2026-03-31", 0, 5000, "d1",
             None, "d1"),
            ("2026-03-01", "contract_not_billed", "EUR", 1, 40000, 0, "USD", None, None, None, None, "e2", "e2",
             None),
            ("2026-03-01", "usage_not_billed", "USD", 1, 3000, 0, "USD", 1, "2026-03-31", 3000, 0, "a3", "a3", None),
        ],
    ),
    "assurance.fct_parallel_run_summary": (
        "service_month date, currency varchar, cutover_verdict varchar, verdict_reason varchar, "
        "is_complete_month boolean, month_passes boolean, compared_lines bigint, matched_lines bigint, "
        "matched_line_share decimal(38,12), matched_amount_share decimal(38,12), differing_lines bigint, "
        "missing_in_incumbent_lines bigint, missing_in_revhouse_lines bigint, revhouse_amount_minor bigint, "
        "incumbent_amount_minor bigint, matched_amount_minor bigint, explained_difference_lines bigint, "
        "explained_difference_minor bigint, unexplained_lines bigint, unexplained_difference_minor bigint",
        [
            ("2026-02-01", "USD", "NOT READY", "2026-02: 1 unexplained line", True, False, 100, 99, 0.99, 0.995, 1,
             0, 0, 250000, 248750, 248750, 1, 300, 1, 1250),
            ("2026-03-01", "USD", "NOT READY", "2026-02 fails (1 unexplained line)", True, True, 100, 100, 1, 1, 0,
             0, 0, 250000, 250000, 250000, 0, 0, 0, 0),
            ("2026-04-01", "USD", "READY", "2026-03 and 2026-04 complete, matched and explained", True, True, 100,
             100, 1, 1, 0, 0, 0, 250000, 250000, 250000, 0, 0, 0, 0),
            ("2026-05-01", "USD", "NOT READY", "2026-05: not complete", False, False, 40, 40, 1, 1, 0, 0, 0,
             90000, 90000, 90000, 0, 0, 0, 0),
            ("2026-04-01", "EUR", "NOT READY", "2026-04: 1 unexplained line", True, False, 10, 9, 0.9, 0.9, 0, 0, 1,
             6300, 7000, 6300, 0, 0, 1, 700),
        ],
    ),
    "assurance.fct_shadow_billing_lines": (
        "shadow_line_id varchar, match_status varchar, explanation varchar, is_explained boolean, "
        "external_customer_id varchar, external_subscription_id varchar, currency varchar, charge_key varchar, "
        "service_month date, revhouse_amount_minor bigint, incumbent_amount_minor bigint, "
        "amount_difference_minor bigint, units_difference decimal(38,12), revhouse_invoice_number varchar, "
        "incumbent_invoice_number varchar",
        [
            ("s1", "differing", None, False, "cust-a", "sub-a", "USD", "api_calls", "2026-02-01", 5000, 3750, 1250,
             None, "RH-1", "IN-1"),
            ("s2", "differing", "timing", True, "cust-b", "sub-b", "USD", "plan", "2026-02-01", 300, 0, 300, None,
             "RH-2", None),
            ("s3", "missing_in_revhouse", None, False, "cust-b", "sub-b", "EUR", "plan", "2026-04-01", None, 700,
             -700, None, None, "IN-3"),
        ],
    ),
}
# fmt: on


def statements(skip: tuple[str, ...] = ()) -> list[str]:
    """DDL and inserts for every table but `skip`."""
    return table_statements(TABLES, skip)
