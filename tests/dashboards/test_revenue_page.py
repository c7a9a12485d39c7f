"""The Revenue page and the Overview's recognised figure under AppTest, on a published copy
with a hand-worked revrec book (revrec_fixture.py: the arithmetic is in its docstring), so the
page's cuts (as-of date, currency, entity) are checked whatever the demo build holds; and the
page names the revrec marts it lacks."""

from __future__ import annotations

import pytest
import revrec_fixture as book
from dashboard_helpers import assert_ran, charted, metrics, publish_raw_tables_only, run_page, texts

from dashboards.ui import format_money

POSTINGS = "intermediate.int_revrec__postings"


@pytest.fixture
def revenue_page(tmp_path, monkeypatch):
    def open_page(*extra: str, skip: tuple[str, ...] = (), empty: tuple[str, ...] = (), page="revenue"):
        publish_raw_tables_only(tmp_path, monkeypatch, *book.statements(skip, empty), *extra)
        at = run_page(page)
        assert_ran(at)
        return at

    return open_page


def usd(minor: int) -> str:
    return format_money(minor, "USD")


def test_headline_and_reconciliation_are_the_hand_worked_figures(revenue_page):
    at = revenue_page()
    assert at.radio(key="currency").options == ["EUR", "USD"]
    at.radio(key="currency").set_value("USD").run()
    assert_ran(at)
    shown = metrics(at)
    # the 2026-02-28 posting (7,000) lies after the as-of date and is not recognised
    assert shown["Recognised USD to 2026-02-15"] == usd(21075)
    assert shown["Billed − credited USD to 2026-02-15"] == usd(121500)
    assert shown["Deferred USD at 2026-02-15"] == usd(100425)
    assert shown["Unbilled USD at 2026-02-15"] == usd(0)
    assert "Every USD row reconciles at 2026-02-15." in texts(at)
    reconciliation = next(df.value for df in at.dataframe if "difference" in df.value.columns)
    assert list(reconciliation["billing_entity_code"]) == ["rh-eu", "rh-us"]
    assert list(reconciliation["recognised"]) == [usd(2000), usd(19075)]


def test_month_chart_shows_posted_flows_and_month_end_balances(revenue_page):
    at = revenue_page()
    at.radio(key="currency").set_value("USD").run()
    assert charted(at, "revenue_chart", "Recognised") == {"2026-01": usd(16692), "2026-02": usd(4383)}
    assert charted(at, "revenue_chart", "Billed") == {"2026-01": usd(122000), "2026-02": usd(4500)}
    assert charted(at, "revenue_chart", "Credited") == {"2026-01": usd(0), "2026-02": usd(5000)}
    # February's balance is the one at the as-of date, not at 28 February
    assert charted(at, "revenue_chart", "Deferred (month end)") == {
        "2026-01": usd(109808),
        "2026-02": usd(100425),
    }
    assert charted(at, "revenue_chart", "Unbilled (month end)") == {"2026-01": usd(4500), "2026-02": usd(0)}


def test_entity_and_currency_cut_every_figure(revenue_page):
    at = revenue_page()
    at.radio(key="currency").set_value("USD").run()
    at.selectbox(key="entity").set_value("rh-eu").run()
    assert_ran(at)
    assert metrics(at)["Recognised USD to 2026-02-15"] == usd(2000)
    # rh-eu's USD contract has a (zero) balance at the as-of date, so February is drawn at 0
    assert charted(at, "revenue_chart", "Recognised") == {"2026-01": usd(2000), "2026-02": usd(0)}
    assert list(next(df.value for df in at.dataframe if "difference" in df.value.columns)["recognised"]) == [
        usd(2000)
    ]
    at.radio(key="currency").set_value("EUR").run()
    assert_ran(at)
    shown = metrics(at)
    assert shown["Recognised EUR to 2026-02-15"] == format_money(16071, "EUR")
    assert shown["RPO next 12 months EUR at 2026-02-15"] == format_money(13929, "EUR")


def test_rpo_and_waterfall(revenue_page):
    at = revenue_page()
    at.radio(key="currency").set_value("USD").run()
    shown = metrics(at)
    assert shown["RPO next 12 months USD at 2026-02-15"] == usd(100425)
    assert shown["RPO later USD at 2026-02-15"] == usd(0)
    grid = next(df.value for df in at.dataframe if "2026-03 (scheduled)" in df.value.columns)
    assert grid.loc["2026-01", "2026-01"] == usd(10192)
    assert grid.loc["2026-01", "2026-03 (scheduled)"] == usd(10192)
    assert grid.loc["2026-02", "2026-02"] == usd(-548)
    assert grid.loc["2026-01", "total"] == usd(10192 + 9205 + 10192)


def test_drill_from_a_journal_line_to_the_usage_events(revenue_page):
    at = revenue_page()
    at.radio(key="currency").set_value("USD").run()
    at.selectbox(key="journal_period").set_value("2026-01").run()
    at.selectbox(key="journal_line").set_value("J2#2").run()
    assert_ran(at)
    po = next(df.value for df in at.dataframe if "product_code" in df.value.columns)
    assert list(po["po_id"]) == ["INV2:F2"]
    fee = next(df.value for df in at.dataframe if "billable_metric_code" in df.value.columns)
    assert list(fee["fee_id"]) == ["F2"]
    schedule = next(df.value for df in at.dataframe if "cumulative_amount" in df.value.columns)
    assert list(schedule["amount"]) == [usd(4500)]
    # sub-b's api_calls events from 1 to 31 January: not the February one, another metric or subscription
    events = next(df.value for df in at.dataframe if "transaction_id" in df.value.columns)
    assert list(events["transaction_id"]) == ["t1", "t2", "t3"]

    at.selectbox(key="journal_line").set_value("J1#1").run()
    assert_ran(at)
    assert "Not a usage obligation (pattern `ratable`)" in texts(at)


def test_a_difference_is_shown_as_not_reconciling(revenue_page):
    at = revenue_page(
        "update revrec.fct_contract_balances set deferred_revenue_minor = deferred_revenue_minor + 1 "
        "where contract_id = 'C1' and balance_date = '2026-02-15'"
    )
    at.radio(key="currency").set_value("USD").run()
    assert "1 row(s) do not reconcile" in texts(at)


@pytest.mark.parametrize(
    "how, words",
    [("skip", "has no `intermediate.int_revrec__postings` table"), ("empty", "is empty")],
)
def test_page_says_why_when_the_posted_subledger_is_missing_or_empty(revenue_page, how, words):
    at = revenue_page(**{how: (POSTINGS,)})
    assert POSTINGS in texts(at) and words in texts(at)
    assert not at.metric


def test_empty_waterfall_and_journals_are_named(revenue_page):
    at = revenue_page(empty=("revrec.fct_revenue_waterfall", "revrec.fct_journal_lines"))
    said = texts(at)
    assert "`revrec.fct_revenue_waterfall` is empty" in said
    assert "`revrec.fct_journal_lines` is empty" in said
    assert metrics(at)["Recognised EUR to 2026-02-15"] == format_money(16071, "EUR")


def test_overview_recognised_is_posted_up_to_the_as_of_date(revenue_page):
    at = revenue_page(page="overview")
    shown = metrics(at)
    assert shown["Recognised USD"] == usd(21075)
    assert shown["Recognised EUR"] == format_money(16071, "EUR")
    reconciliation = next(df.value for df in at.dataframe if "difference" in df.value.columns)
    assert list(reconciliation["currency"]) == ["EUR", "USD"]
    assert list(reconciliation["billed_net"]) == [format_money(30000, "EUR"), usd(121500)]
    assert list(reconciliation["difference"]) == [format_money(0, "EUR"), usd(0)]
