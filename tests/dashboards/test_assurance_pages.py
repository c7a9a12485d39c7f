"""The Review queue, Leakage and Cutover readiness pages under AppTest on a published copy with
hand-made assurance rows (assurance_fixture.py: the arithmetic is in its docstring), so the
filters, sums, conversions and drills are checked whatever the demo build holds; and each page
names the mart it lacks."""

from __future__ import annotations

import assurance_fixture as book
import pytest
from dashboard_helpers import assert_ran, charted, metrics, publish_raw_tables_only, run_page, texts

from dashboards.data import reason_words
from dashboards.ui import format_money


@pytest.fixture
def open_page(tmp_path, monkeypatch):
    def open_(page: str, skip: tuple[str, ...] = ()):
        publish_raw_tables_only(tmp_path, monkeypatch, *book.statements(skip))
        at = run_page(page)
        assert_ran(at)
        return at

    return open_


def usd(minor: int) -> str:
    return format_money(minor, "USD")


def _queue_in_usd(at):
    at.radio(key="currency").set_value("USD").run()
    assert_ran(at)
    return at


def test_review_queue_at_risk_by_reason_in_words(open_page):
    at = _queue_in_usd(open_page("review-queue"))
    # q3 is resolved and q4 explained: neither is at risk
    assert charted(at, "risk_chart") == {
        reason_words("usage_not_billed"): usd(12000),
        reason_words("duplicate_invoice_charge"): usd(5000),
        reason_words("late_usage"): usd(2500),
    }
    assert metrics(at)["At risk USD"] == usd(19500)
    assert metrics(at)["Findings shown"] == "6"
    assert metrics(at)["High and open"] == "3"
    findings = next(df.value for df in at.dataframe if "reason_text" in df.value.columns)
    assert list(findings["finding_id"]) == ["q5", "q1", "q2", "q3", "q6", "q4"]
    assert findings["reason"].iloc[1] == "Usage that never became a fee"
    assert set(findings.loc[findings["finding_id"] == "q4", "explained"]) == {
        "explained: the contract grew just before"
    }


def test_review_queue_lists_refused_review_decisions(open_page):
    at = open_page("review-queue")
    assert "1 review decision(s) in reference/assurance_review_status name no finding" in texts(at)
    refused = next(df.value for df in at.dataframe if "rejection_reason" in df.value.columns)
    assert list(refused["finding_id"]) == ["zz"]


def test_review_queue_filters(open_page):
    at = _queue_in_usd(open_page("review-queue"))
    at.multiselect(key="severity").set_value(["high"]).run()
    assert metrics(at)["At risk USD"] == usd(17000)
    assert metrics(at)["Findings shown"] == "3"
    at.multiselect(key="severity").set_value([]).run()
    at.selectbox(key="customer").set_value("cust-a").run()
    assert metrics(at)["At risk USD"] == usd(14500)
    at.multiselect(key="status").set_value(["acknowledged"]).run()
    assert metrics(at)["At risk USD"] == usd(2500)
    at.multiselect(key="status").set_value([]).run()
    at.selectbox(key="customer").set_value("All").run()
    at.multiselect(key="reason").set_value(["contract_not_billed"]).run()
    at.radio(key="currency").set_value("EUR").run()
    assert metrics(at)["At risk EUR"] == format_money(40000, "EUR")
    at.multiselect(key="reason").set_value([]).run()
    at.multiselect(key="source").set_value(["ml"]).run()
    assert_ran(at)
    assert metrics(at)["Findings shown"] == "1"
    assert "No EUR finding is still at risk" in texts(at)


def test_review_queue_drill_shows_the_evidence_rows(open_page):
    at = _queue_in_usd(open_page("review-queue"))
    at.selectbox(key="finding").set_value("q1").run()
    assert_ran(at)
    lines = [df.value for df in at.dataframe if "line_id" in df.value.columns]
    assert [list(df["line_id"]) for df in lines] == [["L1"]]
    assert "raw.not_published" in texts(at)
    at.selectbox(key="finding").set_value("q2").run()
    lines = [df.value for df in at.dataframe if "line_id" in df.value.columns]
    assert [list(df["line_id"]) for df in lines] == [["L2"]]
    at.selectbox(key="finding").set_value("q6").run()  # D1 is an invoice id, not a line id
    lines = [df.value for df in at.dataframe if "line_id" in df.value.columns]
    assert [list(df["line_id"]) for df in lines] == [["L1"]]


def test_leakage_by_cause_and_month_in_the_reporting_currency(open_page):
    at = open_page("leakage")
    assert at.radio(key="currency").options == ["USD (reporting)", "EUR", "USD"]
    assert charted(at, "leakage_chart", reason_words("usage_not_billed")) == {
        "2026-02": usd(32000),
        "2026-03": usd(3000),
    }
    shown = metrics(at)
    assert shown["Leaked USD"] == usd(35000)
    assert shown["Over-billed USD"] == usd(5000)
    assert "1 month × reason × currency rows have no ECB rate" in texts(at)
    by_cause = next(
        df.value
        for df in at.dataframe
        if "cause" in df.value.columns and "period_month" not in df.value.columns
    )
    assert list(by_cause["cause"]) == [reason_words("usage_not_billed"), reason_words("contract_not_billed"),
                                       reason_words("duplicate_invoice_charge")]  # fmt: skip
    assert list(by_cause["leaked"]) == [usd(35000), usd(0), usd(0)]


def test_leakage_in_a_document_currency_with_the_findings_behind(open_page):
    at = open_page("leakage")
    at.radio(key="currency").set_value("EUR").run()
    assert_ran(at)
    eur = lambda m: format_money(m, "EUR")  # noqa: E731
    assert charted(at, "leakage_chart", reason_words("contract_not_billed")) == {
        "2026-02": eur(0),
        "2026-03": eur(40000),
    }
    assert metrics(at)["Leaked EUR"] == eur(60000)
    detail = next(df.value for df in at.dataframe if "finding_ids" in df.value.columns)
    assert list(detail["finding_ids"]) == ["e2", "e1"] or list(detail["finding_ids"]) == ["e1", "e2"]


def test_cutover_verdict_match_chart_and_unexplained_lines(open_page):
    at = open_page("cutover")
    at.radio(key="currency").set_value("USD").run()
    assert_ran(at)
    shown = metrics(at)
    # 2026-05 is not complete yet: the headline is the last complete month
    assert shown["Verdict 2026-04"] == "READY"
    assert shown["Unexplained difference USD 2026-04"] == usd(0)
    assert charted(at, "match_chart", "Lines matched") == {
        "2026-02": "99.0%",
        "2026-03": "100.0%",
        "2026-04": "100.0%",
        "2026-05": "100.0%",
    }
    assert charted(at, "match_chart", "Unexplained difference") == {
        "2026-02": usd(1250),
        "2026-03": usd(0),
        "2026-04": usd(0),
        "2026-05": usd(0),
    }
    unexplained = next(df.value for df in at.dataframe if "shadow_line_id" in df.value.columns)
    assert list(unexplained["shadow_line_id"]) == ["s1"]  # s2 differs but is explained (timing)
    at.selectbox(key="month").set_value("2026-03").run()
    assert "No unexplained USD difference in 2026-03." in texts(at)


def test_cutover_not_ready_in_another_currency(open_page):
    at = open_page("cutover")
    at.radio(key="currency").set_value("EUR").run()
    assert metrics(at)["Verdict 2026-04"] == "NOT READY"
    unexplained = next(df.value for df in at.dataframe if "shadow_line_id" in df.value.columns)
    assert list(unexplained["shadow_line_id"]) == ["s3"]


@pytest.mark.parametrize(
    ("page", "table"),
    [
        ("review-queue", "assurance.fct_assurance_review_queue"),
        ("leakage", "assurance.fct_assurance_leakage"),
        ("cutover", "assurance.fct_parallel_run_summary"),
    ],
)
def test_pages_name_the_assurance_mart_they_lack(open_page, page, table):
    at = open_page(page, skip=(table,))
    assert table in texts(at) and "make run" in texts(at)
