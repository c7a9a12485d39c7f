"""`make bench`, cash application part: 1,000,000 payments applied to 1,000,000 invoices.

Size from the environment: REVHOUSE_BENCH_PAYMENTS (default 1,000,000) payments against as many
invoices, ten invoices per customer. Run alone with REVHOUSE_BENCH_PARTS=cash.

The data set is written straight into the raw tables ingestion fills (the lowest layer, so the
measured path is the whole dbt path: staging views, payment attempts, money events, the three
match passes, takebacks, cash applications and fct_payments):
  raw.billed_invoices        the invoices, imported (`billed`, issued in 2025, before the seed's
                             cutover_date 2026-01-01, so int_collections__receivable_invoices
                             takes them), due 30 days after issue, amounts drawn at random
  raw.lago_customers         one per ten invoices, with the gateway's customer id
  raw.payment_transactions   one Stripe charge (succeeded) per invoice, for exactly its amount,
                             paid 3 days before to 3 days after the due date; invoices 0, 2, 4…
                             of each customer carry the invoice number as reference (pass 1),
                             the others carry none and need the scored match (pass 2: same
                             customer, amount = due, paid near the due date → score ≥ 0.96)
Every table is regenerated each run from a fixed seed (numpy, deterministic). The expected
application of every payment goes to bench_truth.expected_applications, outside every dbt schema.

Not timed as the figure: dbt parse, the seeds, and the billing models the cash-application
models read (fct_finalized_invoices, fct_invoice_voids, int_billing__credit_notes) with all their
parents (cash_selection): no usage or subscription is landed, so the billing ones hold no rows;
credit notes read the payments, so the payment path is built there too, once, and rebuilt by (f).

Timed, in one run on the same rows:
  (e)  bare DuckDB: the Stripe charges joined to the invoices on the reference (invoice
       number), into a table; best of two
  (f)  in-process `dbt run` of int_collections__cash_applications, fct_payments, every
       collections model they read and the staging views those read (cash_selection)
Target: (f)/(e) ≤ 3. Nothing is capped or adjusted: a miss prints MISS with the slowest models.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import duckdb

from dagster_project.bench.measure import Measure, measured, prepared_dbt, timed_run

DEFAULT_PAYMENTS = 1_000_000
INVOICES_PER_CUSTOMER = 10
CURRENCY = "USD"
# the seed settings' cutover_date is 2026-01-01: invoices issued before it are the receivable ones
FIRST_ISSUE = date(2025, 1, 1)
ISSUE_SPACING_DAYS = 30
NET_TERM_DAYS = 30
PAY_WINDOW_DAYS = 3  # paid from due − 3 to due + 3 days
CASH_OUTPUTS = ("int_collections__cash_applications", "fct_payments")
COLLECTIONS_PATH = "models/intermediate/collections/"
APPLICATIONS = "intermediate.int_collections__cash_applications"
PAYMENTS_MART = "collections.fct_payments"
TARGET = ("cash_application_vs_bare", "<=", 3.0, "(f) cash application, dbt / (e) bare reference join")
BARE_REPEATS = 2


@dataclass(frozen=True)
class CashParams:
    payments: int
    seed: int = 11

    @property
    def key(self) -> str:
        return f"cash_{self.payments}p_s{self.seed}"

    @property
    def customers(self) -> int:
        return -(-self.payments // INVOICES_PER_CUSTOMER)


def _lineage(name: str) -> str:
    return f"'bench/{name}' as _source_file, 'bench' as _file_sha256, i + 1 as _row_number, " \
        "timestamp '2026-01-01 00:00:00' as _ingested_at, null as _record_json"  # fmt: skip


def write_dataset(db: Path, params: CashParams) -> dict:
    """A fresh bench warehouse with the raw tables above; returns what it holds."""
    import numpy as np
    import pandas as pd

    from dagster_project.ingest.schema import create_raw_tables

    for p in (db, db.with_name(db.name + ".wal")):
        p.unlink(missing_ok=True)
    db.parent.mkdir(parents=True, exist_ok=True)
    n = params.payments
    rng = np.random.default_rng(params.seed)
    draws = pd.DataFrame(
        {
            "i": np.arange(n, dtype=np.int64),
            "amount_minor": rng.integers(1_000, 500_000, n, dtype=np.int64),
            "pay_day_offset": rng.integers(-PAY_WINDOW_DAYS, PAY_WINDOW_DAYS + 1, n, dtype=np.int64),
            "pay_second": rng.integers(0, 86_400, n, dtype=np.int64),
        }
    )
    con = duckdb.connect(str(db))
    try:
        create_raw_tables(con)
        con.register("draws", draws)
        # customer c = i // 10 and its k-th invoice (k = i % 10), issued every 30 days from a
        # customer-dependent day of January 2025 (the last one by 2025-10-25)
        con.execute(
            f"""create temp table bench_rows as
                select
                    i,
                    i // {INVOICES_PER_CUSTOMER} as c,
                    i % {INVOICES_PER_CUSTOMER} as k,
                    'bench_inv_' || lpad(cast(i as varchar), 8, '0') as invoice_id,
                    'BENCH-' || lpad(cast(i as varchar), 8, '0') as invoice_number,
                    'ch_bench_' || lpad(cast(i as varchar), 8, '0') as charge_id,
                    'bench_cus_' || lpad(cast(i // {INVOICES_PER_CUSTOMER} as varchar), 7, '0') as external_customer_id,
                    'cus_bench' || lpad(cast(i // {INVOICES_PER_CUSTOMER} as varchar), 7, '0') as provider_customer_id,
                    cast(date '{FIRST_ISSUE}' + cast((i % {INVOICES_PER_CUSTOMER}) * {ISSUE_SPACING_DAYS}
                        + (i // {INVOICES_PER_CUSTOMER}) % 28 as integer) as date) as issuing_date,
                    amount_minor,
                    pay_day_offset,
                    pay_second
                from draws"""
        )
        con.execute(
            f"""insert into raw.billed_invoices by name
                select 'lago' as invoice_source, invoice_id, invoice_number, external_customer_id,
                    'BENCH' as billing_entity_code, 'finalized' as status, '{CURRENCY}' as currency,
                    issuing_date, amount_minor as fees_amount_minor, 0 as coupons_amount_minor,
                    0 as taxes_amount_minor, 0 as credit_notes_amount_minor, 0 as prepaid_credit_amount_minor,
                    amount_minor as total_amount_minor,
                    cast(issuing_date + {NET_TERM_DAYS} as date) as payment_due_date,
                    {NET_TERM_DAYS} as net_payment_term, 'pending' as payment_status,
                    0 as total_paid_amount_minor, amount_minor as total_due_amount_minor,
                    {_lineage("billed_invoices.json")}
                from bench_rows"""
        )
        con.execute(
            f"""insert into raw.lago_customers by name
                select 'bench-cus-' || cast(c as varchar) as lago_id, external_customer_id as external_id,
                    'Bench customer ' || cast(c as varchar) as name, 'US' as country,
                    '{CURRENCY}' as currency, 'UTC' as timezone, 'BENCH' as billing_entity_code,
                    {NET_TERM_DAYS} as net_payment_term, 'stripe' as payment_provider,
                    provider_customer_id, timestamp '2025-01-01 00:00:00' as created_at,
                    {_lineage("customers.json")}
                from bench_rows
                where k = 0"""
        )
        con.execute(
            f"""insert into raw.payment_transactions by name
                select 'stripe' as gateway, 'charge' as gateway_object, charge_id as gateway_id,
                    paid_at as object_version_at, 'charge' as record_type, 'succeeded' as status,
                    '{CURRENCY}' as currency, amount_minor, paid_at as occurred_at,
                    case when k % 2 = 0 then invoice_number end as invoice_reference,
                    provider_customer_id as customer_reference, 'card' as payment_method,
                    {_lineage("stripe_charges.json")}
                from (
                    select *, cast(issuing_date + cast({NET_TERM_DAYS} + pay_day_offset as integer) as timestamp)
                        + to_seconds(pay_second) as paid_at
                    from bench_rows
                )"""
        )
        # what cash application must produce: every payment whole on its own invoice, by the
        # reference when it carries one, else by the score
        con.execute("create schema bench_truth")
        con.execute(
            """create table bench_truth.expected_applications as
                select 'stripe:' || charge_id as payment_id, 'lago' as invoice_source, invoice_id,
                    amount_minor, case when k % 2 = 0 then 'reference' else 'score' end as match_pass
                from bench_rows"""
        )
        counts = con.execute(
            """select (select count(*) from raw.billed_invoices), (select count(*) from raw.payment_transactions),
                      (select count(*) from raw.lago_customers),
                      (select count(*) from raw.payment_transactions where invoice_reference is not null)"""
        ).fetchone()
    finally:
        con.close()
    invoices, payments, customers, referenced = counts
    return {"invoices": invoices, "payments": payments, "customers": customers, "referenced": referenced}


def cash_selection(manifest) -> tuple[list[str], list[str]]:
    """(timed, prepare): the timed models are CASH_OUTPUTS, every collections model they read
    (transitively) and the staging views those read; `prepare` selects what they read besides
    (the billing models, with all their parents, the payment path included: credit notes read
    the payments, so it is built there first, untimed, and rebuilt by the timed run)."""
    nodes = manifest.nodes

    def model_parents(uid: str) -> list[str]:
        return [p for p in nodes[uid].depends_on.nodes if p.startswith("model.")]

    todo = [uid for uid, n in nodes.items() if uid.startswith("model.") and n.name in CASH_OUTPUTS]
    chosen: set[str] = set()
    while todo:
        uid = todo.pop()
        if uid not in chosen:
            chosen.add(uid)
            todo += [
                p for p in model_parents(uid) if nodes[p].original_file_path.startswith(COLLECTIONS_PATH)
            ]
    parents = {p for uid in chosen for p in model_parents(uid)} - chosen
    staging = {p for p in parents if nodes[p].original_file_path.startswith("models/staging/")}
    timed = sorted(nodes[uid].name for uid in chosen | staging)
    prepare = sorted("+" + nodes[uid].name for uid in parents - staging)
    return timed, prepare


def bare_join_sql() -> str:
    """(e): each charge to the invoice its reference names."""
    return """
        select p.gateway_id, p.amount_minor, i.invoice_id, i.total_amount_minor
        from raw.payment_transactions as p
        inner join raw.billed_invoices as i on p.invoice_reference = i.invoice_number
        where p.gateway = 'stripe' and p.gateway_object = 'charge'
    """


def step_bare(db: Path) -> tuple[Measure, int]:
    from dagster_project.bench import _best_of

    con = duckdb.connect(str(db))
    try:
        m = _best_of(
            BARE_REPEATS,
            lambda: con.execute(f"create or replace temp table bench_bare_join as {bare_join_sql()}"),
        )
        joined = con.execute("select count(*) from bench_bare_join").fetchone()[0]
    finally:
        con.close()
    return m, int(joined)


def check_applications(db: Path) -> dict:
    """The run's outcome against bench_truth.expected_applications (not timed)."""
    con = duckdb.connect(str(db))
    try:
        applied = f"""select payment_id, invoice_source, invoice_id, amount_minor, match_pass
                      from {APPLICATIONS} where movement_kind = 'applied'"""
        differing = con.execute(
            f"""select count(*) from (
                    (select * from bench_truth.expected_applications except all {applied})
                    union all
                    ({applied} except all select * from bench_truth.expected_applications))"""
        ).fetchone()[0]
        by_pass = dict(
            con.execute(
                f"select match_pass, count(*) from {APPLICATIONS} where movement_kind = 'applied' group by 1"
            ).fetchall()
        )
        outcomes = dict(con.execute(f"select outcome, count(*) from {PAYMENTS_MART} group by 1").fetchall())
        suggestions = con.execute(
            "select count(*) from intermediate.int_collections__scored_matches where decision = 'suggested'"
        ).fetchone()[0]
    finally:
        con.close()
    return {
        "applications": sum(by_pass.values()),
        "applications_by_pass": by_pass,
        "payment_outcomes": outcomes,
        "suggested": int(suggestions),
        "rows_differing_from_expected": int(differing),
    }


def run_part(project_dir: Path, bench_dir: Path, payments: int) -> tuple[dict[str, dict], dict]:
    """Generate, prepare, (e), (f), check. Returns (steps by key, verdict entry)."""
    from dagster_project.bench import _setup_steps, _step

    params = CashParams(payments=payments)
    root = bench_dir / params.key
    db = root / "bench.duckdb"
    print(f"bench: cash application, {payments:,} payments and invoices in {root}", flush=True)
    with measured() as gen:
        held = write_dataset(db, params)
    dbt, timed, prepare, parse, prep = prepared_dbt(project_dir, db, root / "dbt", {}, cash_selection)
    e, joined = step_bare(db)
    f, models = timed_run(dbt, timed)
    check = check_applications(db)
    db_mb = round(db.stat().st_size / 1e6)

    steps = {
        "cash_generate": _step(
            "cash: generate raw tables (written into DuckDB)",
            gen,
            None,
            f"{held['invoices']:,} invoices, {held['payments']:,} Stripe charges "
            f"({held['referenced']:,} with a reference), {held['customers']:,} customers; not a figure",
        ),
        **_setup_steps("cash", "(f)", "the billing models", parse, prep, prepare),
        "e": _step(
            "(e) bare DuckDB join payments → invoices on the reference",
            e,
            held["payments"],
            f"{joined:,} joined; best of {BARE_REPEATS}",
        )
        | {"joined": joined},
    }
    expected_ok = check["rows_differing_from_expected"] == 0 and check["applications"] == held["payments"]
    note = (
        f"{len(models)} models; {check['applications']:,} applied "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(check["applications_by_pass"].items()))
        + f"; {check['suggested']:,} suggested; slowest: "
        + ", ".join(f"{r['model']} {r['seconds']:.1f}s" for r in models[:3])
        + f"; warehouse file {db_mb:,} MB"
    )
    if not expected_ok:
        note += f"; {check['rows_differing_from_expected']:,} APPLICATIONS DIFFER FROM THE EXPECTED ONES"
    steps["f"] = (
        _step("(f) revhouse cash application (dbt run)", f, held["payments"], note)
        | check
        | {
            "models": models,
            "params": asdict(params),
        }
    )

    name, op, bound, label = TARGET
    value = f.seconds / e.seconds if e.seconds else None
    ok = None if value is None else value <= bound
    why = ""
    if ok is False:
        top = ", ".join(f"{r['model']} {r['seconds']:.1f}s ({r['materialized']})" for r in models[:4])
        why = (
            f"dbt run {f.seconds:.1f}s vs bare join {e.seconds:.2f}s; slowest models: {top}; "
            f"{len(models)} models, the bare join does one of the three passes"
        )
    verdict = {name: {"label": label, "value": value, "target": f"{op} {bound:g}", "pass": ok, "why": why}}
    return steps, verdict
