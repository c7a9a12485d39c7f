"""Reference files a finance user edits (landing/reference/<kind>/): every value dbt reads with a
type is checked on the way in, and a bad row is quarantined with a reason naming the file, the
row and the row's key; a key's latest landed file is the one in force (A -> B -> A is A)."""

from __future__ import annotations

import json
from datetime import date

import pytest

ENTITIES = "reference/entities/entities.csv"
ENTITY_HEADER = (
    "entity_id,name,currency,functional_currency,timezone,invoice_number_prefix,country,default_tax_codes\n"
)
SETTINGS_HEADER = "key,value,note\n"
CLOSES = "reference/period_closes/closes.csv"
CLOSES_HEADER = "entity_id,period,closed_at,closed_by\n"


def _reasons(landing) -> list[tuple]:
    """(row, field, value, reason) of every quarantined row, in file/row order."""
    return [q[1:] for q in landing.quarantine()]


def _loaded(landing, kind: str) -> list[dict]:
    return [
        json.loads(r[0])
        for r in landing.rows(
            "select row_json from raw.reference_rows where reference_kind = ? order by _source_file, _row_number",
            [kind],
        )
    ]


def test_entity_with_unknown_currency_or_time_zone_is_quarantined_with_file_row_and_key(landing):
    landing.write(
        ENTITIES,
        ENTITY_HEADER
        + "rh-us,US Inc,USD,USD,America/New_York,RHUS,US,us_sales_tax\n"
        + "rh-xx,X Inc,USX,USD,America/New_York,RHXX,US,\n"
        + "rh-eu,EU SAS,EUR,EUR,Europe/Pariss,RHEU,FR,fr_vat_20\n"
        + "rh-fx,FX Ltd,GBP,EURO,Europe/London,RHFX,GB,\n"
        + "rh-nn,,GBP,GBP,Europe/London,RHNN,GB,\n",
    )
    f = landing.ingest().files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (5, 1, 4)
    assert [e["entity_id"] for e in _loaded(landing, "entities")] == ["rh-us"]
    (r2, r3, r4, r5) = _reasons(landing)
    assert r2[:3] == (2, "currency", "USX")
    assert r2[3].startswith(f"{ENTITIES} row 2 (entity_id=rh-xx): ")
    assert "ISO 4217" in r2[3]
    assert r3[:3] == (3, "timezone", "Europe/Pariss")
    assert r3[3].startswith(f"{ENTITIES} row 3 (entity_id=rh-eu): ") and "IANA time zone" in r3[3]
    assert r4[:3] == (4, "functional_currency", "EURO")
    assert r5[:3] == (5, "name", None) and "is empty" in r5[3]


def test_entity_currency_is_stored_upper_case(landing):
    landing.write(ENTITIES, ENTITY_HEADER + "rh-jp,JP KK,jpy,,Asia/Tokyo,RHJP,JP,\n")
    landing.ingest()
    (row,) = _loaded(landing, "entities")
    assert (row["currency"], row["functional_currency"], row["timezone"]) == ("JPY", "", "Asia/Tokyo")


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ("rh-us,2026-13,2026-02-05T17:00:00Z,cfo", "period", "YYYY-MM"),
        ("rh-us,2026-1,2026-02-05T17:00:00Z,cfo", "period", "YYYY-MM"),
        ("rh-us,2026-00,2026-02-05T17:00:00Z,cfo", "period", "YYYY-MM"),
        ("rh-us,2026-01,2026-02-30,cfo", "closed_at", "ISO 8601"),
        ("rh-us,2026-01,yesterday,cfo", "closed_at", "ISO 8601"),
    ],
)
def test_period_close_with_bad_period_or_unreal_time_is_quarantined(landing, line, field, words):
    landing.write(CLOSES, CLOSES_HEADER + line + "\n")
    f = landing.ingest().files[0]
    assert (f.rows_loaded, f.rows_quarantined) == (0, 1)
    ((row, got_field, value, reason),) = _reasons(landing)
    assert (row, got_field, value) == (1, field, line.split(",")[1 if field == "period" else 2])
    period = line.split(",")[1]
    assert reason.startswith(f"{CLOSES} row 1 (entity_id=rh-us, period={period}): ")
    assert words in reason


def test_good_period_close_is_loaded_with_closed_at_in_utc(landing):
    landing.write(CLOSES, CLOSES_HEADER + "rh-us,2026-12,2027-01-05T17:00:00+01:00,cfo\nrh-eu,2026-12,,cfo\n")
    f = landing.ingest().files[0]
    assert (f.rows_loaded, f.rows_quarantined) == (2, 0)
    assert [r["closed_at"] for r in _loaded(landing, "period_closes")] == ["2027-01-05 16:00:00", ""]


@pytest.mark.parametrize(
    ("key", "value", "field", "words"),
    [
        ("as_of", "yesterday", "value", "ISO 8601"),
        ("as_of", "2026-02-30", "value", "ISO 8601"),
        ("grace_period_days", "-1", "value", "whole number"),
        ("grace_period_days", "3.5", "value", "whole number"),
        ("grace_period_days", "", "value", "whole number"),
        ("cutover_date", "2026-02-30", "value", "date"),
        ("cutover_date", "2026-02-01T00:00:00Z", "value", "date"),
        ("reporting_currency", "USX", "value", "ISO 4217"),
        ("encoding.crm", "cp9999", "value", "encoding"),
        ("encoding.nosuchsource", "cp1252", "key", "unknown settings key"),
        ("grace_period", "5", "key", "unknown settings key"),
    ],
)
def test_bad_setting_is_quarantined_with_file_row_and_key(landing, key, value, field, words):
    name = "reference/settings/settings.csv"
    landing.write(name, SETTINGS_HEADER + f"{key},{value},finance\n")
    f = landing.ingest(sources=["reference"]).files[0]
    assert (f.rows_loaded, f.rows_quarantined) == (0, 1)
    ((row, got_field, got_value, reason),) = _reasons(landing)
    assert (row, got_field) == (1, field)
    assert got_value == ((value or None) if field == "value" else key)
    assert reason.startswith(f"{name} row 1 (key={key}): ")
    assert words in reason


def test_good_settings_are_loaded_typed_and_normalised(landing):
    landing.write(
        "reference/settings/settings.csv",
        SETTINGS_HEADER
        + "as_of,2026-04-01T02:00:00+02:00,\n"
        + "grace_period_days,03,\n"
        + "cutover_date,2026-01-01,\n"
        + "reporting_currency,eur,\n"
        + "encoding.crm,cp1252,\n"
        + "delimiter.crm,;,\n"
        + "default_currency.crm,USD,\n",
    )
    f = landing.ingest(sources=["reference"]).files[0]
    assert (f.rows_loaded, f.rows_quarantined) == (7, 0)
    assert {r["key"]: r["value"] for r in _loaded(landing, "settings")} == {
        "as_of": "2026-04-01 00:00:00",
        "grace_period_days": "3",
        "cutover_date": "2026-01-01",
        "reporting_currency": "EUR",
        "encoding.crm": "cp1252",
        "delimiter.crm": ";",
        "default_currency.crm": "USD",
    }


def test_empty_as_of_means_run_time_and_loads(landing):
    landing.write("reference/settings/settings.csv", SETTINGS_HEADER + "as_of,,run time\n")
    f = landing.ingest(sources=["reference"]).files[0]
    assert (f.rows_loaded, f.rows_quarantined) == (1, 0)


def test_setting_changed_back_a_b_a_is_loaded_again_as_the_latest_landing(landing):
    """A -> B -> A in three files landed in three runs: the third file's grace_period_days row is
    the same text as the first's (only the file differs: it also sets cutover_date), and all
    three are kept in raw; the newest (_ingested_at, then file, then row: the order
    stg_reference__settings picks by, see its unit test) is A. Before, the third row counted as
    a duplicate of the first (same content) and B stayed in force without a word."""
    files = {
        "s1.csv": "grace_period_days,5,A\n",
        "s2.csv": "grace_period_days,7,B\n",
        "s3.csv": "cutover_date,2026-01-01,\ngrace_period_days,5,A\n",
    }
    for name, rows in files.items():
        landing.write(f"reference/settings/{name}", SETTINGS_HEADER + rows)
        (f,) = [x for x in landing.ingest(sources=["reference"]).files if x.file_path.endswith(name)]
        assert (f.status, f.rows_duplicate, f.rows_quarantined) == ("loaded", 0, 0)
    history = landing.rows(
        "select _source_file, json_extract_string(row_json, '$.value') from raw.reference_rows "
        "where json_extract_string(row_json, '$.key') = 'grace_period_days' "
        "order by _ingested_at desc, _source_file desc, _row_number desc"
    )
    assert history == [
        ("reference/settings/s3.csv", "5"),
        ("reference/settings/s2.csv", "7"),
        ("reference/settings/s1.csv", "5"),
    ]


def test_setting_changed_back_by_relanding_the_same_bytes_is_in_force_again(landing):
    """A -> B -> A where the third file is a byte-for-byte copy of the first under a new name
    (finance re-lands the earlier file): for reference files the same bytes at a new path are a
    new landing, so A is loaded again as the newest; rerunning ingestion changes nothing."""
    a = SETTINGS_HEADER + "grace_period_days,5,A\n"
    for name, text in (("s1.csv", a), ("s2.csv", SETTINGS_HEADER + "grace_period_days,7,B\n"), ("s3.csv", a)):
        landing.write(f"reference/settings/{name}", text)
        (f,) = [x for x in landing.ingest(sources=["reference"]).files if x.file_path.endswith(name)]
        assert (f.status, f.rows_loaded, f.rows_duplicate) == ("loaded", 1, 0), name
    assert {x.status for x in landing.ingest(sources=["reference"]).files} == {"unchanged"}
    history = landing.rows(
        "select _source_file, json_extract_string(row_json, '$.value') from raw.reference_rows "
        "order by _ingested_at desc, _source_file desc"
    )
    assert history[0] == ("reference/settings/s3.csv", "5")
    assert len(history) == 3


def test_same_row_twice_in_one_file_is_a_duplicate(landing):
    landing.write(
        "reference/settings/settings.csv", SETTINGS_HEADER + "grace_period_days,5,a\ngrace_period_days,5,a\n"
    )
    f = landing.ingest(sources=["reference"]).files[0]
    assert (f.rows_loaded, f.rows_duplicate) == (1, 1)


def test_no_seed_carries_billing_entities_and_the_demo_lands_every_entity_it_bills_with(tmp_path):
    """Seeds hold true reference data and documented defaults only: a company's entities come
    from its own reference/entities, so the demo writes its entities as a landing file, covering
    every entity a demo customer is billed by."""
    import csv

    from dagster_project.demo import company, reference
    from dagster_project.settings import REPO_ROOT

    seeds = REPO_ROOT / "dbt_project" / "seeds"
    assert not (seeds / "billing_entities.csv").exists()
    for seed in seeds.glob("*.csv"):
        assert "rh-us" not in seed.read_text() and "rh-eu" not in seed.read_text(), seed.name
    files = reference.write_reference(tmp_path, date(2026, 1, 1), date(2026, 3, 1))
    assert "reference/entities/entities.csv" in files
    with (tmp_path / "reference/entities/entities.csv").open() as fh:
        landed = {row["entity_id"] for row in csv.DictReader(fh)}
    assert {entity for entity, _ in company.GEO.values()} <= landed


@pytest.mark.parametrize(
    ("kind", "header", "line", "field", "words"),
    [
        ("ssp", "product,currency,ssp_minor,valid_from", "pro,USX,1000,2026-01-01", "currency", "ISO 4217"),
        (
            "ssp",
            "product,currency,ssp_minor,valid_from",
            "pro,USD,10.50,2026-01-01",
            "ssp_minor",
            "whole number",
        ),
        ("ssp", "product,currency,ssp_minor,valid_from", "pro,USD,1000,2026-02-30", "valid_from", "date"),
        ("revrec_rules", "product,pattern", "pro,monthly", "pattern", "ratable"),
        ("revrec_rules", "product,pattern,distinct", "pro,ratable,maybe", "distinct", "true or false"),
        (
            "revrec_rules",
            "product,pattern,usage_expedient",
            "pro,usage,sometimes",
            "usage_expedient",
            "true or false",
        ),
        ("revrec_rules", "product,pattern,kind", "pro,ratable,setup", "kind", "setup_fee"),
        ("ssp", "product,currency,ssp_minor,ssp_method", "pro,USD,1000,remainder", "ssp_method", "residual"),
        (
            "ssp",
            "product,currency,ssp_minor,valid_from,valid_to",
            "pro,USD,1000,2026-03-01,2026-02-01",
            "valid_to",
            "before",
        ),
    ],
)
def test_bad_ssp_or_revrec_rule_is_quarantined(landing, kind, header, line, field, words):
    landing.write(f"reference/{kind}/{kind}.csv", header + "\n" + line + "\n")
    f = landing.ingest().files[0]
    assert (f.rows_loaded, f.rows_quarantined) == (0, 1)
    ((row, got_field, _, reason),) = _reasons(landing)
    assert (row, got_field) == (1, field)
    assert reason.startswith(f"reference/{kind}/{kind}.csv row 1 (product=pro") and words in reason


def test_good_ssp_row_loads(landing):
    landing.write(
        "reference/ssp/ssp.csv", "product,currency,ssp_minor,valid_from,valid_to\npro,eur,0120,2026-01-01,\n"
    )
    f = landing.ingest().files[0]
    assert (f.rows_loaded, f.rows_quarantined) == (1, 0)
    (row,) = _loaded(landing, "ssp")
    assert (row["currency"], row["ssp_minor"], row["valid_from"], row["valid_to"]) == (
        "EUR",
        "120",
        "2026-01-01",
        "",
    )


def test_good_revrec_rule_loads_with_booleans_normalised(landing):
    landing.write(
        "reference/revrec_rules/rules.csv",
        "product,pattern,distinct,usage_expedient,kind\nonboarding,ratable,No,,setup_fee\napi_calls,usage,,0,\n",
    )
    f = landing.ingest().files[0]
    assert (f.rows_loaded, f.rows_quarantined) == (2, 0)
    rows = sorted(_loaded(landing, "revrec_rules"), key=lambda r: r["product"])
    assert [(r["product"], r["distinct"], r["usage_expedient"], r["kind"]) for r in rows] == [
        ("api_calls", "", "false", ""),
        ("onboarding", "false", "", "setup_fee"),
    ]


def test_chart_of_accounts_role_outside_the_policy_is_quarantined(landing):
    landing.write(
        "reference/chart_of_accounts/coa.csv",
        "account_role,account_code,account_name\nrevenue,4010,Subscription revenue\nrevenues,4000,Revenue\n",
    )
    f = landing.ingest().files[0]
    assert (f.rows_loaded, f.rows_quarantined) == (1, 1)
    ((row, field, value, reason),) = _reasons(landing)
    assert (row, field, value) == (2, "account_role", "revenues")
    assert reason.startswith("reference/chart_of_accounts/coa.csv row 2 (account_role=revenues)")
    assert "accounts_receivable" in reason


COLLECTIONS_ENTITY_HEADER = ENTITY_HEADER.rstrip("\n") + ",net_payment_term,applied_dunning_campaign_code\n"


def test_entity_payment_term_and_dunning_campaign_are_loaded(landing):
    landing.write(
        ENTITIES,
        COLLECTIONS_ENTITY_HEADER
        + "rh-us,US Inc,USD,USD,America/New_York,RHUS,US,,030,standard\n"
        + "rh-eu,EU SAS,EUR,EUR,Europe/Paris,RHEU,FR,,,\n",
    )
    f = landing.ingest().files[0]
    assert (f.rows_loaded, f.rows_quarantined) == (2, 0)
    assert [
        (r["entity_id"], r["net_payment_term"], r["applied_dunning_campaign_code"])
        for r in _loaded(landing, "entities")
    ] == [("rh-us", "30", "standard"), ("rh-eu", "", "")]


@pytest.mark.parametrize("term", ["-1", "2.5", "thirty"])
def test_entity_with_bad_payment_term_is_quarantined(landing, term):
    landing.write(
        ENTITIES, COLLECTIONS_ENTITY_HEADER + f"rh-us,US Inc,USD,USD,America/New_York,RHUS,US,,{term},\n"
    )
    f = landing.ingest().files[0]
    assert (f.rows_loaded, f.rows_quarantined) == (0, 1)
    ((row, field, value, reason),) = _reasons(landing)
    assert (row, field, value) == (1, "net_payment_term", term)
    assert reason.startswith(f"{ENTITIES} row 1 (entity_id=rh-us): ") and "whole number of days" in reason


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("cash_application.auto_score", "80", "between 0 and 1"),
        ("cash_application.auto_score", "1.2", "between 0 and 1"),
        ("cash_application.suggest_score", "-0.6", "between 0 and 1"),
        ("cash_application.suggest_score", "", "between 0 and 1"),
        ("dso.months", "0", "1 or more"),
        ("dso.months", "2.5", "whole number of months"),
        ("dunning.churn_window_days", "-30", "whole number of days"),
        ("dunning.churn_window", "30", "unknown settings key"),
        ("ltv_gross_margin", "80", "above 0 and at most 1"),
        ("ltv_gross_margin", "0", "above 0 and at most 1"),
        ("ltv_gross_margin", "0.0", "above 0 and at most 1"),
        ("ltv_gross_margin", "", "above 0 and at most 1"),
    ],
)
def test_bad_collections_setting_is_quarantined(landing, key, value, words):
    name = "reference/settings/settings.csv"
    landing.write(name, SETTINGS_HEADER + f"{key},{value},finance\n")
    f = landing.ingest(sources=["reference"]).files[0]
    assert (f.rows_loaded, f.rows_quarantined) == (0, 1)
    ((row, field, _, reason),) = _reasons(landing)
    assert (row, field) == (1, "key" if "unknown" in words else "value")
    assert reason.startswith(f"{name} row 1 (key={key}): ") and words in reason


def test_good_collections_settings_are_loaded(landing):
    landing.write(
        "reference/settings/settings.csv",
        SETTINGS_HEADER
        + "cash_application.auto_score,0.85,\n"
        + "cash_application.suggest_score,.5,\n"
        + "dso.months,06,\n"
        + "dunning.churn_window_days,0,\n"
        + "ltv_gross_margin,1,\n",
    )
    f = landing.ingest(sources=["reference"]).files[0]
    assert (f.rows_loaded, f.rows_quarantined) == (5, 0)
    assert {r["key"]: r["value"] for r in _loaded(landing, "settings")} == {
        "cash_application.auto_score": "0.85",
        "cash_application.suggest_score": ".5",
        "dso.months": "6",
        "dunning.churn_window_days": "0",
        "ltv_gross_margin": "1",
    }


def test_settings_seed_holds_the_collections_defaults():
    """collections.md §8 and metrics-and-revrec.md B8: the documented defaults are in force when no
    settings file is landed."""
    import csv

    from dagster_project.ingest.sources.reference import SETTING_KEYS
    from dagster_project.settings import REPO_ROOT

    with (REPO_ROOT / "dbt_project/seeds/settings.csv").open() as fh:
        seed = {row["key"]: row["value"] for row in csv.DictReader(fh)}
    assert set(seed) == set(SETTING_KEYS)
    assert (
        seed["cash_application.auto_score"],
        seed["cash_application.suggest_score"],
        seed["dso.months"],
        seed["dunning.churn_window_days"],
        seed["ltv_gross_margin"],
    ) == ("0.80", "0.60", "3", "30", "0.80")
