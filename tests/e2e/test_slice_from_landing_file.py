"""The thin slice, checked independently of the SQL: a usage metric priced `standard`, read
from the landing files with plain Python, must give exactly the fee the warehouse billed, and
that fee must reach the revenue schedule the dashboard shows."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from dagster_project.reference.currencies import exponent

pytestmark = pytest.mark.e2e


def _utc(ts) -> datetime | None:
    """Lago timestamps: unix seconds (number or numeric text, with fraction) or ISO 8601."""
    try:
        return datetime.fromtimestamp(float(ts), tz=UTC).replace(tzinfo=None)
    except (TypeError, ValueError):
        pass
    try:
        parsed = datetime.fromisoformat(str(ts).replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed
    return parsed.astimezone(UTC).replace(tzinfo=None)


def _landing_events(landing: Path) -> dict[tuple[str, str], list[tuple[datetime, dict]]]:
    """(subscription, code) -> [(timestamp, properties)], first arrival of each transaction."""
    seen: set[tuple[str, str]] = set()
    out: dict[tuple[str, str], list] = defaultdict(list)
    for path in sorted((landing / "usage" / "events").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                e = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(e, dict) or not e.get("transaction_id") or not e.get("code"):
                continue
            key = (e.get("external_subscription_id"), e["transaction_id"])
            at = _utc(e.get("timestamp"))
            if key in seen or at is None or key[0] is None:
                continue
            seen.add(key)
            out[(key[0], e["code"])].append((at, e.get("properties") or {}))
    return out


def _standard_charges(landing: Path) -> dict[tuple[str, str], tuple[Decimal, str]]:
    """(plan_code, metric code) -> (unit price, currency) for standard charges without filters or groups."""
    plans = json.loads((landing / "catalog" / "plans" / "plans.json").read_text())["plans"]
    out = {}
    for plan in plans:
        for charge in plan["charges"]:
            props = charge.get("properties") or {}
            if (
                charge["charge_model"] == "standard"
                and not charge.get("filters")
                and not props.get("pricing_group_keys")
                and not charge.get("pay_in_advance")
            ):
                out[(plan["code"], charge["billable_metric_code"])] = (
                    Decimal(props["amount"]),
                    plan["amount_currency"],
                )
    return out


def test_standard_count_and_sum_fees_match_the_landing_files(settings, published_db):
    landing = settings.landing_dir
    metrics = {
        m["code"]: m
        for m in json.loads((landing / "catalog" / "billable_metrics" / "billable_metrics.json").read_text())[
            "billable_metrics"
        ]
    }
    prices = _standard_charges(landing)
    events = _landing_events(landing)
    fees = published_db.execute(
        """
        select fee_id, external_subscription_id, plan_code, billable_metric_code, currency,
               period_from_at, period_to_at, units, amount_minor
        from intermediate.int_billing__fees
        where fee_type = 'charge'
        """
    ).fetchall()
    checked = 0
    for fee_id, sub, plan, code, currency, start, end, units, amount_minor in fees:
        metric = metrics.get(code)
        if (plan, code) not in prices or metric is None or metric.get("recurring"):
            continue
        if metric["aggregation_type"] not in ("count_agg", "sum_agg"):
            continue
        window = [p for at, p in events.get((sub, code), []) if start <= at <= end]
        if metric["aggregation_type"] == "count_agg":
            expected_units = Decimal(len(window))
        else:
            values = []
            for p in window:
                try:
                    values.append(Decimal(str(p[metric["field_name"]])))
                except (KeyError, ArithmeticError, ValueError):
                    continue
            expected_units = sum(values, Decimal(0))
        price, plan_currency = prices[(plan, code)]
        expected = (
            (max(expected_units, Decimal(0)) * price)
            .scaleb(exponent(currency))
            .quantize(Decimal(1), rounding=ROUND_HALF_UP)
        )
        assert Decimal(units) == expected_units, f"{fee_id}: units {units} != {expected_units} from landing"
        assert amount_minor == int(expected), f"{fee_id}: {amount_minor} != {expected} ({code} on {plan})"
        checked += 1
    assert checked >= 5, f"only {checked} standard count/sum fees found in the demo"


def test_an_invoice_line_reaches_its_obligation_schedule_and_journals(published_db):
    """A line of an invoice in force for revenue (imported before the cutover date, revhouse's own
    from it) is one performance obligation (A1); its recognised revenue is that obligation's
    schedule, which closes to its allocation net of changes, and journal lines name it."""
    po_id, allocated, list_amount, source = published_db.execute(
        """
        select po_id, allocated_amount_minor, list_amount_minor, document_source
        from intermediate.int_revrec__performance_obligations
        where pattern = 'usage' and allocated_amount_minor > 0
        order by po_id
        limit 1
        """
    ).fetchone()
    if source == "revhouse":
        document_id, line_id = po_id.split(":", 1)
        amount = published_db.execute(
            "select amount_minor from billing.fct_invoice_fees where invoice_id = ? and fee_id = ?",
            [document_id, line_id],
        ).fetchone()[0]
    else:
        amount = published_db.execute(
            "select l.amount_minor from staging.stg_billed__invoice_lines l "
            "join intermediate.int_revrec__performance_obligations po "
            "on po.document_id = l.invoice_id and po.line_id = l.line_id where po.po_id = ?",
            [po_id],
        ).fetchone()[0]
    assert list_amount == amount
    changed = published_db.execute(
        "select coalesce(sum(amount_minor), 0) from intermediate.int_revrec__po_changes where po_id = ?",
        [po_id],
    ).fetchone()[0]
    scheduled = published_db.execute(
        "select sum(amount_minor) from revrec.fct_revenue_schedule where po_id = ?", [po_id]
    ).fetchone()[0]
    assert scheduled == allocated - changed
    assert (
        published_db.execute(
            "select count(*) from revrec.fct_journal_lines where po_id = ?", [po_id]
        ).fetchone()[0]
        > 0
    )
