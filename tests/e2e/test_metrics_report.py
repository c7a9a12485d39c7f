"""`revhouse metrics` on the demo build: the closing MRR it prints for a month, in every
currency and basis, is fct_mrr_bridge's closing for that month (added up over entities within
the currency), in the table and in the CSV; with an entity, that entity's."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from dagster_project.cli import app
from dagster_project.metrics_report import BRIDGE

pytestmark = pytest.mark.e2e


def closing_by_currency(published_db, month, entity=None) -> dict[tuple[str, str], Decimal]:
    rows = published_db.execute(
        f"select b.currency_basis, b.currency, sum(b.closing_mrr_minor), max(e.minor_unit_exponent) "
        f"from {BRIDGE} b join reference.iso_4217_currencies e using (currency) "
        "where b.month = ? and b.segment_type = 'all' and (? is null or b.billing_entity_code = ?) group by all",
        [month, entity, entity],
    ).fetchall()
    return {(basis, cur): Decimal(int(total)).scaleb(-exp) for basis, cur, total, exp in rows}


def test_cli_closing_mrr_equals_the_bridge(published_db, settings):
    month, entity = published_db.execute(
        f"select max(month), min(billing_entity_code) from {BRIDGE}"
    ).fetchone()
    env = {"COLUMNS": "250", "NO_COLOR": "1", "REVHOUSE_PUBLISHED_PATH": str(settings.published_path)}
    for who in (None, entity):
        expected = closing_by_currency(published_db, month, who)
        assert len(expected) >= 3, "the demo has a reporting currency and several document currencies"
        args = ["metrics", "--month", f"{month:%Y-%m}", *(["--entity", who] if who else [])]
        rows = CliRunner().invoke(app, [*args, "--format", "csv"], env=env)
        assert rows.exit_code == 0, rows.output
        printed = {
            (r["currency_basis"], r["currency"]): Decimal(r["value"])
            for r in csv.DictReader(io.StringIO(rows.stdout))
            if r["measure"] == "closing_mrr"
        }
        assert printed == expected
        table = CliRunner().invoke(app, args, env=env)
        assert table.exit_code == 0, table.output
        line = next(x for x in table.stdout.splitlines() if "= closing MRR" in x)
        shown = [Decimal(c.strip().replace(",", "")) for c in line.split("│")[2:-1]]
        order = sorted(expected, key=lambda k: (k[0] != "reporting", k[1]))
        assert shown == [expected[k] for k in order]
