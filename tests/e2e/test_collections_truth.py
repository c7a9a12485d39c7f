"""Ground truth of the demo's collections faults (data/truth/, written by the generator, never
landed) found in the marts of the demo build: payment terms and due dates, landed dunning
attempts, dunning outcomes and the payment cases of cash application. `payouts.csv` is checked
by tests/e2e/test_payout_settlements.py.

A truth file whose mart is not built yet is skipped with the mart's name, so the skip says what
is missing; once the mart exists every row must be found with the right figures."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime

import pytest

pytestmark = pytest.mark.e2e

# Rows shown when a truth file disagrees with its mart.
SHOWN = 10
# The demo's truth names invoices by the numbers of its Lago export (billed/lago_invoices/),
# imported as invoice_source 'lago'. revhouse's own invoices reuse the same numbers (RHEU-000001
# exists in both sources), so a number alone is ambiguous: always look it up in this source.
TRUTH_SOURCE = "lago"


def truth_rows(settings, name: str) -> list[dict]:
    path = settings.truth_dir / name
    if not path.is_file():
        pytest.fail(f"no ground truth {path}: the demo generator writes it (revhouse generate)")
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows, f"{path} is empty"
    return rows


def require(con, *tables: str) -> None:
    present = {
        f"{s}.{t}"
        for s, t in con.execute("select table_schema, table_name from information_schema.tables").fetchall()
    }
    missing = [t for t in tables if t not in present]
    if missing:
        pytest.skip(f"{', '.join(missing)} not in the published warehouse yet")


def by_key(con, sql: str, params: list | None = None) -> dict:
    """First column -> a dict of the row."""
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return {r[0]: dict(zip(cols, r, strict=True)) for r in cur.fetchall()}


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None)


def assert_all_found(problems: list[str], total: int, what: str) -> None:
    assert not problems, f"{len(problems)} of {total} {what} not as in the ground truth:\n" + "\n".join(
        problems[:SHOWN]
    )


def test_payment_terms_and_due_dates(published_db, settings):
    rows = truth_rows(settings, "payment_terms.csv")
    require(published_db, "intermediate.int_collections__receivable_invoices")
    # fct_invoices holds revhouse's own invoices only; the truth's are imported, so the
    # receivable invoices (both sources) are where their term and due date live.
    receivable = by_key(
        published_db,
        "select invoice_number, external_customer_id, net_payment_term_days, payment_due_date "
        "from intermediate.int_collections__receivable_invoices where invoice_source = ?",
        [TRUTH_SOURCE],
    )
    problems = []
    for t in rows:
        r = receivable.get(t["invoice_number"])
        if r is None:
            problems.append(f"{t['invoice_number']}: not a receivable invoice of source {TRUTH_SOURCE}")
            continue
        expected = (
            t["external_customer_id"],
            int(t["net_payment_term"]),
            date.fromisoformat(t["payment_due_date"]),
        )
        got = (r["external_customer_id"], r["net_payment_term_days"], r["payment_due_date"])
        if got != expected:
            problems.append(
                f"{t['invoice_number']} ({t['term_source']} term): (customer, term, due) {got} != {expected}"
            )
    assert_all_found(problems, len(rows), "invoices' payment terms")


def test_landed_dunning_attempts(published_db, settings):
    rows = truth_rows(settings, "dunning_attempts.csv")
    require(published_db, "collections.fct_dunning_attempts", "collections.fct_dunning_attempt_invoices")
    attempts = by_key(
        published_db,
        "select lago_payment_request_id, external_customer_id, currency, dunning_campaign_code, attempt_number, "
        "attempted_at, amount_minor from collections.fct_dunning_attempts where attempt_source = 'landed'",
    )
    invoices: dict[str, set[str]] = {}
    for request_id, number in published_db.execute(
        """
        select a.lago_payment_request_id, r.invoice_number
        from collections.fct_dunning_attempt_invoices ai
        join collections.fct_dunning_attempts a using (dunning_attempt_id)
        join intermediate.int_collections__receivable_invoices r using (invoice_source, invoice_id)
        where a.attempt_source = 'landed'
        """
    ).fetchall():  # the invoice's own number, whichever its source
        invoices.setdefault(request_id, set()).add(number)
    problems = []
    for t in rows:
        got = attempts.get(t["payment_request_id"])
        if got is None:
            problems.append(f"{t['payment_request_id']} ({t['case']}): no landed attempt")
            continue
        expected = {
            "external_customer_id": t["external_customer_id"],
            "currency": t["currency"],
            "dunning_campaign_code": t["campaign_code"],
            "attempt_number": int(t["attempt"]),
            "attempted_at": utc(t["attempted_at"]),
            "amount_minor": int(t["amount_minor"]),
        }
        diff = {k: (got[k], v) for k, v in expected.items() if got[k] != v}
        numbers = set(t["invoice_numbers"].replace(";", " ").replace("|", " ").split())
        if invoices.get(t["payment_request_id"], set()) != numbers:
            diff["invoices"] = (sorted(invoices.get(t["payment_request_id"], ())), sorted(numbers))
        if diff:
            problems.append(f"{t['payment_request_id']} ({t['case']}): (mart, truth) {diff}")
    assert_all_found(problems, len(rows), "landed dunning attempts")


def dunned_invoices(con) -> dict:
    """Invoice number (of TRUTH_SOURCE) -> its fct_dunning_invoices row and its attempts count."""
    return by_key(
        con,
        """
        select r.invoice_number, d.external_customer_id, d.currency, d.entered_amount_minor,
               d.recovered_amount_minor, d.invoice_id,
               (select count(distinct ai.dunning_attempt_id) from collections.fct_dunning_attempt_invoices ai
                where ai.invoice_source = d.invoice_source and ai.invoice_id = d.invoice_id) as attempts
        from collections.fct_dunning_invoices d
        join intermediate.int_collections__receivable_invoices r using (invoice_source, invoice_id)
        where d.invoice_source = ?
        """,
        [TRUTH_SOURCE],
    )


def dunning_entry(entered: dict, numbers: str) -> dict | None:
    """The mart rows of one truth row: it names one invoice, or several (`;`-joined) a payment
    request grouped into one dunning entry; the mart has a row per invoice, their amounts add up
    and they share one customer, currency and count of attempts (None: one of them is missing)."""
    rows = [entered.get(n) for n in numbers.split(";")]
    if any(r is None for r in rows):
        return None
    out = dict(rows[0])
    for k in ("entered_amount_minor", "recovered_amount_minor"):
        out[k] = sum(r[k] for r in rows)
    for k in ("external_customer_id", "currency", "attempts"):
        if len({r[k] for r in rows}) != 1:
            out[k] = tuple(r[k] for r in rows)
    out["invoice_ids"] = {r["invoice_id"] for r in rows}
    return out


def test_dunning_entries_attempts_and_churn(published_db, settings):
    rows = truth_rows(settings, "dunning.csv")
    require(published_db, "collections.fct_dunning_invoices", "collections.fct_involuntary_churn")
    entered = dunned_invoices(published_db)
    churn = by_key(
        published_db,
        "select external_subscription_id, churn_type, unpaid_invoice_id, terminated_at "
        "from collections.fct_involuntary_churn",
    )
    involuntary_invoices = {
        c["unpaid_invoice_id"] for c in churn.values() if c["churn_type"] == "involuntary"
    }
    problems = []
    for t in rows:
        got = dunning_entry(entered, t["invoice_number"])
        if got is None:
            problems.append(f"{t['invoice_number']} ({t['case']}): never entered dunning")
            continue
        expected = {
            "external_customer_id": t["external_customer_id"],
            "currency": t["currency"],
            "entered_amount_minor": int(t["entered_minor"]),
            "attempts": int(t["attempts"]),
        }
        diff = {k: (got[k], v) for k, v in expected.items() if got[k] != v}
        if t["churned"] == "True":
            c = churn.get(t["subscription_external_id"])
            wanted = ("involuntary", got["invoice_id"], utc(t["terminated_at"]))
            if c is None or (c["churn_type"], c["unpaid_invoice_id"], c["terminated_at"]) != wanted:
                diff["churn"] = (c, wanted)
        elif got["invoice_ids"] & involuntary_invoices:
            diff["churn"] = ("involuntary", "not churned")
        if diff:
            problems.append(f"{t['invoice_number']} ({t['case']}): (mart, truth) {diff}")
    assert_all_found(problems, len(rows), "dunned invoices")


def test_dunning_recovery(published_db, settings):
    rows = truth_rows(settings, "dunning.csv")
    # recovery is cash applied after entry: without cash application every invoice recovers 0
    require(published_db, "collections.fct_dunning_invoices", "collections.fct_payments")
    entered = dunned_invoices(published_db)
    problems = []
    for t in rows:
        got = dunning_entry(entered, t["invoice_number"])
        if got is None or got["recovered_amount_minor"] != int(t["recovered_minor"]):
            problems.append(
                f"{t['invoice_number']} ({t['case']}): recovered {got and got['recovered_amount_minor']} "
                f"!= {t['recovered_minor']}"
            )
    assert_all_found(problems, len(rows), "dunned invoices' recovery")
