"""The Collections page under AppTest: the charted 90+ bar, the headline figures, the entity
filter and the customer drill equal independent SQL on the published copy, one currency at a
time; marts not built yet are named on the page."""

from __future__ import annotations

from dashboard_helpers import assert_ran, charted, metrics, publish_raw_tables_only, run_page, texts

from dashboards.ui import format_money

AGING = "collections.fct_receivables_aging"


def aging_at_latest(query, currency: str, entity: str | None = None) -> tuple:
    return query(
        f"""
        select report_date, sum(days_over_90_amount_minor), sum(open_amount_minor)
        from {AGING}
        where currency = $1 and ($2::varchar is null or billing_entity_code = $2::varchar)
          and report_date = (select max(report_date) from {AGING} where currency = $1
                             and ($2::varchar is null or billing_entity_code = $2::varchar))
        group by report_date
        """,
        currency,
        entity,
    )[0]


def test_charted_90_plus_and_headline_match_the_mart(query, mart_state):
    at = run_page("collections")
    assert_ran(at)
    if mart_state(AGING) != "ok":
        assert AGING in texts(at)
        return
    radio = at.radio(key="currency")
    assert len(radio.options) >= 2, "the demo bills in several currencies"
    for currency in [radio.options[0], radio.options[-1]]:
        at.radio(key="currency").set_value(currency).run()
        assert_ran(at)
        day, over_90, open_amount = aging_at_latest(query, currency)
        assert charted(at, "aging_chart", "90+")[f"{day:%Y-%m-%d}"] == format_money(over_90, currency)
        shown = metrics(at)
        assert f"Receivables at {day}" in " ".join(c.value for c in at.caption)
        assert shown[f"90+ days {currency}"] == format_money(over_90, currency)
        assert shown[f"Open receivables {currency}"] == format_money(open_amount, currency)


def test_entity_filter_and_customer_drill_match_sql(query, mart_state):
    at = run_page("collections")
    assert_ran(at)
    if mart_state(AGING) != "ok":
        return
    currency, entity = query(
        f"select currency, billing_entity_code from {AGING} group by all order by count(*) desc limit 1"
    )[0]
    at.radio(key="currency").set_value(currency).run()
    at.selectbox(key="entity").set_value(entity).run()
    assert_ran(at)
    day, over_90, _ = aging_at_latest(query, currency, entity)
    assert metrics(at)[f"90+ days {currency}"] == format_money(over_90, currency)

    customer = at.selectbox(key="customer").value
    open_invoices = query(
        "select count(*) from intermediate.int_collections__invoice_payment_state "
        "where external_customer_id = ? and currency = ? and amount_due_minor > 0",
        customer,
        currency,
    )[0][0]
    drill = next(df.value for df in at.dataframe if "amount_due" in df.value.columns)
    assert len(drill) == open_invoices > 0
    assert set(drill["currency"]) == {currency}


def test_dunning_funnel_entered_matches_the_mart(query, mart_state):
    at = run_page("collections")
    assert_ran(at)
    if mart_state("collections.fct_dunning_invoices") != "ok":
        assert "collections.fct_dunning_invoices" in texts(at)
        return
    currency, entered = query(
        "select currency, count(*) from collections.fct_dunning_invoices group by 1 order by 2 desc limit 1"
    )[0]
    at.radio(key="currency").set_value(currency).run()
    assert_ran(at)
    funnel = next(df.value for df in at.dataframe if "stage" in df.value.columns)
    assert funnel["stage"].iloc[0] == "entered" and int(funnel["invoices"].iloc[0]) == entered


def test_page_names_the_collections_marts_it_lacks(tmp_path, monkeypatch):
    publish_raw_tables_only(tmp_path, monkeypatch)
    at = run_page("collections")
    assert_ran(at)
    assert AGING in texts(at) and "make run" in texts(at)
