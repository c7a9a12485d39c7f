"""The runner's file-level rules, shown with the fx and reference sources (CSV) and the catalog."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from conftest import FORMATS

from dagster_project.ingest import runner
from dagster_project.ingest.conservation import conservation_problems

SETTINGS = "reference/settings/settings.csv"


# ---- fx ------------------------------------------------------------------------------------------


def test_ecb_history_sample_becomes_one_row_per_date_and_quoted_currency(landing):
    landing.copy(FORMATS / "fx/eurofxref-hist.csv", "fx/rates")
    f = landing.ingest().files[0]
    # 30 business days x 29 currencies quoted (41 columns, 12 retired ones are N/A: BGN CYP EEK
    # LTL LVL MTL ROL SIT SKK HRK RUB TRL) = 870; the trailing comma adds no column. rows_* count
    # the file's 30 records (what a person counts in the CSV); the other 840 rates are child rows
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined, f.child_rows_loaded) == (30, 30, 0, 840)
    assert landing.count("fx_rates") == 870
    assert landing.rows(
        "select rate from raw.fx_rates where rate_date = '2026-04-13' and quote_currency in ('USD', 'JPY') order by 1"
    ) == [(Decimal("1.1684"),), (Decimal("186.75"),)]
    assert landing.rows("select distinct base_currency from raw.fx_rates") == [("EUR",)]
    assert landing.count("fx_rates", "quote_currency = 'CYP'") == 0


def test_ecb_daily_file_repeats_history_as_duplicates(landing):
    landing.copy(FORMATS / "fx/eurofxref-hist.csv", "fx/rates")
    landing.copy(FORMATS / "fx/eurofxref.csv", "fx/rates")  # '13 April 2026, 1.1684, ...' with spaces
    summary = landing.ingest()
    daily = [f for f in summary.files if f.file_path.endswith("eurofxref.csv")][0]
    # the daily file is 2026-04-13 again: its one record's 29 rates are already loaded from the history
    assert (daily.rows_read, daily.rows_loaded, daily.rows_duplicate, daily.child_rows_loaded) == (1, 0, 1, 0)
    assert landing.count("duplicates", f"file_sha256 = '{daily.sha256}'") == 29


def test_reordered_csv_columns_are_read_by_name(landing):
    landing.write("fx/rates/r.csv", "JPY,Date,USD\n186.75,2026-04-13,1.1684\n")
    landing.ingest()
    assert landing.rows("select quote_currency, rate from raw.fx_rates order by 1") == [
        ("JPY", Decimal("186.75")),
        ("USD", Decimal("1.1684")),
    ]


def test_renamed_required_column_fails_the_file_with_the_header(landing):
    landing.write("fx/rates/r.csv", "Day,USD\n2026-04-13,1.1684\n")
    f = landing.ingest().files[0]
    assert f.status == "failed"
    assert f.error == "fx/rates/r.csv: missing required column(s) Date (header is: Day, USD)"
    assert landing.quarantine() == [("fx/rates/r.csv", 0, None, None, f.error)]


def test_bad_rate_is_quarantined_with_row_and_field(landing):
    landing.write("fx/rates/r.csv", "Date,USD,JPY\n2026-04-13,1.1684,abc\n13/04/2026,1.1,2\n")
    f = landing.ingest().files[0]
    # records: row 1 is quarantined for its JPY cell (its USD rate still loads, a child row)
    assert (f.rows_loaded, f.rows_quarantined, f.child_rows_loaded) == (0, 2, 1)
    assert landing.count("fx_rates") == 1
    assert [(row, field, value, reason) for _, row, field, value, reason in landing.quarantine()] == [
        (1, "JPY", "abc", "rate for JPY is not a positive number"),
        (2, "Date", "13/04/2026", "Date is not a date (YYYY-MM-DD or '13 April 2026')"),
    ]


# ---- reference and encodings ----------------------------------------------------------------------

ENTITIES_CSV = "entity_id,name,currency\nfr,Société Générale de Test,EUR\n"


def test_reference_csv_with_bom_and_crlf(landing):
    landing.write("reference/entities/e.csv", b"\xef\xbb\xbf" + ENTITIES_CSV.replace("\n", "\r\n").encode())
    landing.ingest()
    rows = [json.loads(r[0]) for r in landing.rows("select row_json from raw.reference_rows")]
    assert rows == [{"entity_id": "fr", "name": "Société Générale de Test", "currency": "EUR"}]


def test_latin1_file_declared_in_settings_is_decoded(landing):
    landing.write(SETTINGS, "key,value,note\nencoding.reference,cp1252,the ERP exports Windows-1252\n")
    landing.write("reference/entities/e.csv", ENTITIES_CSV, encoding="cp1252")
    summary = landing.ingest()
    assert all(f.status == "loaded" for f in summary.files), [f.error for f in summary.files]
    names = [json.loads(r[0]).get("name") for r in landing.rows("select row_json from raw.reference_rows")]
    assert "Société Générale de Test" in names


def test_latin1_file_without_declaration_fails_with_a_clear_reason(landing):
    landing.write("reference/entities/e.csv", ENTITIES_CSV, encoding="latin-1")
    f = landing.ingest().files[0]
    # 'é' is byte 0xe9 in Latin-1; the header line (24 bytes with its newline) + 'fr,Soci' (7) = 31 before it
    assert f.error == (
        "reference/entities/e.csv: not valid utf-8 text (byte 0xe9 at offset 31); if the file uses "
        "another encoding, declare it with the key encoding.reference (e.g. cp1252) in reference/settings"
    )


def test_edited_reference_row_loads_as_new_version(landing):
    path = landing.write(SETTINGS, "key,value,note\ngrace_period_days,3,\ncutover_date,2026-01-01,\n")
    landing.ingest()
    path.write_text("key,value,note\ngrace_period_days,5,\ncutover_date,2026-01-01,\n")
    f = landing.ingest().files[0]
    # every landed file's rows are kept (a value changed back, A -> B -> A, must be the latest
    # landing again): the unchanged cutover_date row of the edited file is history, not a duplicate
    assert (f.rows_loaded, f.rows_duplicate) == (2, 0)
    assert landing.count("reference_rows") == 4


# ---- files, reruns, conservation ------------------------------------------------------------------


def _demo_landing(landing) -> None:
    landing.copy(FORMATS / "fx/eurofxref-hist.csv", "fx/rates")
    landing.copy(FORMATS / "lago/plans_list.json", "catalog/plans")
    landing.copy(FORMATS / "lago/event.json", "usage/events")
    landing.write("usage/events/bad.jsonl", '{"transaction_id": "x"\n')
    landing.write("catalog/plans/empty.json", "")


def test_second_run_changes_nothing(landing):
    _demo_landing(landing)
    first = landing.ingest()
    assert {f.status for f in first.files} == {"loaded", "failed"}
    before = landing.fingerprint()
    second = landing.ingest()
    # loaded files are skipped by hash; unreadable ones are tried again, still fail for the same
    # reason, are reported again and rewrite nothing
    assert {(f.file_path, f.status) for f in second.files} == {
        (f.file_path, "unchanged" if f.status == "loaded" else "failed") for f in first.files
    }
    assert landing.fingerprint() == before


def test_same_content_under_another_name_is_a_no_op(landing):
    landing.copy(FORMATS / "lago/tax.json", "catalog/taxes", "a.json")
    landing.copy(FORMATS / "lago/tax.json", "catalog/taxes", "b.json")
    summary = landing.ingest()
    assert [f.status for f in summary.files] == ["loaded", "unchanged"]
    assert landing.count("landing_files") == 1


def test_a_parser_crash_fails_only_its_file(landing, monkeypatch):
    def boom(f):
        raise KeyError("Id")

    real = runner.get_parser
    monkeypatch.setattr(runner, "get_parser", lambda source: boom if source == "fx" else real(source))
    landing.copy(FORMATS / "fx/eurofxref.csv", "fx/rates")
    landing.copy(FORMATS / "lago/tax.json", "catalog/taxes")
    summary = landing.ingest()
    by_source = {f.source: f for f in summary.files}
    assert by_source["catalog"].status == "loaded"
    assert by_source["fx"].status == "failed"
    assert by_source["fx"].error == "fx/rates/eurofxref.csv: cannot be read (KeyError: 'Id')"


def test_counts_close_and_conservation_fails_when_a_raw_row_is_deleted(landing):
    _demo_landing(landing)
    landing.ingest()
    bad = landing.rows(
        "select file_path from raw.landing_files where rows_read <> rows_loaded + rows_duplicate + rows_quarantined"
    )
    assert bad == []
    for source in ("fx", "catalog", "usage"):
        assert conservation_problems(landing.con, source) == []
    landing.con.execute("delete from raw.fx_rates where quote_currency = 'USD' and rate_date = '2026-04-13'")
    problems = conservation_problems(landing.con, "fx")
    assert problems == [
        "fx/rates/eurofxref-hist.csv: landing_files says read 30 = loaded 30 + duplicates 0 + quarantined 0 "
        "records, 870 raw-table rows (840 child rows); raw tables hold loaded 30, duplicates 0, quarantined 0 "
        "records, 869 raw-table rows"
    ]


def test_conservation_fails_when_rows_appear_without_a_landing_record(landing):
    landing.copy(FORMATS / "lago/tax.json", "catalog/taxes")
    landing.ingest()
    landing.con.execute("insert into raw.lago_taxes (code, _file_sha256) values ('smuggled', 'nohash')")
    assert conservation_problems(landing.con, "catalog") == [
        "1 file(s) have rows in the catalog raw tables but no raw.landing_files record"
    ]


def test_failed_file_is_retried_and_loads_once_fixed(landing):
    landing.write("reference/entities/e.csv", ENTITIES_CSV, encoding="cp1252")
    assert landing.ingest().files[0].status == "failed"
    landing.write(SETTINGS, "key,value,note\nencoding.reference,cp1252,\n")
    summary = landing.ingest()
    assert [(f.file_path, f.status) for f in summary.files] == [
        ("reference/entities/e.csv", "loaded"),
        ("reference/settings/settings.csv", "loaded"),
    ]
    # the earlier failure record and its whole-file quarantine row are replaced, not kept beside
    assert landing.rows(
        "select status from raw.landing_files where file_path = 'reference/entities/e.csv'"
    ) == [("loaded",)]
    assert landing.count("quarantine") == 0


def test_only_limits_the_run_to_a_folder(landing):
    _demo_landing(landing)
    summary = landing.ingest(only=landing.root / "fx")
    assert {f.source for f in summary.files} == {"fx"}
    assert landing.rows("select min(rate_date), max(rate_date) from raw.fx_rates") == [
        (date(2026, 2, 27), date(2026, 4, 13))
    ]


def test_settings_keys_become_parser_options_of_their_source(landing, monkeypatch):
    landing.write(
        SETTINGS, "key,value,note\nencoding.fx,cp1252,\ndefault_currency.crm,EUR,\ndelimiter.fx,;,\n"
    )
    seen = {}

    def spy(f):
        seen[f.source] = f.options
        return iter(())

    real = runner.get_parser
    monkeypatch.setattr(runner, "get_parser", lambda source: spy if source in ("fx", "crm") else real(source))
    landing.write("fx/rates/r.csv", "Date;USD\n")
    landing.write("crm/account/a.csv", "Id\n")
    landing.ingest()
    assert seen == {"fx": {"encoding": "cp1252", "delimiter": ";"}, "crm": {"default_currency": "EUR"}}


def test_only_outside_the_landing_dir_is_refused(landing, tmp_path):
    with pytest.raises(ValueError, match="is not inside the landing folder"):
        landing.ingest(only=tmp_path)
