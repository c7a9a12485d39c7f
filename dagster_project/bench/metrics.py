"""`make bench`, SaaS metrics part: 10,000 customers, 24 months of subscriptions with changes.

Size from the environment: REVHOUSE_BENCH_METRICS_CUSTOMERS (default 10,000). Run alone with
REVHOUSE_BENCH_PARTS=metrics.

The data set is written straight into the raw tables ingestion fills (the lowest layer, so the
measured path is the whole dbt path from the Lago staging views to the metrics marts), from a
fixed seed (random.Random, deterministic), over the 24 months July 2024 – June 2026 (as_of
2026-07-01, so 24 complete month ends):
  raw.lago_plans            starter / growth / pro / business, monthly and yearly, a weekly
                            starter and a quarterly growth plan, in USD and in EUR (the second
                            currency; reporting currency USD, the seed's); monthly starter and
                            growth have a 14-day trial
  raw.lago_customers        one billing entity (BENCH, UTC) and every customer in UTC, a fifth
                            of them in EUR
  raw.lago_subscriptions    per customer a first subscription on the history's first day or
                            any later day; each later month may bring an upgrade (next tier, or
                            monthly → yearly at the top tier: same external id, old one
                            terminated and new one started the same day at 00:00 UTC), a
                            downgrade (on the 1st) or a cancellation (any time of day, some
                            scheduled in advance); a cancelled customer may come back after a
                            gap of 5–180 days with a new subscription (reactivation, or
                            cancel-and-return inside one month); some live subscriptions carry
                            a cancellation scheduled after as_of; a first subscription on a
                            trial plan carries trial_ended_at
  raw.lago_coupons / raw.lago_applied_coupons   percent-off for 3 months, percent-off forever
                            with an expiry date, amount-off in each currency for 6 months, a
                            plan-limited percent-off and a `once` coupon (not MRR), some
                            terminated early
  raw.fx_rates              EUR → USD every weekday (a random walk, 4 decimals)
  raw.sf_accounts / raw.sf_opportunities   nine customers in ten mapped, with an industry and
                            the won opportunity's lead source (segments)
  raw.reference_rows        the billing entity
No invoice, payment or dunning row is written, so collections.fct_involuntary_churn is empty
and every churn is voluntary.

Not timed as the figure: dbt parse, the seeds, and the marts outside metrics that the metrics
models read (collections.fct_involuntary_churn) with all their parents (metrics_selection):
that is the whole billing path over the 24 months of subscriptions.

Timed, in one run on the same rows:
  (g)  bare DuckDB: month-end list MRR per customer and currency — subscriptions × the 24 month
       ends, in force from the paid start (after the trial) to the day after the last service
       day, the plan amount normalised to a month (weekly × 52/12, quarterly / 3, yearly / 12),
       rounded per subscription; best of two
  (h)  in-process `dbt run` of every metrics model and mart, with the staging views and
       intermediate models they read (metrics_selection)
Checked (not timed): per customer, currency and month end, (g)'s list MRR = (h)'s closing MRR
(fct_mrr) + the discount of (h)'s items in force then (fct_mrr_items). The rules coincide on
this data: every customer is in UTC (local day = UTC day), plan changes happen at 00:00 UTC (no
day served by two plans, so no successor rule needed) and every trial is on trial_ended_at;
coupons are the one thing (g) leaves out, hence the discount term. No target is set (issue 13
asks for the ratio and the peak memory).
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from dagster_project.bench.measure import Measure, measured, prepared_dbt, timed_run

DEFAULT_CUSTOMERS = 10_000
MONTHS = 24
FIRST_DAY = date(2024, 7, 1)
AS_OF = datetime(2026, 7, 1)  # the first instant after the history: 24 complete month ends
ENTITY = "BENCH"
CURRENCIES = ("USD", "EUR")
EUR_SHARE = 0.2
TIERS = (("starter", 2_900), ("growth", 9_900), ("pro", 29_900), ("business", 79_900))
TIER_WEIGHTS = (0.4, 0.3, 0.2, 0.1)
TRIAL_DAYS = 14
TRIAL_TIERS = ("starter", "growth")
P_UPGRADE, P_DOWNGRADE, P_CANCEL = 0.04, 0.02, 0.025
P_RETURN = 0.35
P_SCHEDULED_AFTER_AS_OF = 0.03
INDUSTRIES = ("Technology", "Manufacturing", "Retail", "Healthcare", "Logistics")
LEAD_SOURCES = ("Web", "Partner Referral", "Outbound", "Event")
METRICS_PATHS = ("models/intermediate/metrics/", "models/marts/metrics/")
MARTS_PATH = "models/marts/"
TARGET_NAME = "metrics_vs_bare"
TARGET_LABEL = "(h) metrics, dbt / (g) bare month-end MRR"
BARE_REPEATS = 2
# month factor of each interval as numerator / denominator (the same as int_metrics__mrr_items)
MONTH_FACTORS = {"weekly": (52, 12), "monthly": (1, 1), "quarterly": (1, 3), "yearly": (1, 12)}


@dataclass(frozen=True)
class MetricsParams:
    customers: int
    seed: int = 13

    @property
    def key(self) -> str:
        return f"metrics_{self.customers}c_{MONTHS}m_s{self.seed}"


# ------------------------------------------------------------------------------------------
# the data set


def _plans() -> list[dict]:
    """Plan rows: code, interval, amount_cents, currency, trial days, tier index."""
    out = []
    for cur in CURRENCIES:
        for t, (tier, monthly) in enumerate(TIERS):
            out.append(_plan(tier, "monthly", monthly, cur, t, TRIAL_DAYS if tier in TRIAL_TIERS else 0))
            out.append(_plan(tier, "yearly", monthly * 10, cur, t, 0))
        out.append(_plan("starter", "weekly", 700, cur, 0, 0))
        out.append(_plan("growth", "quarterly", 27_900, cur, 1, 0))
    return out


def _plan(tier: str, interval: str, amount: int, cur: str, t: int, trial: int) -> dict:
    code = f"bench_{tier}_{interval}_{cur.lower()}"
    return {
        "code": code,
        "interval": interval,
        "amount_cents": amount,
        "currency": cur,
        "tier": t,
        "trial": trial,
    }


def _coupons() -> list[dict]:
    pro_plans = ",".join(f"bench_pro_{i}_{c.lower()}" for c in CURRENCIES for i in ("monthly", "yearly"))
    rows = [
        {"code": "WELCOME20", "coupon_type": "percentage", "percentage_rate": "20", "frequency": "recurring",
         "frequency_duration": 3},
        {"code": "LOYAL10", "coupon_type": "percentage", "percentage_rate": "10", "frequency": "forever"},
        {"code": "PRO15", "coupon_type": "percentage", "percentage_rate": "15", "frequency": "forever",
         "limited_plans": True, "plan_codes": pro_plans},
        {"code": "FIRSTFREE", "coupon_type": "percentage", "percentage_rate": "100", "frequency": "once"},
    ]  # fmt: skip
    for cur in CURRENCIES:
        rows.append(
            {"code": f"SAVE50_{cur}", "coupon_type": "fixed_amount", "amount_cents": 5_000, "amount_currency": cur,
             "frequency": "recurring", "frequency_duration": 6}
        )  # fmt: skip
    return rows


def _month_start(d: date, add: int = 0) -> date:
    m = d.month - 1 + add
    return date(d.year + m // 12, m % 12 + 1, 1)


def _at(d: date, seconds: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day) + timedelta(seconds=seconds)


class _Book:
    """The generated rows and counts of what they contain."""

    def __init__(self, rng: random.Random, plans: list[dict]):
        self.rng = rng
        self.plans = {p["code"]: p for p in plans}
        self.subscriptions: list[dict] = []
        self.rows_of: dict[str, int] = {}  # rows written per external subscription id
        self.applied_coupons: list[dict] = []
        self.features = dict.fromkeys(
            ("upgrades", "downgrades", "cancellations", "scheduled_cancellations", "scheduled_after_as_of",
             "reactivations", "returns_inside_a_month", "trials", "coupons_applied", "coupons_expiring",
             "coupons_terminated", "eur_customers"),
            0,
        )  # fmt: skip

    def plan_code(self, tier: int, interval: str, cur: str) -> str:
        return f"bench_{TIERS[tier][0]}_{interval}_{cur.lower()}"

    def first_plan(self, cur: str) -> tuple[int, str]:
        r = self.rng.random()
        if r < 0.1:
            return 0, "weekly"
        if r < 0.15:
            return 1, "quarterly"
        interval = "yearly" if r < 0.3 else "monthly"
        return self.rng.choices(range(len(TIERS)), TIER_WEIGHTS)[0], interval

    def customer(self, i: int, cur: str, start: date) -> None:
        rng = self.rng
        cus = f"bench_cus_{i:06d}"
        n_ext = 0
        day = start
        while day < AS_OF.date():
            n_ext += 1
            ext = f"bench_sub_{i:06d}_{n_ext}"
            tier, interval = self.first_plan(cur)
            started = _at(day, rng.randrange(86_400))
            plan = self.plan_code(tier, interval, cur)
            trial_end = started + timedelta(days=TRIAL_DAYS) if self.plans[plan]["trial"] else None
            self.features["trials"] += trial_end is not None
            if n_ext > 1:
                self.features["reactivations"] += 1
            ended = self.run_subscription(cus, ext, tier, interval, cur, started, trial_end)
            if ended is None or rng.random() >= P_RETURN:
                return
            gap = rng.randint(5, 180)
            day = ended.date() + timedelta(days=gap)
            if day < AS_OF.date() and _month_start(day) == _month_start(ended.date()):
                self.features["returns_inside_a_month"] += 1

    def run_subscription(
        self,
        cus: str,
        ext: str,
        tier: int,
        interval: str,
        cur: str,
        started: datetime,
        trial_end: datetime | None,
    ) -> datetime | None:
        """One external subscription's rows through its plan changes; returns when it ended (None if live)."""
        rng = self.rng
        month = _month_start(started.date(), 2)  # the first change: a month after the start, at least
        while True:
            plan = self.plan_code(tier, interval, cur)
            self.rows_of[ext] = self.rows_of.get(ext, 0) + 1
            row = {
                "lago_id": f"{ext}_{self.rows_of[ext]}",
                "external_id": ext, "external_customer_id": cus, "plan_code": plan, "billing_time": "calendar",
                "subscription_at": started, "started_at": started, "created_at": started, "ending_at": None,
                "terminated_at": None, "canceled_at": None, "trial_ended_at": trial_end, "status": "active",
            }  # fmt: skip
            self.subscriptions.append(row)
            trial_end = None  # only the first row of an external id has the trial
            while month < AS_OF.date():
                r = rng.random()
                days = (_month_start(month, 1) - month).days
                if r < P_UPGRADE and (tier < len(TIERS) - 1 or interval == "monthly"):
                    at = _at(month + timedelta(days=rng.randrange(days)))
                    if tier < len(TIERS) - 1:
                        tier, interval = (
                            tier + 1,
                            "monthly" if interval in ("weekly", "quarterly") else interval,
                        )
                    else:
                        interval = "yearly"
                    kind = "upgrades"
                elif r < P_UPGRADE + P_DOWNGRADE and tier > 0 and interval == "monthly":
                    at, tier, kind = _at(month), tier - 1, "downgrades"
                elif r < P_UPGRADE + P_DOWNGRADE + P_CANCEL:
                    at = _at(month + timedelta(days=rng.randrange(days)), rng.randrange(86_400))
                    row |= {"terminated_at": at, "status": "terminated"}
                    if rng.random() < 0.3:  # cancelled in advance, ended at the date set then
                        row |= {"canceled_at": at - timedelta(days=20), "ending_at": at}
                        self.features["scheduled_cancellations"] += 1
                    else:
                        row["canceled_at"] = at
                    self.features["cancellations"] += 1
                    return at
                else:
                    month = _month_start(month, 1)
                    continue
                row |= {"terminated_at": at, "status": "terminated"}
                self.features[kind] += 1
                started = at
                month = _month_start(month, 1)
                break
            else:
                if rng.random() < P_SCHEDULED_AFTER_AS_OF:
                    row |= {
                        "ending_at": AS_OF + timedelta(days=rng.randint(1, 90)),
                        "canceled_at": AS_OF - timedelta(days=3),
                    }
                    self.features["scheduled_after_as_of"] += 1
                return None

    def coupon(self, i: int, cur: str, applied: datetime) -> None:
        rng = self.rng
        r = rng.random()
        code = (
            "WELCOME20" if r < 0.35 else "LOYAL10" if r < 0.55 else f"SAVE50_{cur}" if r < 0.75 else "PRO15" if r < 0.9 else "FIRSTFREE"
        )  # fmt: skip
        expiration = terminated = None
        if code == "LOYAL10":
            expiration = applied + timedelta(days=rng.randint(90, 360))
            self.features["coupons_expiring"] += 1
        if rng.random() < 0.1:
            terminated = applied + timedelta(days=rng.randint(20, 60), seconds=rng.randrange(86_400))
            self.features["coupons_terminated"] += 1
        self.features["coupons_applied"] += 1
        self.applied_coupons.append(
            {"lago_id": f"bench_ac_{len(self.applied_coupons) + 1:07d}", "coupon_code": code,
             "external_customer_id": f"bench_cus_{i:06d}", "expiration_at": expiration, "terminated_at": terminated,
             "created_at": applied}
        )  # fmt: skip


def generate(params: MetricsParams) -> dict[str, list[dict]]:
    """Every raw row of the data set, by raw table (deterministic for the params)."""
    rng = random.Random(params.seed)
    plans = _plans()
    book = _Book(rng, plans)
    customers, accounts, opportunities = [], [], []
    horizon = (AS_OF.date() - FIRST_DAY).days - 15
    for i in range(params.customers):
        cur = "EUR" if rng.random() < EUR_SHARE else "USD"
        book.features["eur_customers"] += cur == "EUR"
        start = FIRST_DAY if rng.random() < 0.25 else FIRST_DAY + timedelta(days=rng.randrange(horizon))
        cus = f"bench_cus_{i:06d}"
        customers.append(
            {"lago_id": f"bench-cus-{i}", "external_id": cus, "name": f"Bench customer {i}", "country":
             rng.choice(("US", "DE", "FR", "GB", "CA")), "currency": cur, "timezone": "UTC",
             "billing_entity_code": ENTITY, "net_payment_term": 30, "created_at": _at(start)}
        )  # fmt: skip
        first = len(book.subscriptions)
        book.customer(i, cur, start)
        r = rng.random()
        if r < 0.2:
            book.coupon(i, cur, book.subscriptions[first]["started_at"])
        elif r < 0.25:
            book.coupon(i, cur, _at(start + timedelta(days=rng.randint(30, 400))))
        if rng.random() < 0.9:
            acc = f"001BENCH{i:010d}"
            accounts.append(
                {"id": acc, "name": f"Bench customer {i}", "industry": rng.choice(INDUSTRIES), "is_deleted": False,
                 "custom_fields_json": json.dumps({"external_customer_id__c": cus}), "system_modstamp": _at(start)}
            )  # fmt: skip
            opportunities.append(
                {"id": f"006BENCH{i:010d}", "account_id": acc, "name": f"Bench deal {i}", "stage_name": "Closed Won",
                 "is_won": True, "is_closed": True, "is_deleted": False, "close_date": start,
                 "lead_source": rng.choice(LEAD_SOURCES), "system_modstamp": _at(start)}
            )  # fmt: skip
    coupons = [
        {
            "lago_id": f"bench-coupon-{c['code'].lower()}",
            "name": c["code"],
            "reusable": True,
            "created_at": _at(FIRST_DAY),
        }
        | c
        for c in _coupons()
    ]
    by_code = {c["code"]: c for c in coupons}
    for ac in book.applied_coupons:  # the applied coupon carries the coupon's terms, as Lago sends it
        c = by_code[ac["coupon_code"]]
        for k in ("amount_cents", "amount_currency", "percentage_rate", "frequency", "frequency_duration"):
            ac[k] = c.get(k)
    rates, rate, day = [], 10_800, FIRST_DAY - timedelta(days=10)  # EUR→USD in ten-thousandths
    while day <= AS_OF.date():
        if day.weekday() < 5:
            rate = max(9_500, min(12_500, rate + rng.randint(-60, 60)))
            rates.append(
                {
                    "rate_date": day,
                    "base_currency": "EUR",
                    "quote_currency": "USD",
                    "rate": f"{rate / 10_000:.4f}",
                }
            )
        day += timedelta(days=1)
    entity = {"entity_id": ENTITY, "name": "Bench Inc.", "currency": "USD", "timezone": "UTC", "country": "US",
              "invoice_number_prefix": "BENCH", "net_payment_term": "30"}  # fmt: skip
    return {
        "lago_plans": [
            {
                "lago_id": f"bench-plan-{p['code']}",
                "code": p["code"],
                "name": p["code"],
                "interval": p["interval"],
                "amount_cents": p["amount_cents"],
                "amount_currency": p["currency"],
                "pay_in_advance": True,
                "trial_period": str(p["trial"]),
                "created_at": _at(FIRST_DAY),
            }
            for p in plans
        ],  # fmt: skip
        "lago_customers": customers,
        "lago_subscriptions": book.subscriptions,
        "lago_coupons": coupons,
        "lago_applied_coupons": book.applied_coupons,
        "fx_rates": rates,
        "sf_accounts": accounts,
        "sf_opportunities": opportunities,
        "reference_rows": [{"reference_kind": "entities", "row_json": json.dumps(entity)}],
        "_features": [
            book.features
            | {
                f"{interval}_subscriptions": sum(
                    book.plans[s["plan_code"]]["interval"] == interval for s in book.subscriptions
                )
                for interval in ("weekly", "quarterly", "yearly")
            }
        ],
    }


def write_dataset(db: Path, params: MetricsParams) -> dict:
    """A fresh bench warehouse with the raw tables above; returns the row counts and features."""
    import pandas as pd

    from dagster_project.ingest.schema import create_raw_tables, table_columns

    for p in (db, db.with_name(db.name + ".wal")):
        p.unlink(missing_ok=True)
    db.parent.mkdir(parents=True, exist_ok=True)
    tables = generate(params)
    features = tables.pop("_features")[0]
    con = duckdb.connect(str(db))
    try:
        create_raw_tables(con)
        counts = {}
        for table, rows in tables.items():
            columns = dict(table_columns(table))
            names = list(dict.fromkeys(k for r in rows for k in r))
            # every value as text or None: DuckDB casts it to the raw column's type below
            frame = pd.DataFrame(
                {c: [None if r.get(c) is None else str(r[c]) for r in rows] for c in names}, dtype=object
            )
            frame["_source_file"] = f"bench/{table}.json"
            frame["_file_sha256"] = "bench"
            frame["_row_number"] = range(1, len(frame) + 1)
            frame["_ingested_at"] = str(AS_OF)
            con.register("bench_frame", frame)
            select = ", ".join(f'cast("{c}" as {columns[c]}) as "{c}"' for c in frame.columns)
            con.execute(f"insert into raw.{table} by name select {select} from bench_frame")
            con.unregister("bench_frame")
            counts[table] = len(rows)
    finally:
        con.close()
    return {"rows": counts, "features": features}


# ------------------------------------------------------------------------------------------
# selection, (g), check


def metrics_selection(manifest) -> tuple[list[str], list[str]]:
    """(timed, prepare): the timed models are every model under METRICS_PATHS and, transitively,
    every staging or intermediate model they read; `prepare` selects the marts outside metrics
    that they read, with all their parents (built first, untimed)."""
    nodes = manifest.nodes

    def model_parents(uid: str) -> list[str]:
        return [p for p in nodes[uid].depends_on.nodes if p.startswith("model.")]

    def is_metrics(uid: str) -> bool:
        return nodes[uid].original_file_path.startswith(METRICS_PATHS)

    todo = [uid for uid in nodes if uid.startswith("model.") and is_metrics(uid)]
    chosen: set[str] = set()
    other_marts: set[str] = set()
    while todo:
        uid = todo.pop()
        if uid in chosen:
            continue
        chosen.add(uid)
        for p in model_parents(uid):
            if is_metrics(p) or not nodes[p].original_file_path.startswith(MARTS_PATH):
                todo.append(p)
            else:
                other_marts.add(p)
    return sorted(nodes[u].name for u in chosen), sorted("+" + nodes[u].name for u in other_marts)


def month_ends_sql() -> str:
    return f"""select cast(date '{FIRST_DAY}' + to_months(i + 1) - interval 1 day as date) as month_end
               from range({MONTHS}) as t(i)"""


def bare_mrr_sql() -> str:
    """(g): month-end list MRR per customer and currency from the raw subscriptions and plans.
    In force at the end of day D: paid start (the trial's end if later) <= D < the day after the
    last day served (an end at 00:00 serves nothing of that day); the plan amount normalised to a
    month and rounded half up per subscription, in integer arithmetic."""
    case_num = " ".join(f"when '{k}' then {n}" for k, (n, _) in MONTH_FACTORS.items())
    case_den = " ".join(f"when '{k}' then {d}" for k, (_, d) in MONTH_FACTORS.items())
    return f"""
        select s.external_customer_id, s.currency, m.month_end, sum(s.mrr_minor) as list_mrr_minor
        from (
            select s.external_customer_id, upper(p.amount_currency) as currency,
                   greatest(cast(s.started_at as date), coalesce(cast(s.trial_ended_at as date), cast(s.started_at as date))) as paid_from,
                   cast(coalesce(s.terminated_at, s.ending_at) - interval 1 microsecond as date) + 1 as paid_to,
                   (2 * p.amount_cents * (case p.interval {case_num} end) + (case p.interval {case_den} end))
                       // (2 * (case p.interval {case_den} end)) as mrr_minor
            from raw.lago_subscriptions as s
            inner join raw.lago_plans as p on s.plan_code = p.code
        ) as s
        inner join ({month_ends_sql()}) as m
            on s.paid_from <= m.month_end and (s.paid_to is null or m.month_end < s.paid_to)
        group by s.external_customer_id, s.currency, m.month_end
    """


def step_bare(db: Path) -> tuple[Measure, dict]:
    from dagster_project.bench import _best_of

    con = duckdb.connect(str(db))
    try:
        m = _best_of(
            BARE_REPEATS,
            lambda: con.execute(f"create or replace table main.bench_bare_mrr as {bare_mrr_sql()}"),
        )
        rows, months, total = con.execute(
            "select count(*), count(distinct month_end), sum(list_mrr_minor) from main.bench_bare_mrr"
        ).fetchone()
    finally:
        con.close()
    return m, {"rows": int(rows), "months": int(months), "list_mrr_minor_total": int(total or 0)}


def check_against_bare(db: Path) -> dict:
    """Per customer, currency and month end: (g)'s list MRR against (h)'s closing MRR plus the
    discount of its items in force that day (not timed)."""
    con = duckdb.connect(str(db))
    try:
        con.execute(
            f"""create or replace temp table bench_dbt_mrr as
                with months as ({month_ends_sql()}),
                closing as (
                    select external_customer_id, currency, last_day(month) as month_end, closing_mrr_minor
                    from metrics.fct_mrr
                ),
                discount as (
                    select i.external_customer_id, i.currency, m.month_end,
                           sum(i.list_mrr_minor - i.mrr_minor) as discount_minor
                    from metrics.fct_mrr_items as i
                    inner join months as m
                        on i.mrr_from_date <= m.month_end and (i.mrr_to_date is null or m.month_end < i.mrr_to_date)
                    group by 1, 2, 3
                )
                select coalesce(c.external_customer_id, d.external_customer_id) as external_customer_id,
                       coalesce(c.currency, d.currency) as currency,
                       coalesce(c.month_end, d.month_end) as month_end,
                       coalesce(c.closing_mrr_minor, 0) as closing_mrr_minor,
                       coalesce(d.discount_minor, 0) as discount_minor
                from closing as c
                full outer join discount as d
                    on c.external_customer_id = d.external_customer_id and c.currency = d.currency
                    and c.month_end = d.month_end"""
        )
        differing, compared = con.execute(
            """select count(*) filter (where coalesce(b.list_mrr_minor, 0)
                                           <> coalesce(t.closing_mrr_minor + t.discount_minor, 0)),
                      count(*)
               from main.bench_bare_mrr as b
               full outer join bench_dbt_mrr as t
                   on b.external_customer_id = t.external_customer_id and b.currency = t.currency
                   and b.month_end = t.month_end
               where coalesce(b.list_mrr_minor, 0) <> 0 or coalesce(t.closing_mrr_minor + t.discount_minor, 0) <> 0"""
        ).fetchone()
        by_month = con.execute(
            """select t.currency, count(distinct t.month_end), sum(t.closing_mrr_minor), sum(t.discount_minor)
               from bench_dbt_mrr as t group by 1 order by 1"""
        ).fetchall()
        movements = dict(
            con.execute("select movement, count(*) from metrics.fct_mrr group by 1 order by 1").fetchall()
        )
        bridge_rows = con.execute("select count(*) from metrics.fct_mrr_bridge").fetchone()[0]
        daily_rows = con.execute("select count(*) from metrics.fct_mrr_daily").fetchone()[0]
    finally:
        con.close()
    return {
        "customer_months_compared": int(compared),
        "customer_months_differing": int(differing),
        "closing_and_discount_by_currency": {
            cur: {"months": int(n), "closing_mrr_minor": int(c or 0), "discount_minor": int(d or 0)}
            for cur, n, c, d in by_month
        },
        "movements": {k: int(v) for k, v in movements.items()},
        "bridge_rows": int(bridge_rows),
        "daily_rows": int(daily_rows),
    }


# ------------------------------------------------------------------------------------------
# the part


def run_part(project_dir: Path, bench_dir: Path, customers: int) -> tuple[dict[str, dict], dict]:
    """Generate, prepare, (g), (h), check. Returns (steps by key, verdict entry)."""
    from dagster_project.bench import _setup_steps, _step

    params = MetricsParams(customers=customers)
    root = bench_dir / params.key
    db = root / "bench.duckdb"
    print(f"bench: metrics, {customers:,} customers × {MONTHS} months in {root}", flush=True)
    with measured() as gen:
        held = write_dataset(db, params)
    dbt, timed, prepare, parse, prep = prepared_dbt(
        project_dir, db, root / "dbt", {"as_of": AS_OF.isoformat(sep=" ")}, metrics_selection
    )
    g, bare = step_bare(db)
    h, models = timed_run(dbt, timed)
    check = check_against_bare(db)
    db_mb = round(db.stat().st_size / 1e6)
    rows, features = held["rows"], held["features"]

    steps = {
        "metrics_generate": _step(
            "metrics: generate raw tables (written into DuckDB)",
            gen,
            None,
            f"{rows['lago_customers']:,} customers, {rows['lago_subscriptions']:,} subscriptions, "
            f"{rows['lago_applied_coupons']:,} applied coupons; "
            + ", ".join(f"{k} {v:,}" for k, v in features.items())
            + "; not a figure",
        )
        | {"rows": rows, "features": features},
        **_setup_steps("metrics", "(h)", "the marts outside metrics", parse, prep, prepare),
        "g": _step(
            "(g) bare DuckDB month-end list MRR per customer",
            g,
            None,
            f"{bare['rows']:,} customer-months over {bare['months']} month ends; best of {BARE_REPEATS}",
        )
        | bare,
    }
    note = (
        f"{len(models)} models; {check['customer_months_compared']:,} customer-months compared with (g), "
        f"{check['customer_months_differing']:,} differ; slowest: "
        + ", ".join(f"{r['model']} {r['seconds']:.1f}s" for r in models[:3])
        + f"; warehouse file {db_mb:,} MB"
    )
    if check["customer_months_differing"]:
        note += "; CLOSING MRR + DISCOUNT DIFFERS FROM THE BARE LIST MRR"
    steps["h"] = (
        _step("(h) revhouse metrics (dbt run)", h, None, note)
        | check
        | {"models": models, "params": asdict(params), "selected": timed}
    )
    value = h.seconds / g.seconds if g.seconds else None
    slow = models[0] if models else None
    why = (
        f"dbt run {h.seconds:.1f}s vs bare {g.seconds:.3f}s; slowest model {slow['model']} {slow['seconds']:.1f}s "
        f"of {sum(r['seconds'] for r in models):.1f}s model time; fct_mrr_daily writes "
        f"{check['daily_rows']:,} customer-days, (g) {bare['rows']:,} customer-months"
        if slow
        else ""
    )
    verdict = {
        TARGET_NAME: {
            "label": TARGET_LABEL,
            "value": value,
            "target": "none set (issue 13 asks for the ratio)",
            "pass": None,
            "why": why,
        }
    }
    return steps, verdict
