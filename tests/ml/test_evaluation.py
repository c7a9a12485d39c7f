"""ml.evaluation on hand-made cases: hits, misses, a flagged near miss, explained and
acknowledged findings, and the truth file's bad rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ml import evaluation

FIXTURE = Path(__file__).parent / "fixtures" / "assurance_cases.csv"


def finding(
    fid, code, customer, sub=None, invoice=None, month=date(2026, 3, 1), status="open", explained_by=None
):
    return {
        "finding_id": fid,
        "reason_code": code,
        "external_customer_id": customer,
        "external_subscription_id": sub,
        "invoice_number": invoice,
        "period_month": month,
        "status": status,
        "explained_by": explained_by,
    }


@pytest.fixture
def cases():
    return evaluation.load_cases(FIXTURE)


def test_hits_misses_and_a_flagged_near_miss(cases):
    findings = [
        finding("f1", "duplicate_invoice_charge", "cust_1", "sub_1", "INV-1"),  # finds A1
        finding("f2", "invoice_total_mismatch", "cust_2", "sub_9", "INV-2"),  # finds A2 (no sub on the case)
        finding("f3", "usage_not_billed", "cust_3", "sub_3", month=date(2026, 2, 1)),  # before the case: FP
        finding("f4", "usage_spike", "cust_6", "sub_6", month=date(2026, 5, 1)),  # the near miss N2: FP
        finding("f5", "coupon_after_end", "cust_7"),  # matches nothing, no type lists it: FP
    ]
    result = evaluation.evaluate(findings, cases)
    rows = {r["fault_type"]: r for r in result.rows()}
    # duplicate_charge: both cases found by one finding each, no false positive
    assert rows["duplicate_charge"]["fault_cases"] == 2
    assert rows["duplicate_charge"]["found_cases"] == 2
    assert rows["duplicate_charge"]["recall"] == Decimal("1.0000")
    assert rows["duplicate_charge"]["precision"] == Decimal("1.0000")
    # unbilled_usage: its one case missed (f3 is a month before it), f3 counted against it
    assert rows["unbilled_usage"]["found_cases"] == 0
    assert rows["unbilled_usage"]["recall"] == Decimal("0.0000")
    assert rows["unbilled_usage"]["false_positive_findings"] == 1
    assert rows["unbilled_usage"]["precision"] == Decimal("0.0000")
    # usage_spike: A4 missed; the flagged near miss N2 is a false positive of its type
    assert rows["usage_spike"]["fault_cases"] == 1
    assert rows["usage_spike"]["found_cases"] == 0
    assert rows["usage_spike"]["near_miss_cases"] == 1
    assert rows["usage_spike"]["near_misses_flagged"] == 1
    assert rows["usage_spike"]["false_positive_findings"] == 1
    # the near miss nobody flagged, and the finding no case type lists
    assert rows["legit_upgrade"]["near_misses_flagged"] == 0
    assert rows["legit_upgrade"]["recall"] is None
    assert rows[evaluation.UNATTRIBUTED]["false_positive_findings"] == 1
    # overall: 2 of 5 findings right (2/5 = 0.4), 2 of 4 fault cases found (0.5)
    overall = rows[evaluation.OVERALL]
    assert (overall["true_positive_findings"], overall["false_positive_findings"]) == (2, 3)
    assert overall["precision"] == Decimal("0.4000")
    assert overall["recall"] == Decimal("0.5000")
    assert result.found_case_ids == {"A1", "A2"}
    assert result.false_positive_finding_ids == ["f3", "f4", "f5"]


def test_amount_found_against_planted_per_type_and_currency(cases):
    result = evaluation.evaluate(
        [finding("f1", "duplicate_invoice_charge", "cust_1", "sub_1", "INV-1")], cases
    )
    amounts = {(r["fault_type"], r["currency"]): r for r in result.amount_rows()}
    # duplicate_charge EUR: planted 5000 + 7000 = 12000, found A1's 5000
    assert amounts[("duplicate_charge", "EUR")]["planted_amount_minor"] == 12000
    assert amounts[("duplicate_charge", "EUR")]["found_amount_minor"] == 5000
    assert amounts[("unbilled_usage", "USD")]["found_amount_minor"] == 0
    assert amounts[(evaluation.OVERALL, "EUR")]["planted_amount_minor"] == 12000
    assert ("usage_spike", "EUR") not in amounts  # A4 has no amount


def test_explained_or_reviewed_findings_neither_find_nor_count_against(cases):
    findings = [
        finding("f1", "duplicate_invoice_charge", "cust_1", "sub_1", "INV-1", status="resolved"),
        finding(
            "f4", "usage_spike", "cust_6", "sub_6", month=date(2026, 5, 1), explained_by="contract_upsize"
        ),
    ]
    overall = evaluation.evaluate(findings, cases).scores[evaluation.OVERALL]
    assert (overall.true_positive_findings, overall.false_positive_findings, overall.found_cases) == (0, 0, 0)
    assert overall.precision is None
    assert overall.near_misses_flagged == 0


def test_a_finding_needs_the_case_customer_and_a_listed_code(cases):
    wrong_customer = finding("f1", "duplicate_invoice_charge", "cust_9", "sub_1", "INV-1")
    wrong_code = finding("f2", "contract_not_billed", "cust_1", "sub_1", "INV-1")
    result = evaluation.evaluate([wrong_customer, wrong_code], cases)
    assert result.found_case_ids == set()


def test_bad_truth_rows_name_file_line_and_field(tmp_path):
    header = FIXTURE.read_text().splitlines()[0]
    bad = tmp_path / "assurance_cases.csv"
    bad.write_text(header + "\nB1,x,maybe,usage_spike,cust_1,,,,,,\n")
    with pytest.raises(evaluation.TruthFileError, match=r"line 2, field is_fault"):
        evaluation.load_cases(bad)
    bad.write_text(header + "\nB1,x,true,usage_spike,cust_1,,,,12.5,EUR,\n")
    with pytest.raises(evaluation.TruthFileError, match=r"line 2, field amount_minor"):
        evaluation.load_cases(bad)
    bad.write_text("case_id,fault_type\nB1,x\n")
    with pytest.raises(evaluation.TruthFileError, match="missing column"):
        evaluation.load_cases(bad)


def test_a_duplicate_twin_a_later_month_and_a_finding_without_subscription(cases):
    twin = finding("t1", "duplicate_invoice_charge", "cust_1", "sub_1", "INV-1b")
    twin["evidence"] = "review_invoices:INV-1b; review_invoices:INV-1"  # names the planted invoice
    other = finding("t2", "duplicate_invoice_charge", "cust_1", "sub_1", "INV-7")  # another invoice
    later = finding("t3", "usage_not_billed", "cust_3", "sub_3", month=date(2026, 5, 1))
    no_sub = finding("t4", "invoice_total_mismatch", "cust_2", None, "INV-2")
    result = evaluation.evaluate([twin, other, later, no_sub], cases)
    assert {"A1", "A2", "A3"} <= result.found_case_ids
    assert result.false_positive_finding_ids == ["t2"]
