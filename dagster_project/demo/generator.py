"""`generate()`: a deterministic demo company written into the landing tree, plus the truth of its faults.

Everything is drawn from one `random.Random(seed)` in a fixed order, objects keep insertion-ordered
keys and no file carries a wall-clock time, so the same arguments give byte-identical files.
"""

from __future__ import annotations

import random
import shutil
from contextlib import nullcontext
from datetime import date
from pathlib import Path

from dagster_project.demo import (
    assurance,
    billing,
    catalog,
    company,
    crm,
    metrics,
    payments,
    receivables,
    reference,
    revrec,
    usage,
)
from dagster_project.demo.common import add_months, iso_z, local_midnight
from dagster_project.demo.ids import lago_uuid
from dagster_project.demo.truth import COLUMNS, Faults
from dagster_project.demo.writers import lago_list, write_csv, write_json

LANDING_FOLDERS = {
    "catalog": [
        "billable_metrics",
        "plans",
        "customers",
        "subscriptions",
        "coupons",
        "applied_coupons",
        "taxes",
        "wallets",
        "wallet_transactions",
        "add_ons",
        "dunning_campaigns",
        "payment_requests",
        "payments",
    ],
    "usage": ["events"],
    "crm": ["account", "opportunity", "opportunity_line_item", "product2", "contract", "user"],
    "payments": ["stripe", "adyen", "gocardless", "gocardless/payout_items"],
    "billed": ["lago_invoices", "lago_credit_notes"],
    "fx": ["rates"],
    "reference": [
        "entities",
        "settings",
        "period_closes",
        "crm_product_map",
        "ssp",
        "revrec_rules",
        "chart_of_accounts",
    ],
}


def _progress(enabled: bool):
    if not enabled:
        return nullcontext(None)
    from rich.progress import Progress

    return Progress(transient=False)


def generate(
    landing_dir: Path,
    truth_dir: Path,
    customers: int = 200,
    months: int = 6,
    seed: int = 42,
    start: date = date(2026, 1, 1),
    progress: bool = False,
) -> dict:
    landing_dir, truth_dir = Path(landing_dir).resolve(), Path(truth_dir).resolve()
    if truth_dir == landing_dir or landing_dir in truth_dir.parents:
        raise ValueError(f"truth_dir {truth_dir} must not be inside landing_dir {landing_dir}")
    if customers < 8 or months < 2:
        raise ValueError("the demo needs at least 8 customers and 2 months to plant every fault")
    if landing_dir.exists() and any(landing_dir.iterdir()) and not (truth_dir / "summary.json").exists():
        # only a tree this generator wrote (it leaves summary.json in the truth dir) is replaced
        raise FileExistsError(f"{landing_dir} holds files that are not a demo run; refusing to replace them")
    for d in (landing_dir, truth_dir):
        if d.exists():
            shutil.rmtree(d)  # a rerun must not leave files of an earlier, different run behind
        d.mkdir(parents=True)
    rng = random.Random(seed)
    # the collections cases draw from their own stream (str seeds hash the same in every process)
    coll_rng = random.Random(f"collections-{seed}")
    # so do the metrics cases and the CRM segments, appended after the random company
    metrics_rng = random.Random(f"metrics-{seed}")
    segments_rng = random.Random(f"crm-segments-{seed}")
    # and the revenue-assurance cases
    asr_rng = random.Random(f"assurance-{seed}")
    window_start, window_end = start, add_months(start, months)
    faults = Faults()
    files: dict[str, int] = {}

    steps = ["catalog", "company", "usage", "billing", "payments", "crm", "fx+reference", "truth"]
    with _progress(progress) as bar:
        task = bar.add_task("demo company", total=len(steps)) if bar else None

        def step(name: str) -> None:
            if bar:
                bar.update(task, advance=1, description=f"demo: {name}")

        # ---- catalog
        tax_ids = {code: lago_uuid(rng) for code, _, _ in catalog.TAXES}
        metric_ids = {code: lago_uuid(rng) for code in catalog.METRIC_CODES}
        plans = catalog.build_plans(rng) + metrics.extra_plans(metrics_rng)
        plan_by_code = {p.code: p for p in plans}
        coupons = catalog.build_coupons(rng)
        case_coupons = metrics.extra_coupons(metrics_rng)  # for the cases only, never drawn at random

        def lago_file(entity: str, key: str, items: list) -> None:
            name = f"catalog/{entity}/{entity}.json"
            write_json(landing_dir / name, lago_list(key, items))
            files[name] = len(items)

        lago_file("taxes", "taxes", catalog.taxes_json(tax_ids))
        lago_file("billable_metrics", "billable_metrics", catalog.metrics_json(metric_ids))
        lago_file("plans", "plans", [catalog.plan_json(p, metric_ids) for p in plans])
        lago_file("coupons", "coupons", [catalog.coupon_json(c) for c in coupons + case_coupons])
        lago_file("add_ons", "add_ons", catalog.add_ons_json(rng, tax_ids))
        step("catalog")

        # ---- customers and subscriptions
        custs = company.build_customers(rng, customers, window_start)
        receivables.assign_terms(coll_rng, custs)
        subs = company.build_subscriptions(rng, custs, plan_by_code, coupons, window_start, window_end)
        company.build_wallets(rng, custs, window_start, window_end)
        metric_cases = metrics.plant(
            metrics_rng, custs, subs, plan_by_code, coupons + case_coupons, window_start, window_end
        )
        asr = assurance.Planter(
            asr_rng, custs, subs, plan_by_code, coupons, window_start, window_end, n_random=customers
        )
        asr.plant_company()
        lago_file("subscriptions", "subscriptions", [company.subscription_json(s, window_end) for s in subs])
        first_start = {}
        for s in subs:
            first_start.setdefault(s.customer.external_id, s)
        applied = []
        for c in custs:
            if c.coupon is None:
                continue
            cp, at = c.coupon, iso_z(first_start[c.external_id].started_at)
            applied.append(
                {
                    "lago_id": c.coupon_lago_id,
                    "lago_coupon_id": cp.lago_id,
                    "coupon_code": cp.code,
                    "external_customer_id": c.external_id,
                    "lago_customer_id": c.lago_id,
                    "amount_cents": cp.amount_cents,
                    "amount_currency": cp.currency,
                    "expiration_at": None,
                    "created_at": at,
                    "terminated_at": None,
                    "percentage_rate": None if cp.percentage_rate is None else str(cp.percentage_rate),
                    "frequency": cp.frequency,
                    "frequency_duration": cp.frequency_duration,
                }
            )
        lago_file("applied_coupons", "applied_coupons", applied)
        step("company")

        # ---- usage
        events, spike = usage.generate_events(rng, subs, window_start, window_end, months)
        billed_events = asr.plant_usage(events, spike)
        files.update(
            usage.write_usage(
                rng,
                landing_dir,
                events,
                subs,
                spike,
                window_start,
                window_end,
                faults,
                skip=asr.drop,
                late=asr.late,
                extra=(asr_rng, asr.extra),
            )
        )
        step("usage")

        # ---- incumbent invoices with planted faults
        invoices = billing.build_invoices(rng, subs, billed_events, window_start, window_end)
        discount_customer = _plant_billing_faults(rng, invoices, faults, asr.taken)
        asr.plant_billing(invoices, billed_events)
        billing.finalize(invoices)
        asr.plant_finalized(invoices)
        paid = payments.settle(rng, invoices, window_end)
        cases = receivables.plant(coll_rng, invoices, paid, subs, window_end)
        receivables.annotate(invoices, cases, window_end)
        # customers are written once the cases have set their own payment terms
        lago_file(
            "customers",
            "customers",
            [company.customer_json(c, catalog.tax_json(tax_ids, c.tax_code)) for c in custs],
        )
        files.update(receivables.write_lago(landing_dir, cases))
        step("billing")

        # ---- gateways
        payouts: list[list] = []
        files.update(
            payments.write_stripe(
                rng,
                landing_dir,
                paid.get("stripe", []),
                faults,
                window_end,
                cases.stripe,
                payouts,
                open_customers=frozenset(
                    inv.customer.external_id for inv in invoices if inv.payment_status != "succeeded"
                ),
                avoid=frozenset(
                    asr.taken
                    | {k.customer.external_id for k in metric_cases}
                    | {row[4] for row in cases.cases}
                ),
                stray_rng=asr_rng,
            )
        )
        files.update(
            payments.write_adyen(
                rng, landing_dir, paid.get("adyen", []), window_end, cases.adyen_amount, payouts
            )
        )
        files.update(
            payments.write_gocardless(rng, landing_dir, paid.get("gocardless", []), window_end, payouts)
        )
        by_month: dict[str, list] = {}
        for inv in sorted(invoices, key=lambda i: (i.issuing_date, i.number)):
            by_month.setdefault(inv.issuing_date.strftime("%Y-%m"), []).append(billing.invoice_json(inv, rng))
        for m, items in by_month.items():
            name = f"billed/lago_invoices/invoices_{m}.json"
            write_json(landing_dir / name, lago_list("invoices", items))
            files[name] = len(items)
        _fill_fault_files(faults, invoices)
        step("payments")

        # ---- wallets (their balance after the invoices consumed them)
        wallets, wtx = [], []
        for c in custs:
            w = c.wallet
            if not w:
                continue
            created = iso_z(local_midnight(w["created_date"], c.timezone))
            balance = w.get("balance_cents", 0)
            credits = (billing.Decimal(balance) / 10 ** billing.exponent(c.currency)).quantize(
                billing.Decimal("0.00001")
            )
            total_credits = w["paid_credits"] + w["granted_credits"]
            wallets.append(
                {
                    "lago_id": w["lago_id"],
                    "lago_customer_id": c.lago_id,
                    "external_customer_id": c.external_id,
                    "status": "active",
                    "currency": c.currency,
                    "name": "Prepaid credits",
                    "code": "prepaid",
                    "priority": 50,
                    "rate_amount": "1.0",
                    "credits_balance": str(credits),
                    "balance_cents": balance,
                    "consumed_credits": str((total_credits - credits).quantize(billing.Decimal("0.00001"))),
                    "created_at": created,
                    "expiration_at": None,
                    "last_balance_sync_at": created,
                    "recurring_transaction_rules": [],
                    "ongoing_balance_cents": balance,
                    "credits_ongoing_balance": str(credits),
                    "applies_to": {"fee_types": [], "billable_metric_codes": []},
                    "metadata": {},
                }
            )
            for tx_id, status, amount in (
                (w["tx_paid"], "purchased", w["paid_credits"]),
                (w["tx_granted"], "granted", w["granted_credits"]),
            ):
                wtx.append(
                    {
                        "lago_id": tx_id,
                        "lago_wallet_id": w["lago_id"],
                        "lago_invoice_id": None,
                        "status": "settled",
                        "source": "manual",
                        "transaction_status": status,
                        "transaction_type": "inbound",
                        "amount": f"{amount:.5f}",
                        "credit_amount": f"{amount:.5f}",
                        "priority": 50,
                        "settled_at": created,
                        "created_at": created,
                        "name": "Top-up" if status == "purchased" else "Welcome bonus",
                        "payment_method": {
                            "payment_method_type": "provider",
                            "payment_method_id": w["payment_method_id"],
                        },
                    }
                )
        lago_file("wallets", "wallets", wallets)
        lago_file("wallet_transactions", "wallet_transactions", wtx)

        # ---- CRM
        files.update(
            crm.write_crm(
                rng,
                landing_dir,
                custs,
                subs,
                plan_by_code,
                window_start,
                window_end,
                discount_customer,
                faults,
                segments_rng,
                asr.crm,
                asr_rng,
            )
        )
        step("crm")

        usd_per_eur: dict = {}
        history_start = min([window_start, *(s.start_date for s in subs)])
        files.update(reference.write_fx(rng, landing_dir, history_start, window_end, usd_per_eur))
        files.update(reference.write_reference(landing_dir, window_start, window_end))
        # revenue recognition: SSP, product rules, chart of accounts, goodwill credit notes (own stream)
        files.update(
            revrec.write_reference(landing_dir, {p.code: p.amount_cents for p in plans}, window_start)
        )
        planted_notes = revrec.plant_credit_notes(
            random.Random(f"revrec-{seed}"), invoices, window_end, avoid=frozenset(asr.taken)
        )
        files.update(revrec.write_credit_notes(landing_dir, planted_notes + asr.credit_notes))
        step("fx+reference")

        write_csv(truth_dir / "faults.csv", COLUMNS, faults.rows)
        asr.crm_amounts()
        assurance.existing_cases(asr, invoices, faults.rows)
        case_rows = assurance.case_rows(asr)
        write_csv(truth_dir / "assurance_cases.csv", assurance.CASE_COLUMNS, case_rows)
        write_csv(truth_dir / "shadow_differences.csv", assurance.SHADOW_COLUMNS, assurance.shadow_rows(asr))
        receivables.write_truth(truth_dir, cases, invoices, payouts)
        write_csv(
            truth_dir / "revrec_credit_notes.csv", revrec.TRUTH_COLUMNS, revrec.truth_rows(planted_notes)
        )
        mrr_rows = metrics.mrr_truth(custs, subs, window_end)
        write_csv(truth_dir / "mrr.csv", metrics.MRR_COLUMNS, mrr_rows)
        involuntary = [r[1] for r in cases.dunning_summary if r[9] is True]
        write_csv(
            truth_dir / "mrr_cases.csv",
            metrics.CASE_COLUMNS,
            metrics.case_rows(
                metric_cases,
                mrr_rows,
                subs,
                window_start,
                window_end,
                involuntary,
                metrics.month_end_rates(usd_per_eur, history_start, window_end),
            ),
        )
        counts: dict[str, int] = {}
        for row in faults.rows:
            counts[row[1]] = counts.get(row[1], 0) + 1
        summary = {
            "seed": seed,
            "start": window_start.isoformat(),
            "months": months,
            "as_of": f"{window_end.isoformat()}T00:00:00Z",
            "customers": len(custs),
            "customers_by_currency": {
                k: sum(1 for c in custs if c.currency == k) for k in ("USD", "EUR", "JPY", "BHD")
            },
            "subscriptions": len(subs),
            "events": len(events),
            "invoices": len(invoices),
            "metrics_cases": len(metric_cases),
            "faults": dict(sorted(counts.items())),
            "assurance_cases": {
                k: sum(1 for r in case_rows if r[1] == k) for k in sorted({r[1] for r in case_rows})
            },
            "files": dict(sorted(files.items())),
            "rows": sum(files.values()),
        }
        write_json(truth_dir / "summary.json", summary)
        step("truth")
    return summary


def _plant_billing_faults(
    rng: random.Random, invoices: list[billing.Invoice], faults: Faults, taken: set[str]
) -> str | None:
    """`taken`: customers of the assurance cases already planted (the faults keep off them)."""
    subs_invs = [i for i in invoices if i.invoice_type == "subscription"]

    def pick(pred):
        cands = [i for i in subs_invs if i.customer.external_id not in taken and pred(i)]
        if not cands:
            return None
        inv = cands[rng.randrange(len(cands))]
        taken.add(inv.customer.external_id)
        return inv

    # missed proration: a mid-period calendar start billed as a full period
    first_partial = assurance._first_partial

    inv = pick(lambda i: any(first_partial(f) for f in i.fees))
    if inv:
        f = next(f for f in inv.fees if first_partial(f))
        effect = f.full_amount_cents - f.amount_cents
        f.amount_cents = f.full_amount_cents
        inv.notes.append(
            ("missed_proration", f.lago_id, effect, f"{f.sub.external_id} first period billed in full")
        )

    # unbilled usage: a usage fee the incumbent left off
    metered = assurance._metered

    inv = pick(lambda i: any(metered(f) for f in i.fees) and len(i.fees) > 1)
    if inv:
        f = max((f for f in inv.fees if metered(f)), key=lambda f: f.amount_cents)
        inv.fees.remove(f)
        inv.notes.append(
            (
                "unbilled_usage",
                f.sub.external_id + "|" + f.code,
                -f.amount_cents,
                f"{f.code} usage {f.units} units, {f.events_count} events not invoiced",
                f,
            )
        )
    # duplicate charge: the same period invoiced twice
    inv = pick(lambda i: any(f.kind == "subscription" for f in i.fees))
    if inv:
        clone = billing.Invoice(
            inv.customer,
            inv.issuing_date,
            "subscription",
            [billing.Fee(**{**f.__dict__, "lago_id": lago_uuid(rng)}) for f in inv.fees],
            lago_id=lago_uuid(rng),
        )
        clone.notes.append(("duplicate_charge", None, None, "same fees as another invoice of the same day"))
        clone.notes.append(("duplicate_of", inv))
        invoices.append(clone)
    # contract != invoice: CRM says 10% off, the invoices bill list price
    # (a customer on one plan, billed only whole periods, so the effect is exactly 10% of each plan fee)
    plan_fees: dict[str, list[billing.Fee]] = {}
    for i in subs_invs:
        plan_fees.setdefault(i.customer.external_id, []).extend(f for f in i.fees if f.kind == "subscription")

    def single_plan_full_periods(i: billing.Invoice) -> bool:
        fees = plan_fees.get(i.customer.external_id, [])
        return bool(fees) and len({id(f.sub) for f in fees}) == 1 and all(f.units == 1 for f in fees)

    inv = pick(lambda i: i.customer.currency == "USD" and single_plan_full_periods(i))
    if inv:
        inv.notes.append(("contract_ne_invoice_customer", None, None, ""))
        return inv.customer.external_id
    return None


def _fill_fault_files(faults: Faults, invoices: list[billing.Invoice]) -> None:
    """Record billing faults once numbers and totals are final."""
    discount = None
    for inv in invoices:
        fname = f"billed/lago_invoices/invoices_{inv.issuing_date.strftime('%Y-%m')}.json"
        for note in inv.notes:
            if not isinstance(note, tuple):
                continue
            kind = note[0]
            if kind in ("missed_proration", "unbilled_usage"):
                key = inv.number if kind == "missed_proration" else f"{inv.number}|{note[1]}"
                faults.add(
                    kind,
                    "billed",
                    "lago_invoices",
                    fname,
                    key,
                    inv.customer.external_id,
                    note[2],
                    inv.customer.currency,
                    note[3] + " (effect excl. tax)",
                )
            elif kind == "duplicate_charge":
                orig = next(n[1] for n in inv.notes if isinstance(n, tuple) and n[0] == "duplicate_of")
                faults.add(
                    kind,
                    "billed",
                    "lago_invoices",
                    fname,
                    inv.number,
                    inv.customer.external_id,
                    inv.fees_cents,
                    inv.customer.currency,
                    f"duplicates invoice {orig.number} (effect excl. tax)",
                )
            elif kind == "contract_ne_invoice_customer":
                discount = inv.customer
    if discount is not None:
        plan_fees = [
            f.amount_cents
            for i in invoices
            if i.customer is discount
            for f in i.fees
            if f.kind == "subscription"
        ]
        effect = crm.contract_discount_effect(plan_fees)
        faults.add(
            "contract_ne_invoice",
            "billed",
            "lago_invoices",
            "crm/opportunity_line_item/opportunity_line_item.csv",
            discount.external_id,
            discount.external_id,
            effect,
            discount.currency,
            f"CRM unit price is 90% of list; {len(plan_fees)} plan fees billed at list (effect excl. tax)",
        )
