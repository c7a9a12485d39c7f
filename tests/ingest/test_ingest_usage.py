"""Usage events: the Lago and CloudEvents samples as they are, then one test per bad input."""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest
from conftest import FORMATS

EVENTS = "usage/events"


def _jsonl(*records) -> str:
    return "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records) + "\n"


def _ev(tx: str, ts=1714380000, **extra) -> dict:
    return {
        "transaction_id": tx,
        "external_subscription_id": "sub_1",
        "code": "api_calls",
        "timestamp": ts,
        **extra,
    }


def _by_tx(landing) -> dict[str, tuple]:
    return {
        r[0]: r[1:]
        for r in landing.rows(
            "select transaction_id, event_at, event_date, properties_json, precise_total_amount_cents, "
            "event_key, _row_number from raw.usage_events"
        )
    }


# ---- samples ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sample, tx, event_at, precise",
    [
        # "2022-04-29T08:59:51Z", precise "123.45" kept as a decimal, not a float
        (
            "lago/event.json",
            "1a2d9c8d-5875-4688-9854-5ccfd414bc5e",
            datetime(2022, 4, 29, 8, 59, 51),
            Decimal("123.45"),
        ),
        (
            "lago/event_without_ids.json",
            "1a2d9c8d-5875-4688-9854-5ccfd414bc5e",
            datetime(2022, 4, 29, 8, 59, 51),
            Decimal("123.45"),
        ),
        # "2022-04-29T08:59:51.998Z" inside an {"events": [...]} list envelope, precise null
        (
            "lago/events_list.json",
            "1a901a90-1a90-1a90-1a90-1a901a901a90",
            datetime(2022, 4, 29, 8, 59, 51, 998000),
            None,
        ),
    ],
)
def test_lago_event_samples_load_unchanged(landing, sample, tx, event_at, precise):
    landing.copy(FORMATS / sample, EVENTS)
    summary = landing.ingest()
    assert [f.status for f in summary.files] == ["loaded"]
    assert (summary.total("loaded"), summary.total("quarantined")) == (1, 0)
    at, day, _props, amount, key, row = _by_tx(landing)[tx]
    assert (at, day, amount, row) == (event_at, event_at.date(), precise, 1)
    assert key.startswith("lago|") and key.endswith(f"|{tx}")


def test_cloudevents_openmeter_sample(landing):
    landing.copy(FORMATS / "cloudevents/openmeter_usage_event.json", EVENTS)
    landing.ingest()
    row = landing.rows(
        "select event_key, event_format, code, external_subscription_id, event_at, properties_json, ce_source "
        "from raw.usage_events"
    )
    # type -> code, subject -> subscription, time "2023-01-01T00:00:00.001Z", data -> properties
    assert row == [
        (
            "ce|service-0|00001",
            "cloudevents",
            "api-calls",
            "customer-1",
            datetime(2023, 1, 1, 0, 0, 0, 1000),
            '{"duration":"12","path":"/hello"}',
            "service-0",
        )
    ]


def test_cloudevents_samples_without_usable_data_are_quarantined_with_reasons(landing):
    for name in ("batch.json", "structured_data_base64.json", "structured_json_data.json"):
        landing.copy(FORMATS / "cloudevents" / name, EVENTS)
    summary = landing.ingest()
    assert summary.total("loaded") == 0 and summary.total("quarantined") == 4
    assert landing.quarantine() == [
        (
            "usage/events/batch.json",
            1,
            "data_base64",
            None,
            "CloudEvents data_base64 (binary data) is not supported: usage data must be JSON",
        ),
        (
            "usage/events/batch.json",
            2,
            "subject",
            None,
            "missing CloudEvents subject (the external subscription id)",
        ),
        (
            "usage/events/structured_data_base64.json",
            1,
            "data_base64",
            None,
            "CloudEvents data_base64 (binary data) is not supported: usage data must be JSON",
        ),
        (
            "usage/events/structured_json_data.json",
            1,
            "subject",
            None,
            "missing CloudEvents subject (the external subscription id)",
        ),
    ]


# ---- time ------------------------------------------------------------------------------------


def test_timestamp_forms_become_utc(landing):
    # 1714380000 s = 19842 days (2024-04-29 00:00 UTC = 1714348800) + 31200 s (8 h 40 min)
    landing.write(
        f"{EVENTS}/ts.jsonl",
        _jsonl(
            _ev("int"),
            _ev("float", 1714380000.5),
            _ev("string", "1714380000.25"),
            _ev("millis", 1714380000123),
            _ev("offset", "2024-04-29T10:40:00+02:00"),
            _ev("zulu", "2024-04-29T08:40:00Z"),
            _ev("next_day", "2024-04-29T23:30:00-02:00"),  # 01:30 UTC on the 30th
        ),
    )
    landing.ingest()
    got = {tx: (at, day) for tx, (at, day, *_rest) in _by_tx(landing).items()}
    base = datetime(2024, 4, 29, 8, 40)
    assert got == {
        "int": (base, date(2024, 4, 29)),
        "float": (base.replace(microsecond=500000), date(2024, 4, 29)),
        "string": (base.replace(microsecond=250000), date(2024, 4, 29)),
        "millis": (base.replace(microsecond=123000), date(2024, 4, 29)),
        "offset": (base, date(2024, 4, 29)),
        "zulu": (base, date(2024, 4, 29)),
        "next_day": (datetime(2024, 4, 30, 1, 30), date(2024, 4, 30)),
    }


# ---- bad rows ---------------------------------------------------------------------------------


def test_bad_lines_are_quarantined_with_line_numbers_and_good_lines_load(landing):
    landing.write(
        f"{EVENTS}/mixed.jsonl",
        _jsonl(
            _ev("ok1", properties={"quantity": "2"}),
            '{"transaction_id":"cut","external_subscription_id":"sub_1","code":"api_ca',  # truncated
            _ev("bad_ts", "yesterday"),
            {"external_subscription_id": "sub_1", "code": "api_calls", "timestamp": 1714380000},
            {"transaction_id": "no_code", "external_subscription_id": "sub_1", "timestamp": 1714380000},
            {"transaction_id": "no_sub", "code": "api_calls", "timestamp": 1714380000},
            _ev("obj_code", code={"a": 1}),
            _ev("props_list", properties=[1, 2]),
            _ev("neg", properties={"quantity": -3}),
            _ev("amount", precise_total_amount_cents="12,5"),
            "[1, 2]",
            _ev("no_ts", None),
            _ev("ok2", properties={"delta": -3}),  # other negative values are kept (rating decides)
        ),
    )
    summary = landing.ingest()
    f = summary.files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (13, 2, 11)
    assert set(_by_tx(landing)) == {"ok1", "ok2"}
    assert [(row, field, value, reason) for _, row, field, value, reason in landing.quarantine()] == [
        (2, None, None, "invalid JSON: the line is truncated or malformed"),
        (
            3,
            "timestamp",
            "yesterday",
            "timestamp is not unix seconds/milliseconds or ISO 8601 with an offset",
        ),
        (4, "transaction_id", None, "missing transaction_id"),
        (5, "code", None, "missing code (the billable metric code)"),
        (
            6,
            "external_subscription_id",
            None,
            "missing external_subscription_id (and no external_customer_id)",
        ),
        (7, "code", '{"a":1}', "code must be a string or a number, not an object or array"),
        (8, "properties", "[1,2]", "properties must be a JSON object"),
        (9, "properties.quantity", "-3", "negative quantity in properties"),
        (10, "precise_total_amount_cents", "12,5", "precise_total_amount_cents is not a decimal number"),
        (11, None, None, "the record is not a JSON object"),
        (12, "timestamp", None, "missing timestamp"),
    ]


def test_unknown_code_and_subscription_are_kept(landing):
    # pricing.md: unknown metrics/subscriptions are reported by dbt, not dropped at ingestion
    landing.write(
        f"{EVENTS}/u.jsonl", _jsonl(_ev("x", code="never_defined", external_subscription_id="ghost"))
    )
    assert landing.ingest().total("loaded") == 1


def test_customer_only_event_keyed_by_customer(landing):
    landing.write(
        f"{EVENTS}/c.json",
        json.dumps(
            {
                "event": {
                    "transaction_id": "t",
                    "external_customer_id": "cus_9",
                    "code": "seats",
                    "timestamp": 1,
                }
            }
        ),
    )
    landing.ingest()
    assert landing.rows("select event_key, external_customer_id from raw.usage_events") == [
        ("lago|customer:cus_9|t", "cus_9")
    ]


# ---- duplicates ----------------------------------------------------------------------------------


def test_duplicates_first_arrival_wins_in_file_and_path_order(landing):
    landing.write(
        f"{EVENTS}/a.jsonl",
        _jsonl(_ev("t1", properties={"v": "first"}), _ev("t1", properties={"v": "again"})),
    )
    landing.write(f"{EVENTS}/b.jsonl", _jsonl(_ev("t1", properties={"v": "later"}), _ev("t2")))
    summary = landing.ingest()
    assert [(f.rows_loaded, f.rows_duplicate) for f in summary.files] == [(1, 1), (1, 1)]
    assert _by_tx(landing)["t1"][2] == '{"v":"first"}'
    assert landing.rows(
        "select file_path, row_number, first_file_path from raw.duplicates order by 1, 2"
    ) == [
        ("usage/events/a.jsonl", 2, "usage/events/a.jsonl"),
        ("usage/events/b.jsonl", 1, "usage/events/a.jsonl"),
    ]


def test_same_transaction_on_two_subscriptions_is_two_events(landing):
    landing.write(f"{EVENTS}/a.jsonl", _jsonl(_ev("t1"), _ev("t1", external_subscription_id="sub_2")))
    assert landing.ingest().total("loaded") == 2


def test_rerun_and_changed_file_never_double_count(landing):
    path = landing.write(f"{EVENTS}/day.jsonl", _jsonl(_ev("t1"), _ev("t2")))
    landing.ingest()
    before = landing.fingerprint()
    again = landing.ingest()
    assert [f.status for f in again.files] == ["unchanged"]
    assert landing.fingerprint() == before
    path.write_text(_jsonl(_ev("t1"), _ev("t2"), _ev("t3")))  # the exporter rewrote the file
    changed = landing.ingest().files[0]
    assert (changed.rows_read, changed.rows_loaded, changed.rows_duplicate) == (3, 1, 2)
    assert landing.count("usage_events") == 3


# ---- file-level problems and encodings ----------------------------------------------------------


def test_bom_and_crlf_are_accepted(landing):
    landing.write(
        f"{EVENTS}/win.jsonl", b"\xef\xbb\xbf" + _jsonl(_ev("t1"), _ev("t2")).replace("\n", "\r\n").encode()
    )
    summary = landing.ingest()
    assert summary.total("loaded") == 2 and summary.total("quarantined") == 0


def test_gzip_is_read_and_truncated_gzip_fails_whole(landing):
    landing.write(f"{EVENTS}/ok.jsonl.gz", gzip.compress(_jsonl(_ev("t1"), _ev("t2")).encode()))
    whole = gzip.compress(_jsonl(*[_ev(f"x{i}") for i in range(2000)]).encode())
    landing.write(f"{EVENTS}/cut.jsonl.gz", whole[: len(whole) // 2])
    summary = landing.ingest()
    by_path = {f.file_path: f for f in summary.files}
    assert by_path["usage/events/ok.jsonl.gz"].rows_loaded == 2
    cut = by_path["usage/events/cut.jsonl.gz"]
    assert cut.status == "failed" and "usage/events/cut.jsonl.gz" in cut.error and "truncated" in cut.error
    assert landing.count("usage_events", "_source_file like '%cut%'") == 0
    assert landing.rows("select row_number, reason from raw.quarantine") == [(0, cut.error)]
    assert landing.rows("select status from raw.landing_files where file_path like '%cut%'") == [("failed",)]


def test_empty_file_fails_whole_and_the_run_goes_on(landing):
    landing.write(f"{EVENTS}/a_empty.jsonl", "")
    landing.write(f"{EVENTS}/b.jsonl", _jsonl(_ev("t1")))
    summary = landing.ingest()
    assert [(f.status, f.rows_loaded) for f in summary.files] == [("failed", 0), ("loaded", 1)]
    assert "empty" in summary.files[0].error and "a_empty.jsonl" in summary.files[0].error


def test_latin1_usage_file_is_refused_with_a_reason(landing):
    landing.write(
        f"{EVENTS}/l1.jsonl", _jsonl(_ev("t1", properties={"city": "Montréal"})), encoding="latin-1"
    )
    f = landing.ingest().files[0]
    assert f.status == "failed"
    assert (
        f.error
        == "usage/events/l1.jsonl: not valid UTF-8 text (line 1); usage files must be UTF-8 JSON or Parquet"
    )


def test_ten_megabyte_single_line_loads(landing):
    big = _ev("big", properties={"blob": "x" * 10_000_000})
    landing.write(f"{EVENTS}/big.jsonl", _jsonl(big, _ev("small")))
    f = landing.ingest().files[0]
    assert (f.rows_loaded, f.rows_quarantined) == (2, 0)
    assert landing.rows(
        "select length(properties_json) from raw.usage_events where transaction_id = 'big'"
    ) == [(len('{"blob":""}') + 10_000_000,)]


def test_parquet_with_lago_columns(landing, tmp_path):
    path = landing.root / EVENTS / "batch.parquet"
    path.parent.mkdir(parents=True)
    duckdb.sql(
        f"""copy (select 'tx' || i as transaction_id, 'sub_' || (i % 2) as external_subscription_id,
                         'api_calls' as code, 1714380000 + i as "timestamp",
                         {{'quantity': i}} as properties, '1.5' as precise_total_amount_cents
                  from range(3) t(i)) to '{path}' (format parquet)"""
    )
    landing.ingest()
    assert landing.rows(
        "select transaction_id, event_at, properties_json, precise_total_amount_cents, _row_number "
        "from raw.usage_events order by 1"
    ) == [
        ("tx0", datetime(2024, 4, 29, 8, 40, 0), '{"quantity":0}', Decimal("1.5"), 1),
        ("tx1", datetime(2024, 4, 29, 8, 40, 1), '{"quantity":1}', Decimal("1.5"), 2),
        ("tx2", datetime(2024, 4, 29, 8, 40, 2), '{"quantity":2}', Decimal("1.5"), 3),
    ]


def test_parquet_missing_required_columns_fails_with_names(landing):
    path = landing.root / EVENTS / "bad.parquet"
    path.parent.mkdir(parents=True)
    duckdb.sql(f"copy (select 'x' as transaction_id) to '{path}' (format parquet)")
    f = landing.ingest().files[0]
    assert f.status == "failed"
    assert "missing required column(s) code, timestamp, external_subscription_id" in f.error


def test_corrupt_parquet_does_not_disturb_the_line_numbers_of_the_next_file(landing):
    landing.write(f"{EVENTS}/a.parquet", b"PAR1garbage")
    landing.write(f"{EVENTS}/b.jsonl", _jsonl(*[_ev(f"t{i}") for i in range(3000)], "{bad"))
    summary = landing.ingest()
    assert [f.status for f in summary.files] == ["failed", "loaded"]
    assert "a.parquet" in summary.files[0].error and "Parquet" in summary.files[0].error
    # line n holds transaction t{n-1}: numbering follows the file even after the Parquet attempt
    assert landing.count("usage_events", "transaction_id <> 't' || (_row_number - 1)") == 0
    assert landing.quarantine()[-1][1] == 3001


def test_cloudevents_json_lines(landing):
    ce = {
        "specversion": "1.0",
        "type": "api_calls",
        "source": "gw",
        "subject": "sub_1",
        "time": "2024-04-29T08:40:00Z",
    }
    landing.write(
        f"{EVENTS}/ce.jsonl",
        _jsonl(
            {**ce, "id": "1", "data": {"n": 1}},
            {**ce, "id": "1"},
            {**ce, "id": "2", "datacontenttype": "text/xml"},
        ),
    )
    f = landing.ingest().files[0]
    assert (f.rows_loaded, f.rows_duplicate, f.rows_quarantined) == (1, 1, 1)
    assert landing.rows("select event_key, event_at from raw.usage_events") == [
        ("ce|gw|1", datetime(2024, 4, 29, 8, 40))
    ]
    assert landing.quarantine()[0][2:] == (
        "datacontenttype",
        "text/xml",
        "CloudEvents datacontenttype text/xml is not JSON",
    )


def test_parquet_properties_as_json_text_with_spaces(landing):
    path = landing.root / EVENTS / "p.parquet"
    path.parent.mkdir(parents=True)
    duckdb.sql(
        f"""copy (select 't' || i as transaction_id, 's' as external_subscription_id, 'c' as code,
                         '2024-04-29T08:40:00Z' as "timestamp",
                         case i when 0 then '{{"quantity" :  -1}}' else '{{"units": 2}}' end as properties
                  from range(2) t(i)) to '{path}' (format parquet)"""
    )
    f = landing.ingest().files[0]
    assert (f.rows_loaded, f.rows_quarantined) == (1, 1)
    assert landing.quarantine()[0][1:] == (1, "properties.quantity", "-1", "negative quantity in properties")
    assert landing.rows("select properties_json from raw.usage_events") == [('{"units":2}',)]


def test_blank_lines_only_is_an_empty_file_but_an_empty_array_is_an_empty_batch(landing):
    landing.write(f"{EVENTS}/a.jsonl", "\n\r\n  \n")
    landing.write(f"{EVENTS}/b.json", "[]")
    summary = landing.ingest()
    assert [(f.status, f.rows_read) for f in summary.files] == [("failed", 0), ("loaded", 0)]
    assert summary.files[0].error == "usage/events/a.jsonl: the file is empty (blank lines only)"
