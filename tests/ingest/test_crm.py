"""Salesforce parser: the Fivetran samples in shared/formats as they are, plus API-shape files
built here (there is no API-export sample) for the rules the samples do not exercise."""

from __future__ import annotations

import csv
import gzip
from datetime import date, datetime
from pathlib import Path

import pytest

from dagster_project.ingest.base import LandingFile, Reject, Row, UnreadableFile
from dagster_project.ingest.schema import TABLES
from dagster_project.ingest.sources import crm
from dagster_project.ingest.sources.crm import sf_id_18

SAMPLES = Path("/work/shared/formats/salesforce/fivetran")


def _file(path: Path, entity: str, **options) -> LandingFile:
    return LandingFile("crm", entity, path, f"crm/{entity}/{path.name}", "sha", path.stat().st_size, options)


def _parse(path: Path, entity: str, **options) -> tuple[list[Row], list[Reject]]:
    out = list(crm.parse(_file(path, entity, **options)))
    rows = [o for o in out if isinstance(o, Row)]
    for r in rows:  # every value must land in a column the raw table has
        assert set(r.values) <= {c for c, _ in TABLES[r.table]}, r.values
    return rows, [o for o in out if isinstance(o, Reject)]


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


# ---- ids ---------------------------------------------------------------------------------------


def test_15_char_id_gets_salesforce_checksum():
    # "0015500000Xyy06": chunks 00155 / 00000 / Xyy06 -> upper-case bits 0, 0, 0b00001
    # -> alphabet[0], alphabet[0], alphabet[1] = "AAB", as in the sample account id.
    assert sf_id_18("0015500000Xyy06") == "0015500000Xyy06AAB"


def test_every_18_char_sample_id_maps_back_from_its_15_char_prefix():
    ids = []
    for path in SAMPLES.glob("*.csv"):
        with path.open(newline="") as fh:
            ids += [r["id"] for r in csv.DictReader(fh) if len(r.get("id") or "") == 18 and r["id"].isalnum()]
    assert len(ids) > 50
    for full in ids:
        assert sf_id_18(full[:15]) == full
        assert sf_id_18(full) == full


def test_18_char_id_with_wrong_suffix_is_refused():
    with pytest.raises(ValueError, match="should be 'AAB'"):
        sf_id_18("0015500000Xyy06AAC")


# ---- Fivetran samples, unchanged ---------------------------------------------------------------


def test_fivetran_opportunities_sample():
    rows, rejects = _parse(SAMPLES / "sf_opportunity_data.csv", "opportunity", default_currency="USD")
    assert (len(rows), len(rejects)) == (10, 0)
    first = rows[0]
    assert first.table == "sf_opportunities"
    assert first.natural_key == "006q000000HddohAAB"
    # amount 24120000 USD major units -> x100 = 2_412_000_000 cents
    assert first.values["amount_minor"] == 2_412_000_000
    assert first.values["currency_iso_code"] == "USD"
    assert first.values["close_date"] == date(2018, 12, 19)
    assert first.values["is_won"] is True and first.values["is_deleted"] is True
    # no SystemModstamp in this table: the Fivetran sync time (UTC) orders versions
    assert first.version_at == datetime(2019, 4, 4, 18, 47, 1)
    assert rows[2].values["synced_at"] == datetime(2018, 12, 18, 18, 20, 30, 829000)
    # an opportunity whose `amount` is empty has no amount, not zero
    assert rows[1].values["amount_minor"] is None
    # LeadSource (the metrics' acquisition channel) kept as sent; empty is unknown, not ""
    assert first.values["lead_source"] == "TDK+SgtPSM3Vk67zX9aeRA=="
    assert rows[7].values["lead_source"] is None


def test_amount_without_currency_or_default_is_quarantined_naming_currency():
    rows, rejects = _parse(SAMPLES / "sf_opportunity_data.csv", "opportunity")
    # 4 of the 10 sample opportunities carry an amount (24120000, 200000, 1, 210000)
    assert (len(rows), len(rejects)) == (6, 4)
    assert all(r.field == "CurrencyIsoCode" and "currency" in r.reason for r in rejects)


@pytest.mark.parametrize(
    ("file", "entity", "n_rows"),
    [
        ("sf_account_data.csv", "account", 10),
        ("sf_product_2_data.csv", "product2", 2),
        ("sf_user_data.csv", "user", 10),
        ("sf_order_data.csv", "order", 10),
        ("sf_lead_data.csv", "lead", 1),
        ("sf_task_data.csv", "task", 10),
        ("sf_event_data.csv", "event", 10),
    ],
)
def test_other_fivetran_samples_load_every_row(file, entity, n_rows):
    rows, rejects = _parse(SAMPLES / file, entity, default_currency="USD")
    assert (len(rows), len(rejects)) == (n_rows, 0)
    assert all(r.natural_key and len(r.natural_key) == 18 for r in rows)


def test_fivetran_line_items_sample():
    rows, rejects = _parse(
        SAMPLES / "sf_opportunity_line_item_data.csv", "opportunity_line_item", default_currency="USD"
    )
    # the sample's 3rd record has a blank inside its Id ('00k1G000009a jwQAA'): not an id
    assert (len(rows), len(rejects)) == (9, 1)
    assert (
        rejects[0].field == "Id" and rejects[0].row_number == 4 and "not a Salesforce id" in rejects[0].reason
    )
    e = next(r for r in rows if r.values["product_code"] == "e")
    # unit 1276.52 -> 127652 cents; total 84250.32 -> 8425032 cents; quantity stays decimal
    assert (e.values["unit_price_minor"], e.values["total_price_minor"]) == (127652, 8425032)
    assert e.values["quantity"] == 66
    # custom fields keyed by lower-cased API name (Fivetran's months_c is Months__c)
    assert '"months__c":"12"' in e.values["custom_fields_json"]
    # a reference that is not a Salesforce id is kept as sent
    assert e.values["product2_id"] == "01 1G000000bH0bQAE"


def test_fivetran_orders_sample_amounts_in_minor_units():
    rows, _ = _parse(SAMPLES / "sf_order_data.csv", "order", default_currency="USD")
    by_id = {r.values["id"]: r.values for r in rows}
    # TotalAmount 27998.6 (major units, the org's USD) -> 2799860 cents
    assert by_id["8011G000000XFePQAW"]["total_amount_minor"] == 2799860
    assert by_id["8011G000000XFePQAW"]["currency_iso_code"] == "USD"
    assert by_id["8011G000000XFePQAW"]["status"] == "Activated"


def test_fivetran_lead_sample_keeps_its_conversion():
    rows, _ = _parse(SAMPLES / "sf_lead_data.csv", "lead")
    lead = rows[0].values
    assert lead["is_converted"] is True
    assert lead["converted_date"] == date(2019, 11, 11)
    assert lead["converted_account_id"] == "0011G00000tLWKnQAO"


def test_fivetran_contacts_sample_quarantines_the_obfuscated_ids():
    rows, rejects = _parse(SAMPLES / "sf_contact_data.csv", "contact")
    # two of the sample's four ids were cut to 17 characters by its obfuscation: not ids
    assert (len(rows), len(rejects)) == (2, 2)
    assert all(r.field == "Id" and "not a Salesforce id" in r.reason for r in rejects)
    # a 17-character reference is kept as sent (staging shows it matches no account)
    assert {r.values["account_id"] for r in rows} == {"0011G00000f8NwQAU", "0011G00000eNyiXQAS"}


def test_fivetran_user_roles_sample_ids_are_hashes_and_quarantined():
    rows, rejects = _parse(SAMPLES / "sf_user_role_data.csv", "user_role")
    # the sample replaced every Id with a base64 hash ('StB7ADpIfsOKUVMS9KkJWw=='): no row
    assert (len(rows), len(rejects)) == (0, 10)
    assert all(r.field == "Id" and "not a Salesforce id" in r.reason for r in rejects)


# ---- API-shape exports built here --------------------------------------------------------------

API_HEADER = "StageName,Id,AccountId,Name,IsWon,IsClosed,CloseDate,Amount,CurrencyIsoCode,SystemModstamp,IsDeleted,Plan_Code__c"


def test_api_export_with_reordered_columns(tmp_path):
    p = _write(
        tmp_path,
        "opps.csv",
        API_HEADER + "\r\n"
        # 15-char ids, JPY has no minor unit, +0100 offset
        "Closed Won,006q000000HddoA,001q000000wW9Be,Tokyo deal,1,1,2024-03-31,1200000,JPY,"
        "2024-03-01T12:00:00.000+0100,false,pro_annual\r\n"
        # BHD has 3 decimals: 12.346 -> 12346 fils, exactly
        "Prospecting,006q000000HddoB,001q000000wW9Be,Manama,0,0,2024-04-30,12.346,bhd,"
        "2024-03-02 08:00:00,,\r\n",
    )
    rows, rejects = _parse(p, "opportunity")
    assert rejects == []
    tokyo, manama = rows
    assert tokyo.natural_key == sf_id_18("006q000000HddoA") and len(tokyo.natural_key) == 18
    assert tokyo.values["account_id"] == "001q000000wW9BeAAK"  # the sample's 18-char form
    assert (tokyo.values["amount_minor"], tokyo.values["currency_iso_code"]) == (1_200_000, "JPY")
    assert tokyo.values["system_modstamp"] == datetime(2024, 3, 1, 11, 0)  # 12:00 at +01:00
    assert tokyo.values["custom_fields_json"] == '{"plan_code__c":"pro_annual"}'
    assert (manama.values["amount_minor"], manama.values["currency_iso_code"]) == (12346, "BHD")
    assert manama.values["is_deleted"] is False and manama.values["is_won"] is False


def test_contract_with_term_and_custom_reference(tmp_path):
    p = _write(
        tmp_path,
        "contracts.csv",
        "Id,AccountId,ContractNumber,Status,StartDate,EndDate,ContractTerm,CurrencyIsoCode,IsDeleted,"
        "SystemModstamp,Opportunity__c,Contract_Amount__c\n"
        "800q0000000AbCd,001q000000wW9Be,00000101,Activated,2024-01-01,2024-12-31,12,EUR,true,"
        "2024-01-02T09:30:00Z,006q000000HddohAAB,12000.00\n",
    )
    (row,), rejects = _parse(p, "contract")
    assert rejects == [] and row.table == "sf_contracts"
    assert (row.values["start_date"], row.values["contract_term"]) == (date(2024, 1, 1), 12)
    assert row.values["is_deleted"] is True  # deleted contracts are history, still loaded
    assert (
        row.values["custom_fields_json"]
        == '{"opportunity__c":"006q000000HddohAAB","contract_amount__c":"12000.00"}'
    )


def test_account_industry_and_lago_customer_reference(tmp_path):
    # the segments of the SaaS metrics: Industry is a standard field, the Lago customer an org's
    # custom field (kept in custom_fields_json, read by stg_salesforce__accounts)
    p = _write(
        tmp_path,
        "accounts.csv",
        "Id,Name,Industry,BillingCountry,External_Customer_Id__c,IsDeleted,SystemModstamp\n"
        "001q000000wW9Be,Acme,Manufacturing,DE,cus_0042,false,2024-01-02T09:30:00Z\n"
        "001q000000wW9Bf,Zeta,,FR,,false,2024-01-02T09:30:00Z\n",
    )
    (acme, zeta), rejects = _parse(p, "account")
    assert rejects == []
    assert acme.values["industry"] == "Manufacturing"
    assert acme.values["custom_fields_json"] == '{"external_customer_id__c":"cus_0042"}'
    assert zeta.values["industry"] is None and zeta.values["custom_fields_json"] is None


def test_rest_query_json(tmp_path):
    p = _write(
        tmp_path,
        "accounts.json",
        '{"totalSize":1,"done":true,"records":[{"attributes":{"type":"Account"},"Id":"001q000000wW9Be",'
        '"Name":"Blue Test","IsDeleted":false,"CurrencyIsoCode":"EUR","SystemModstamp":"2024-03-01T12:00:00.000+0000",'
        '"Tier__c":"gold"}]}',
    )
    (row,), _ = _parse(p, "account")
    assert row.natural_key == "001q000000wW9BeAAK"
    assert row.version_at == datetime(2024, 3, 1, 12, 0)
    assert row.values["custom_fields_json"] == '{"tier__c":"gold"}'


@pytest.mark.parametrize(
    ("cells", "field", "words"),
    [
        ({"Id": ""}, "Id", "needs its Id"),
        ({"Amount": "12,50"}, "Amount", "decimal separator"),
        ({"CurrencyIsoCode": "XXZ"}, "CurrencyIsoCode", "unknown currency 'XXZ'"),
        ({"IsWon": "yes"}, "IsWon", "true/false"),
        ({"CloseDate": "31/03/2024"}, "CloseDate", "not a date"),
    ],
)
def test_bad_values_are_quarantined_with_a_reason(tmp_path, cells, field, words):
    good = {
        "Id": "006q000000HddoA",
        "AccountId": "001q000000wW9Be",
        "StageName": "Closed Won",
        "IsWon": "true",
        "IsClosed": "true",
        "CloseDate": "2024-03-31",
        "Amount": "100.00",
        "CurrencyIsoCode": "EUR",
    } | cells
    p = tmp_path / "o.csv"
    with p.open("w", newline="") as fh:
        csv.writer(fh).writerows([list(good), list(good.values())])
    rows, (reject,) = _parse(p, "opportunity")
    assert rows == []
    assert reject.field == field and words in reject.reason and reject.row_number == 2
    assert "Closed Won" in reject.raw_text


def test_renamed_required_header_makes_the_file_unreadable(tmp_path):
    p = _write(tmp_path, "o.csv", API_HEADER.replace("Amount", "Amt") + "\n")
    with pytest.raises(UnreadableFile, match="'Amount'"):
        list(crm.parse(_file(p, "opportunity")))


def test_bom_gzip_and_declared_latin1(tmp_path):
    text = "Id,Name,CurrencyIsoCode\n001q000000wW9Be,Société Générale,EUR\n"
    bom = _write(tmp_path, "bom.csv", "\ufeff" + text)
    (row,), _ = _parse(bom, "account")
    assert row.values["name"] == "Société Générale"

    gz = tmp_path / "acc.csv.gz"
    gz.write_bytes(gzip.compress(text.encode()))
    (row,), _ = _parse(gz, "account")
    assert row.natural_key == "001q000000wW9BeAAK"

    latin = _write(tmp_path, "latin.csv", text, encoding="latin-1")
    (row,), _ = _parse(latin, "account", encoding="latin-1")
    assert row.values["name"] == "Société Générale"
    with pytest.raises(UnreadableFile, match="encoding"):
        list(crm.parse(_file(latin, "account")))


def test_unknown_entity_folder_is_unreadable(tmp_path):
    p = _write(tmp_path, "x.csv", "Id\n")
    with pytest.raises(UnreadableFile, match="unknown Salesforce object folder 'campaign'"):
        list(crm.parse(_file(p, "campaign")))
