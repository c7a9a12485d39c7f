"""`revhouse export journals` on a tiny hand-made published warehouse: the generic CSV (every
column of fct_journal_lines as stored), the ERP journal-import file (exact decimal major units
from minor units with each currency's ISO 4217 exponent), the entity filter, --out, and the
errors (unknown period listing the periods that exist, bad period or format, mart not built)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import duckdb
import pytest
from typer.testing import CliRunner

from dagster_project.cli import app

ENV = {"COLUMNS": "200", "NO_COLOR": "1"}

LINE_COLUMNS = (
    "entry_id varchar, line_number bigint, entry_date date, period varchar, entry_kind varchar, "
    "billing_entity_code varchar, contract_id varchar, po_id varchar, document_id varchar, source_id varchar, "
    "account_role varchar, account_code varchar, currency varchar, debit_minor bigint, credit_minor bigint, "
    "functional_currency varchar, fx_rate decimal(18,8), fx_rate_date date, fx_rate_source varchar, "
    "functional_debit_minor bigint, functional_credit_minor bigint, period_of_origin varchar, memo varchar, "
    "account_name varchar, contract_position_before_minor bigint, contract_position_after_minor bigint"
)
# A12: EUR 500.00 invoiced 2 March at 1.0800 → 540.00 USD; paid 20 March at 1.0500 → cash
# 525.00, AR cleared at 540.00, FX loss 15.00 (no EUR amount). A ¥5,000 invoice (exponent 0)
# and a BHD 1.234 one (exponent 3) in entity e-gl; an April line so two periods exist.
LINES = [
    ("je:x-inv", 1, "2026-03-02", "2026-03", "invoice", "e-us", "c4", None, "X1", "x-inv", "accounts_receivable", "1200", "EUR", 50000, 0, "USD", "1.08", "2026-03-02", "ECB", 54000, 0, None, "invoice X1", "AR", 0, 50000),
    ("je:x-inv", 2, "2026-03-02", "2026-03", "invoice", "e-us", "c4", None, "X1", "x-inv", "deferred_revenue", "2400", "EUR", 0, 50000, "USD", "1.08", "2026-03-02", "ECB", 0, 54000, None, "invoice X1", "Deferred", 0, 50000),
    ("je:x-pay", 1, "2026-03-20", "2026-03", "payment", "e-us", "c4", None, "X1", "x-pay", "cash", "1000", "EUR", 50000, 0, "USD", "1.05", "2026-03-20", "ECB", 52500, 0, None, "payment X1", "Cash", 50000, 50000),
    ("je:x-pay", 2, "2026-03-20", "2026-03", "payment", "e-us", "c4", None, "X1", "x-pay", "accounts_receivable", "1200", "EUR", 0, 50000, "USD", "1.08", "2026-03-02", "ECB", 0, 54000, None, "payment X1", "AR", 50000, 50000),
    ("je:x-pay", 3, "2026-03-20", "2026-03", "payment", "e-us", "c4", None, "X1", "x-pay", "fx_gain_loss", "7900", "EUR", 0, 0, "USD", None, None, None, 1500, 0, None, "fx difference: payment X1", "FX", 50000, 50000),
    ("je:j-inv", 1, "2026-03-05", "2026-03", "invoice", "e-gl", "c6", None, "J1", "j-inv", "accounts_receivable", "1200", "JPY", 5000, 0, "JPY", "1", "2026-03-05", "identity", 5000, 0, None, "invoice J1", "AR", 0, 5000),
    ("je:j-inv", 2, "2026-03-05", "2026-03", "invoice", "e-gl", "c6", None, "J1", "j-inv", "deferred_revenue", "2400", "JPY", 0, 5000, "JPY", "1", "2026-03-05", "identity", 0, 5000, None, "invoice J1", "Deferred", 0, 5000),
    ("je:b-inv", 1, "2026-03-06", "2026-03", "invoice", "e-gl", "c7", None, "B1", "b-inv", "accounts_receivable", "1200", "BHD", 1234, 0, "BHD", "1", "2026-03-06", "identity", 1234, 0, None, "invoice B1", "AR", 0, 1234),
    ("je:b-inv", 2, "2026-03-06", "2026-03", "invoice", "e-gl", "c7", None, "B1", "b-inv", "deferred_revenue", "2400", "BHD", 0, 1234, "BHD", "1", "2026-03-06", "identity", 0, 1234, None, "invoice B1", "Deferred", 0, 1234),
    ("je:recognition:e-us:c4:EUR:2026-04", 1, "2026-04-30", "2026-04", "recognition", "e-us", "c4", None, None, None, "deferred_revenue", "2400", "EUR", 50000, 0, "USD", "1.08", "2026-03-02", "ECB", 54000, 0, None, "revenue recognised in 2026-04, contract c4", "Deferred", 50000, 0),
    ("je:recognition:e-us:c4:EUR:2026-04", 2, "2026-04-30", "2026-04", "recognition", "e-us", "c4", "X1:L1", "X1", "x-rec", "revenue", "4000", "EUR", 0, 50000, "USD", "1.08", "2026-03-02", "ECB", 0, 54000, None, "recognition X1", "Revenue", 50000, 0),
]  # fmt: skip


@pytest.fixture()
def tiny_published(tmp_path, monkeypatch):
    path = tmp_path / "published.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema revrec")
    con.execute("create schema reference")
    con.execute(f"create table revrec.fct_journal_lines ({LINE_COLUMNS})")
    con.executemany(f"insert into revrec.fct_journal_lines values ({', '.join('?' * len(LINES[0]))})", LINES)
    con.execute(
        "create table reference.iso_4217_currencies as select * from (values ('EUR', 2), ('USD', 2), "
        "('JPY', 0), ('BHD', 3)) t(currency, minor_unit_exponent)"
    )
    con.close()
    monkeypatch.setenv("REVHOUSE_PUBLISHED_PATH", str(path))
    return path


def run(*args: str):
    return CliRunner().invoke(app, ["export", "journals", *args], env=ENV)


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_erp_file_one_row_per_line_in_exact_major_units(tiny_published):
    result = run("--period", "2026-03", "--format", "erp")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        "entry_id,entry_date,account_code,debit,credit,currency,memo,external_reference,"
        "functional_currency,functional_debit,functional_credit,fx_rate"
    )
    out = rows(result.stdout)
    assert len(out) == 9  # March only, every line, in entry date order
    assert [r["entry_id"] for r in out[::2]] == ["je:x-inv", "je:j-inv", "je:b-inv", "je:x-pay", "je:x-pay"]
    inv, deferred = out[0:2]
    jpy, bhd = out[2], out[4]
    cash, ar, fx = out[6:9]
    assert (inv["entry_id"], inv["entry_date"], inv["account_code"]) == ("je:x-inv", "2026-03-02", "1200")
    assert (inv["debit"], inv["credit"], inv["currency"]) == ("500.00", "0.00", "EUR")
    assert (inv["functional_debit"], inv["functional_currency"], inv["fx_rate"]) == (
        "540.00",
        "USD",
        "1.08000000",
    )
    assert inv["external_reference"] == "X1" and inv["memo"] == "invoice X1"
    assert deferred["credit"] == "500.00" and deferred["functional_credit"] == "540.00"
    assert (cash["debit"], cash["functional_debit"]) == ("500.00", "525.00")
    assert (ar["credit"], ar["functional_credit"]) == ("500.00", "540.00")
    # the realised loss: no EUR amount, 540.00 − 525.00 = 15.00 USD, no rate
    assert (fx["account_code"], fx["debit"], fx["credit"]) == ("7900", "0.00", "0.00")
    assert (fx["functional_debit"], fx["fx_rate"]) == ("15.00", "")
    # each entry balances in both currencies as exported
    for entry in ("je:x-inv", "je:x-pay"):
        lines = [r for r in out if r["entry_id"] == entry]
        for debit, credit in (("debit", "credit"), ("functional_debit", "functional_credit")):
            assert sum(Decimal(r[debit]) for r in lines) == sum(Decimal(r[credit]) for r in lines)
    assert (jpy["debit"], jpy["currency"]) == ("5000", "JPY")  # exponent 0: no decimals
    assert (bhd["debit"], bhd["currency"], bhd["functional_debit"]) == ("1.234", "BHD", "1.234")  # exponent 3


def test_generic_csv_every_column_as_stored(tiny_published):
    result = run("--period", "2026-04")
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[0].split(",")
    assert header == [c.split()[0] for c in LINE_COLUMNS.split(", ")]
    out = rows(result.stdout)
    assert [(r["entry_id"], r["line_number"]) for r in out] == [
        ("je:recognition:e-us:c4:EUR:2026-04", "1"),
        ("je:recognition:e-us:c4:EUR:2026-04", "2"),
    ]
    assert out[1]["credit_minor"] == "50000" and out[1]["functional_credit_minor"] == "54000"
    assert out[1]["po_id"] == "X1:L1" and out[0]["po_id"] == ""
    assert out[1]["fx_rate"] == "1.08000000" and out[1]["fx_rate_date"] == "2026-03-02"


def test_entity_filter_and_out_file(tiny_published, tmp_path):
    target = tmp_path / "march.csv"
    result = run("--period", "2026-03", "--format", "erp", "--entity", "e-gl", "--out", str(target))
    assert result.exit_code == 0, result.output
    assert "wrote 4 journal lines of 2026-03" in result.stderr
    out = rows(target.read_text())
    assert {r["entry_id"] for r in out} == {"je:j-inv", "je:b-inv"}


def test_unknown_period_lists_the_periods_that_exist(tiny_published):
    result = run("--period", "2026-05")
    assert result.exit_code == 2
    assert "no journal lines for period 2026-05" in result.stderr
    assert "periods with journal lines: 2026-03, 2026-04" in result.stderr
    result = run("--period", "2026-04", "--entity", "e-gl")
    assert result.exit_code == 2
    assert "for entity e-gl; periods with journal lines for entity e-gl: 2026-03" in result.stderr


def test_bad_period_bad_format_and_missing_mart(tiny_published, tmp_path, monkeypatch):
    result = run("--period", "2026-3")
    assert result.exit_code == 2 and "--period '2026-3' is not a month (YYYY-MM)" in result.stderr
    result = run("--period", "2026-03", "--format", "table")
    assert result.exit_code == 2 and "use csv or erp" in result.stderr
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    monkeypatch.setenv("REVHOUSE_PUBLISHED_PATH", str(empty))
    result = run("--period", "2026-03")
    assert result.exit_code == 2 and "revrec.fct_journal_lines" in result.stderr
