"""The MRR, Retention and Customers pages under AppTest: one charted value of each equals
independent SQL on the metrics marts of the published copy, for the currency, entity, segment
and month the page's labels name, including after the currency is switched (the one-month
bridge once drew another currency's figures under the label of the one picked)."""

from __future__ import annotations

import re
from decimal import Decimal

from dashboard_helpers import (
    assert_ran,
    chart_traces,
    charted,
    metrics,
    publish_raw_tables_only,
    run_page,
    texts,
)

from dashboards.ui import currency_label, format_money, percent, to_major

BRIDGE = "metrics.fct_mrr_bridge"
RATES = "metrics.fct_mrr_rates"
ARPA = "metrics.fct_mrr_arpa_ltv"
COHORTS = "metrics.fct_mrr_cohorts"
# the row of fct_mrr_rates / _arpa_ltv / _cohorts that holds the whole book
WHOLE_BOOK = "billing_entity_code = 'all' and segment_type = 'all'"


def bridge_row(query, basis, currency, month, entity=None, segment_type="all", segment_value=None) -> dict:
    """The bridge of one month from the mart, added up over entities and segment values."""
    cols = ["opening_mrr_minor", "new_minor", "expansion_minor", "contraction_minor", "churn_minor",
            "reactivation_minor", "fx_impact_minor", "closing_mrr_minor", "closing_customers"]  # fmt: skip
    row = query(
        f"select {', '.join(f'sum({c})' for c in cols)} from {BRIDGE} "
        "where currency_basis = $1 and currency = $2 and month = $3 "
        "and ($4::varchar is null or billing_entity_code = $4::varchar) and segment_type = $5 "
        "and ($6::varchar is null or segment_value = $6::varchar)",
        basis,
        currency,
        month,
        entity,
        segment_type,
        segment_value,
    )[0]
    return dict(zip(cols, row, strict=True))


def currencies(query) -> list[tuple[str, str]]:
    return query(
        f"select distinct currency_basis, currency from {BRIDGE} order by currency_basis desc, currency"
    )


def page_on(page: str, mart: str, mart_state):
    """The page run; None (after checking the page named it) when `mart` cannot give figures."""
    at = run_page(page)
    assert_ran(at)
    if mart_state(mart) != "ok":
        assert mart in texts(at)
        return None
    return at


def switched_to(at, pairs):
    """Shows the page in each (basis, currency) in turn, yielding (basis, currency, label)."""
    for basis, currency in pairs:
        label = currency_label(basis, currency)
        at.radio(key="currency").set_value(label).run()
        assert_ran(at)
        yield basis, currency, label


def assert_waterfall_is_the_mart(at, query, basis: str, currency: str, month) -> None:
    label = currency_label(basis, currency)
    when = f"{month:%B %Y}"
    expected = bridge_row(query, basis, currency, month)
    drawn = charted(at, "mrr_waterfall")
    money = {k: format_money(v, currency) for k, v in expected.items() if k.endswith("_minor")}
    assert drawn["opening"] == money["opening_mrr_minor"]
    assert drawn["closing"] == money["closing_mrr_minor"]
    assert drawn["new"] == money["new_minor"]
    assert drawn["churn"] == format_money(-expected["churn_minor"], currency)
    assert ("fx_impact" in drawn) == (basis == "reporting")
    shown = metrics(at)
    # the cards above the chart carry the same month and currency, and the same figures
    assert shown[f"Opening MRR {label}, {when}"] == drawn["opening"]
    assert shown[f"Closing MRR {label}, {when}"] == drawn["closing"]
    assert f"Bridge of {when}, {label}" in [s.value for s in at.subheader]


def test_mrr_waterfall_follows_the_currency_switch(query, mart_state):
    at = page_on("mrr", BRIDGE, mart_state)
    if at is None:
        return
    pairs = currencies(query)
    assert len(pairs) >= 3, "the demo has a reporting currency and several document currencies"
    # an older month first, then every currency in turn: the chart must follow the label each time
    month = query(f"select max(month) from {BRIDGE} where month < (select max(month) from {BRIDGE})")[0][0]
    at.selectbox(key="month").set_value(month).run()
    for basis, currency, _ in switched_to(at, [*pairs[1:], pairs[0]]):
        shown_month = at.selectbox(key="month").value
        has_month = query(
            f"select count(*) from {BRIDGE} where currency_basis = ? and currency = ? and month = ?",
            basis,
            currency,
            month,
        )[0][0]
        assert shown_month == month or not has_month
        assert_waterfall_is_the_mart(at, query, basis, currency, shown_month)
    # and the last month, the one the issue saw wrong, in the last currency switched to
    last = query(f"select max(month) from {BRIDGE}")[0][0]
    at.selectbox(key="month").set_value(last).run()
    assert_waterfall_is_the_mart(at, query, *pairs[0], last)


def test_mrr_entity_segment_and_drill_match_the_mart(query, mart_state):
    at = page_on("mrr", BRIDGE, mart_state)
    if at is None:
        return
    # the busiest plan segment of one entity in a document currency, at its latest month
    basis, currency, entity, value, month = query(
        f"select currency_basis, currency, billing_entity_code, segment_value, max(month) from {BRIDGE} "
        "where segment_type = 'plan' and currency_basis = 'document' group by all "
        "order by sum(closing_customers) desc, 1, 2, 3, 4 limit 1"
    )[0]
    at.radio(key="currency").set_value(currency_label(basis, currency)).run()
    at.selectbox(key="entity").set_value(entity).run()
    at.selectbox(key="segment_type").set_value("plan").run()
    at.selectbox(key="segment_value_plan").set_value(value).run()
    at.selectbox(key="month").set_value(month).run()
    assert_ran(at)
    expected = bridge_row(query, basis, currency, month, entity, "plan", value)
    drawn = charted(at, "mrr_waterfall")
    assert drawn["closing"] == format_money(expected["closing_mrr_minor"], currency)
    assert metrics(at)[f"Paying customers, {month:%B %Y}"] == f"{expected['closing_customers']:,}"

    at.selectbox(key="bucket").set_value("closing").run()
    assert_ran(at)
    drill = next(df.value for df in at.dataframe if "external_customer_id" in df.value.columns)
    assert len(drill) == expected["closing_customers"]
    assert set(drill["billing_entity_code"]) == {entity} and set(drill["segment_value"]) == {value}
    assert set(drill["currency"]) == {currency}


def test_mrr_drill_adds_up_to_the_bar(query, mart_state):
    """The customers behind a movement of the reporting bridge add up to its bar."""
    if mart_state(BRIDGE) != "ok":
        return
    currency, month, churn = query(
        f"select currency, month, sum(churn_minor) from {BRIDGE} where currency_basis = 'reporting' "
        "and segment_type = 'all' group by all having sum(churn_minor) > 0 order by month desc limit 1"
    )[0]
    at = run_page("mrr")
    at.radio(key="currency").set_value(currency_label("reporting", currency)).run()
    at.selectbox(key="month").set_value(month).run()
    at.selectbox(key="bucket").set_value("churn").run()
    assert_ran(at)
    assert charted(at, "mrr_waterfall")["churn"] == format_money(-churn, currency)
    drill = next(df.value for df in at.dataframe if "external_customer_id" in df.value.columns)
    customers = query(
        "select count(*) from metrics.fct_mrr where month = ? and reporting_currency = ? and movement = 'churn'",
        month,
        currency,
    )[0][0]
    assert len(drill) == customers and set(drill["movement"]) == {"churn"}
    # the amounts listed (shown as money text) add up to the bar
    listed = sum(Decimal(re.sub(r"[^0-9.\-]", "", text)) for text in drill["churn"])
    assert listed == to_major(churn, currency)


def test_retention_trend_last_points_are_the_mart(query, mart_state):
    at = page_on("retention", RATES, mart_state)
    if at is None:
        return
    for basis, currency, label in switched_to(at, currencies(query)[:2]):
        for window, name in ((1, "monthly"), (12, "trailing 12 months")):
            rows = query(
                f"select month, nrr, grr from {RATES} where currency_basis = ? and currency = ? "
                f"and window_months = ? and {WHOLE_BOOK} order by month desc limit 1",
                basis,
                currency,
                window,
            )
            if not rows:
                continue
            month, nrr, grr = rows[0]
            assert charted(at, "retention_chart", f"NRR {name}")[f"{month:%Y-%m}"] == percent(nrr)
            assert charted(at, "retention_chart", f"GRR {name}")[f"{month:%Y-%m}"] == percent(grr)
            if window == 1:
                assert metrics(at)[f"NRR monthly {label}, {month:%B %Y}"] == percent(nrr)


def test_retention_cohort_cell_is_the_mart(query, mart_state):
    at = page_on("retention", COHORTS, mart_state)
    if at is None:
        return
    basis, currency = currencies(query)[0]
    cohort, age, logo, mrr = query(
        f"select cohort_month, months_since_cohort, logo_retention, mrr_retention from {COHORTS} "
        f"where currency_basis = ? and currency = ? and months_since_cohort > 0 and {WHOLE_BOOK} "
        "order by logo_retention, cohort_month limit 1",
        basis,
        currency,
    )[0]
    for key, expected in (("cohort_logo", logo), ("cohort_mrr", mrr)):
        (heatmap,) = chart_traces(at, key)
        row = heatmap["y"].index(f"{cohort:%Y-%m}")
        assert heatmap["text"][row][heatmap["x"].index(str(age))] == percent(expected)


def test_customers_arpa_and_scheduled_churn_are_the_mart(query, mart_state):
    at = page_on("customers", ARPA, mart_state)
    if at is None:
        return
    for basis, currency, label in switched_to(at, currencies(query)[:2]):
        month, arpa, ltv = query(
            f"select month, arpa_minor, ltv_minor from {ARPA} where currency_basis = ? and currency = ? "
            f"and {WHOLE_BOOK} order by month desc limit 1",
            basis,
            currency,
        )[0]
        shown = metrics(at)
        assert shown[f"ARPA {label}, {month:%B %Y}"] == format_money(arpa, currency)
        assert shown[f"LTV {label}, {month:%B %Y}"] == (
            "not measurable" if ltv is None else format_money(ltv, currency)
        )
        assert charted(at, "arpa_chart", "ARPA")[f"{month:%Y-%m}"] == format_money(arpa, currency)
        scheduled = query(
            f"select sum(scheduled_churn_mrr_minor), sum(closing_customers) from {BRIDGE} "
            "where currency_basis = ? and currency = ? and segment_type = 'all' and month = ?",
            basis,
            currency,
            month,
        )[0]
        assert shown[f"Scheduled churn {label}, {month:%B %Y}"] == format_money(scheduled[0], currency)
        assert shown[f"Paying customers, {month:%B %Y}"] == f"{scheduled[1]:,}"


def entity_plan_cut(query) -> tuple:
    """An entity × plan cut in a document currency whose monthly NRR at its latest month is not
    the whole book's: (basis, currency, entity, plan, month, nrr)."""
    return query(
        f"""
        select r.currency_basis, r.currency, r.billing_entity_code, r.segment_value, r.month, r.nrr
        from {RATES} r
        join {RATES} w
          on w.month = r.month and w.currency_basis = r.currency_basis and w.currency = r.currency
          and w.window_months = r.window_months and w.billing_entity_code = 'all' and w.segment_type = 'all'
        where r.window_months = 1 and r.currency_basis = 'document' and r.segment_type = 'plan'
          and r.billing_entity_code <> 'all' and r.nrr is not null and r.nrr <> w.nrr
          and r.month = (select max(month) from {RATES} x where x.currency_basis = r.currency_basis
                         and x.currency = r.currency and x.window_months = 1
                         and x.billing_entity_code = r.billing_entity_code and x.segment_type = 'plan'
                         and x.segment_value = r.segment_value)
        order by r.opening_customers desc, 1, 2, 3, 4
        limit 1
        """
    )[0]


def filtered_to(at, basis, currency, entity, plan):
    at.radio(key="currency").set_value(currency_label(basis, currency)).run()
    at.selectbox(key="entity").set_value(entity).run()
    at.selectbox(key="segment_type").set_value("plan").run()
    at.selectbox(key="segment_value_plan").set_value(plan).run()
    assert_ran(at)
    return at


def test_retention_and_customers_show_the_filtered_cut(query, mart_state):
    at = page_on("retention", RATES, mart_state)
    if at is None:
        return
    basis, currency, entity, plan, month, nrr = entity_plan_cut(query)
    label = currency_label(basis, currency)
    filtered_to(at, basis, currency, entity, plan)
    # the entity × plan row's own NRR, not the whole book's (the query picked one that differs)
    assert metrics(at)[f"NRR monthly {label}, {month:%B %Y}"] == percent(nrr)
    assert charted(at, "retention_chart", "NRR monthly")[f"{month:%Y-%m}"] == percent(nrr)

    at = page_on("customers", ARPA, mart_state)
    if at is None:
        return
    filtered_to(at, basis, currency, entity, plan)
    arpa_month, arpa = query(
        f"select month, arpa_minor from {ARPA} where currency_basis = ? and currency = ? "
        "and billing_entity_code = ? and segment_type = 'plan' and segment_value = ? order by month desc limit 1",
        basis,
        currency,
        entity,
        plan,
    )[0]
    assert metrics(at)[f"ARPA {label}, {arpa_month:%B %Y}"] == format_money(arpa, currency)
    assert charted(at, "arpa_chart", "ARPA")[f"{arpa_month:%Y-%m}"] == format_money(arpa, currency)


def test_metrics_pages_name_the_marts_they_lack(tmp_path, monkeypatch):
    publish_raw_tables_only(tmp_path, monkeypatch)
    for page, mart in (("mrr", BRIDGE), ("retention", RATES), ("customers", ARPA)):
        at = run_page(page)
        assert_ran(at)
        assert mart in texts(at) and "make run" in texts(at)
