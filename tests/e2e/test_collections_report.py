"""`revhouse collections` on the demo build: the 90+ bucket is printed, and the aging the CLI
reads for any date (open-amount periods, the aging_buckets seed and the unapplied-cash periods)
equals fct_receivables_aging on every report date the mart holds."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from dagster_project.cli import app
from dagster_project.collections_report import AGING, aging

pytestmark = pytest.mark.e2e

KEY = ("external_customer_id", "billing_entity_code", "currency")


def test_cli_aging_equals_the_mart_on_every_report_date(published_db):
    dates = [
        r[0] for r in published_db.execute(f"select distinct report_date from {AGING} order by 1").fetchall()
    ]
    assert dates, f"{AGING} is empty on the demo build"
    for day in dates:
        section = aging(published_db, day)
        # one per seed bucket, open, count, unapplied cash
        figures = [c for c in section.columns if c not in KEY]
        assert len(figures) == 8, figures
        cli = {tuple(r[k] for k in KEY): tuple(r[f] for f in figures) for r in section.rows}
        cur = published_db.execute(
            f"select {', '.join(KEY)}, {', '.join(figures)} from {AGING} where report_date = ?", [day]
        )
        mart = {r[:3]: r[3:] for r in cur.fetchall()}
        assert cli == mart, f"aging at {day}: the CLI and {AGING} differ"


def test_cli_prints_the_90_plus_bucket(published_db, settings):
    day, currency, over_90 = published_db.execute(
        f"select report_date, currency, sum(days_over_90_amount_minor) from {AGING} "
        f"where is_as_of_date group by all having sum(days_over_90_amount_minor) > 0 order by 2 limit 1"
    ).fetchone()
    env = {"COLUMNS": "200", "NO_COLOR": "1", "REVHOUSE_PUBLISHED_PATH": str(settings.published_path)}
    table = CliRunner().invoke(app, ["collections", "--as-of", str(day)], env=env)
    assert table.exit_code == 0, table.output
    assert "90+" in table.stdout
    rows = CliRunner().invoke(app, ["collections", "--as-of", str(day), "--format", "csv"], env=env)
    assert rows.exit_code == 0, rows.output
    shown = [
        r["value"]
        for r in csv.DictReader(io.StringIO(rows.stdout))
        if r["section"] == "aging" and r["measure"] == "90+" and r["currency"] == currency
    ]
    exponent = published_db.execute(
        "select minor_unit_exponent from reference.iso_4217_currencies where currency = ?", [currency]
    ).fetchone()[0]
    assert sum(Decimal(v) for v in shown) == Decimal(int(over_90)).scaleb(-exponent)
