"""The bench data set: streamed Parquet usage events plus a Lago catalog that makes them rateable.

Why a catalog of its own: `demo.stream` writes synthetic subscription ids (`sub_000123`, one per
customer index) that the demo company does not know, so rating would mark every event
"unknown subscription" and the rating figure would measure nothing. Here every `sub_…` id gets
a customer and a calendar-monthly subscription started at the first event instant, on one of
three plans that charge every streamed metric code with standard, graduated and package
models. It is written as Lago API list files in the landing folder, so it goes through the real
catalog parser like any other landing file.

All customers are in UTC: the bare aggregate (a) groups by subscription only, and with UTC
local days every event of the month falls in the January charge period, so (a) and (b) cover
exactly the same events (bench.py checks the rated event count).
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from dagster_project.demo import catalog
from dagster_project.demo.ids import lago_uuid
from dagster_project.demo.stream import STREAM_METRICS, stream_events_parquet
from dagster_project.demo.writers import lago_list, write_json

FORMAT_VERSION = 1  # bump when the files written here change shape, so old bench data is regenerated
CURRENCY = "USD"
# stream_events_parquet spreads a "month" over round(30.4375) = 30 days: Jan 1..30; the new day
# of step (d) is Jan 31, still inside the January charge period that (b) rates.
MONTH_DAYS = 30
PLAN_FAMILIES = ("standard", "graduated", "package")


@dataclass(frozen=True)
class BenchParams:
    events: int
    customers: int
    seed: int = 7
    start: str = "2026-01-01"
    chunk_rows: int = 5_000_000
    format_version: int = FORMAT_VERSION

    @property
    def key(self) -> str:
        return f"{self.customers}c_{self.events}e_s{self.seed}"

    @property
    def start_date(self) -> date:
        return date.fromisoformat(self.start)

    @property
    def new_day(self) -> date:
        return self.start_date + timedelta(days=MONTH_DAYS)

    @property
    def day_events(self) -> int:
        """About one average day of the month's events (weekends are lighter, so it is generous)."""
        return max(1, self.events // MONTH_DAYS)


@dataclass(frozen=True)
class BenchData:
    params: BenchParams
    root: Path

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def events_dir(self) -> Path:
        return self.landing / "usage" / "events"

    @property
    def day_landing(self) -> Path:
        """A second landing root for the appended day, so the month's landing folder stays reusable."""
        return self.root / "landing_new_day"

    @property
    def day_file(self) -> Path:
        return self.day_landing / "usage" / "events" / f"events_{self.params.new_day.isoformat()}.parquet"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    def event_files(self) -> list[Path]:
        return sorted(self.events_dir.glob("*.parquet"))

    def is_complete(self) -> bool:
        if not self.manifest.exists() or not self.day_file.exists():
            return False
        try:
            recorded = json.loads(self.manifest.read_text())
        except json.JSONDecodeError:
            return False
        return recorded == asdict(self.params) and bool(self.event_files())


def _plan(rng: random.Random, family: str) -> catalog.Plan:
    code = f"bench_{family}"

    def charge(metric: str, model: str, properties: dict) -> catalog.Charge:
        return catalog.Charge(lago_uuid(rng), f"{code}__{metric}", metric, model, properties)

    def graduated(spec: list[tuple[int, int | None, str, str]]) -> dict:
        return {"graduated_ranges": catalog._ranges(spec, CURRENCY)}

    # one charge per streamed metric; the family decides the model of the two busiest metrics
    heavy = {
        "standard": {
            "api_calls": ("standard", {"amount": "0.001"}),
            "data_transfer_gb": ("standard", {"amount": "0.09"}),
        },
        "graduated": {
            "api_calls": (
                "graduated",
                graduated([(0, 1000, "0", "5"), (1001, 10000, "0.002", "0"), (10001, None, "0.001", "10")]),
            ),
            "data_transfer_gb": ("graduated", graduated([(0, 500, "0.10", "0"), (501, None, "0.07", "0")])),
        },
        "package": {
            "api_calls": ("package", {"amount": "1", "free_units": 100, "package_size": 1000}),
            "data_transfer_gb": ("package", {"amount": "8", "free_units": 0, "package_size": 100}),
        },
    }[family]
    charges = []
    for metric, _field in STREAM_METRICS:
        model, props = heavy.get(metric, ("standard", {"amount": "0.01"}))
        charges.append(charge(metric, model, props))
    return catalog.Plan(
        lago_id=lago_uuid(rng),
        code=code,
        family=family,
        name=f"Bench {family}",
        interval="monthly",
        billing_time="calendar",
        amount_cents=4900,
        currency=CURRENCY,
        pay_in_advance=False,
        trial_period=0,
        bill_charges_monthly=None,
        charges=charges,
    )


def sub_id(i: int) -> str:
    """The external subscription id demo.stream gives customer index i."""
    return f"sub_{i:06d}"


def write_catalog(landing: Path, params: BenchParams) -> dict[str, int]:
    """Lago list files for metrics, plans, customers and subscriptions; returns file -> objects."""
    rng = random.Random(params.seed)
    metric_ids = {code: lago_uuid(rng) for code in catalog.METRIC_CODES}
    plans = [_plan(rng, f) for f in PLAN_FAMILIES]
    started = datetime.combine(params.start_date, datetime.min.time(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    customers, subscriptions = [], []
    for i in range(params.customers):
        cus_id = f"cus_{i:06d}"
        cus_lago = lago_uuid(rng)
        customers.append(
            {
                "lago_id": cus_lago,
                "external_id": cus_id,
                "name": f"Bench customer {i}",
                "country": "US",
                "currency": CURRENCY,
                "timezone": "UTC",
                "applicable_timezone": "UTC",
                "created_at": started,
                "updated_at": started,
                "taxes": [],
                "metadata": [],
            }
        )
        plan = plans[i % len(plans)]
        subscriptions.append(
            {
                "lago_id": lago_uuid(rng),
                "external_id": sub_id(i),
                "lago_customer_id": cus_lago,
                "external_customer_id": cus_id,
                "name": plan.name,
                "billing_time": "calendar",
                "plan_code": plan.code,
                "plan_amount_cents": plan.amount_cents,
                "plan_amount_currency": CURRENCY,
                "status": "active",
                "created_at": started,
                "started_at": started,
                "subscription_at": started,
                "canceled_at": None,
                "ending_at": None,
                "terminated_at": None,
                "previous_plan_code": None,
                "next_plan_code": None,
                "downgrade_plan_date": None,
                "trial_ended_at": None,
            }
        )
    files = {
        "billable_metrics": ("billable_metrics", catalog.metrics_json(metric_ids)),
        "plans": ("plans", [catalog.plan_json(p, metric_ids) for p in plans]),
        "customers": ("customers", customers),
        "subscriptions": ("subscriptions", subscriptions),
    }
    written = {}
    for entity, (key, items) in files.items():
        name = f"catalog/{entity}/{entity}.json"
        write_json(landing / name, lago_list(key, items), indent=None)
        written[name] = len(items)
    return written


def write_new_day(data: BenchData, progress: bool) -> int:
    """One more day of events (the day after the month) with transaction ids of their own.

    demo.stream numbers transaction ids from 0 on every call, so the day's ids are re-prefixed:
    with the month's ids they would all be duplicates and the incremental run would see nothing.
    """
    p = data.params
    tmp = data.root / "_new_day_tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    # months is only turned into round(months * 30.4375) days, so this asks for exactly one day
    paths = stream_events_parquet(
        tmp,
        customers=p.customers,
        months=1 / 30.4375,
        events=p.day_events,
        seed=p.seed + 1,
        chunk_rows=p.chunk_rows,
        progress=progress,
        start=datetime.combine(p.new_day, datetime.min.time(), UTC),
    )
    data.day_file.parent.mkdir(parents=True, exist_ok=True)
    files = ", ".join(f"'{x}'" for x in paths)
    con = duckdb.connect()
    try:
        con.execute(
            f"""copy (select 'evt_d{p.new_day:%Y%m%d}_' || substr(transaction_id, 5) as transaction_id,
                             * exclude (transaction_id)
                      from read_parquet([{files}]))
                to '{data.day_file}' (format parquet, compression zstd)"""
        )
    finally:
        con.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return p.day_events


def ensure_dataset(bench_dir: Path, params: BenchParams, progress: bool = True) -> tuple[BenchData, bool]:
    """The bench files for `params`, generated unless a complete set with the same parameters exists.

    Returns (data, reused). Generation is not a benchmarked step."""
    data = BenchData(params, Path(bench_dir) / params.key)
    if data.is_complete():
        return data, True
    shutil.rmtree(data.root, ignore_errors=True)
    data.root.mkdir(parents=True)
    write_catalog(data.landing, params)
    stream_events_parquet(
        data.events_dir,
        customers=params.customers,
        months=1,
        events=params.events,
        seed=params.seed,
        chunk_rows=params.chunk_rows,
        progress=progress,
        start=datetime.combine(params.start_date, datetime.min.time(), UTC),
    )
    write_new_day(data, progress)
    data.manifest.write_text(json.dumps(asdict(params), indent=2) + "\n")
    return data, False
