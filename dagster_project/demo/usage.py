"""Usage events in Lago's event shape (JSONL per day) and one CloudEvents batch, with planted faults."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from dagster_project.demo.common import daterange, iso_z, local_midnight
from dagster_project.demo.company import Sub
from dagster_project.demo.ids import lago_uuid
from dagster_project.demo.truth import Faults
from dagster_project.demo.writers import dumps, write_json, write_lines

# mean events per subscription-day for a customer of intensity 1
BASE_RATE = {
    "api_calls": 5.0,
    "data_transfer_gb": 2.0,
    "peak_concurrency": 2.0,
    "active_users": 3.0,
    "storage_gb": 0.7,
    "gpu_level": 0.4,
    "seats": 0.05,
    "payment_volume": 3.0,
}
REGIONS = ["us-east", "eu-west", "ap-northeast"]
PLUS2 = timezone(timedelta(hours=2))
CE_SOURCE = "/revhouse-demo/edge-gateway"
UNKNOWN_CODE = "legacy_exports"


@dataclass
class Event:
    at: datetime  # UTC, whole milliseconds
    code: str
    props: dict
    transaction_id: str
    external_subscription_id: str
    sub: Sub | None = None

    def line(self, fmt: str) -> str:
        return dumps(
            {
                "transaction_id": self.transaction_id,
                "external_subscription_id": self.external_subscription_id,
                "code": self.code,
                "timestamp": format_ts(self.at, fmt),
                "properties": self.props,
            }
        )


def format_ts(at: datetime, fmt: str):
    if fmt == "iso_z":
        return iso_z(at, millis=at.microsecond != 0)
    if fmt == "iso_offset":
        return at.astimezone(PLUS2).isoformat(timespec="milliseconds" if at.microsecond else "seconds")
    if fmt == "unix_int":
        return int(at.timestamp())
    if fmt == "unix_frac":
        return float(f"{at.timestamp():.3f}")
    if fmt == "unix_str":
        return f"{at.timestamp():.3f}"
    raise ValueError(fmt)


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam < 30:
        limit, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= rng.random()
            if p <= limit:
                return k
            k += 1
    return max(0, round(rng.gauss(lam, math.sqrt(lam))))


def _maybe_str(rng: random.Random, value):
    # some producers send numbers as strings ("12.5"); Lago accepts both
    return str(value) if rng.random() < 0.1 else value


class _State:
    def __init__(self, rng: random.Random, sub: Sub):
        self.storage = Decimal(rng.randint(5, 200))
        self.gpus = 0
        self.users = max(3, int(20 * sub.customer.intensity))


def _props(rng: random.Random, code: str, st: _State, sub: Sub) -> dict | None:
    if code == "api_calls":
        return {
            "endpoint": rng.choice(["/v1/search", "/v1/ingest", "/v1/export"]),
            "region": rng.choice(REGIONS),
        }
    if code == "data_transfer_gb":
        gb = Decimal(rng.randint(10, 2000)) / 100
        return {"gb": _maybe_str(rng, float(gb)), "region": rng.choice(REGIONS)}
    if code == "peak_concurrency":
        return {"concurrency": _maybe_str(rng, rng.randint(1, 60)), "cluster": rng.choice(["main", "batch"])}
    if code == "active_users":
        return {"user_id": f"u{rng.randint(1, st.users)}"}
    if code == "storage_gb":
        st.storage = max(Decimal(1), st.storage + Decimal(rng.randint(-5, 15)))
        return {"gb": _maybe_str(rng, int(st.storage))}
    if code == "gpu_level":
        step = 1 if st.gpus == 0 else -1 if st.gpus >= 8 else rng.choice([1, -1])
        st.gpus += step
        return {"gpus": step}
    if code == "seats":
        return {"seats": rng.choice([1, 1, 1, 2, -1])}
    if code == "payment_volume":
        return {"amount": _maybe_str(rng, float(Decimal(rng.randint(500, 50000)) / 100))}
    raise ValueError(code)


def generate_events(
    rng: random.Random, subs: list[Sub], window_start: date, window_end: date, months: int
) -> tuple[list[Event], dict]:
    events: list[Event] = []
    spike = None
    for sub in subs:
        codes = [c.metric for c in sub.plan.charges]
        st = _State(rng, sub)
        first = max(sub.start_date, window_start)
        last_excl = min(sub.end_date or window_end, window_end)
        for day in daterange(first, last_excl):
            base = local_midnight(day, sub.tz)
            month_index = (day.year - window_start.year) * 12 + day.month - window_start.month
            factor = sub.customer.intensity * (0.35 if day.weekday() >= 5 else 1.0) * (1 + 0.06 * month_index)
            for code in codes:
                n = _poisson(rng, BASE_RATE[code] * factor)
                if code == "seats" and day == sub.start_date:
                    events.append(
                        _ev(rng, base + timedelta(seconds=60), code, {"seats": rng.randint(3, 12)}, sub)
                    )
                for _ in range(n):
                    props = _props(rng, code, st, sub)
                    at = base + timedelta(seconds=rng.randint(1, 86398))
                    events.append(_ev(rng, at, code, props, sub))
    # a usage spike: one growth customer calls the API ~40x its usual rate for a day
    candidates = [
        s for s in subs if s.plan.family == "growth" and s.end_date is None and s.start_date < window_start
    ]
    if candidates:
        sub = candidates[rng.randrange(len(candidates))]
        day = window_start + timedelta(days=min(3, months - 1) * 30 + 12)
        if day < window_end:
            base = local_midnight(day, sub.tz)
            n = int(40 * BASE_RATE["api_calls"] * max(sub.customer.intensity, 1.0))
            for _ in range(n):
                at = base + timedelta(seconds=rng.randint(1, 86398))
                events.append(_ev(rng, at, "api_calls", {"endpoint": "/v1/export", "region": "us-east"}, sub))
            spike = {"sub": sub, "day": day, "events": n}
    events.sort(key=lambda e: (e.at, e.external_subscription_id, e.transaction_id))
    return events, spike


def _ev(rng: random.Random, at: datetime, code: str, props: dict, sub: Sub) -> Event:
    ms = rng.randint(0, 999) if rng.random() < 0.3 else 0
    return Event(at + timedelta(milliseconds=ms), code, props, lago_uuid(rng), sub.external_id, sub)


def write_usage(
    rng: random.Random,
    landing: Path,
    events: list[Event],
    subs: list[Sub],
    spike: dict | None,
    window_start: date,
    window_end: date,
    faults: Faults,
    skip: set[int] = frozenset(),
    late: dict[int, date] | None = None,
    extra: tuple[random.Random, list[Event]] | None = None,
) -> dict:
    """`skip`: id() of events left out of the files (planted drops and silences), drawn for as the
    others so the stream does not move; `late`: id() -> a later landing day; `extra`: events added
    by the assurance cases, with their own stream for their timestamp formats."""
    late = late or {}
    folder = landing / "usage" / "events"
    rel = "usage/events/"
    # one month of a few subscriptions arrives through a CloudEvents gateway instead of the Lago API
    ce_month = (window_start.replace(day=28) + timedelta(days=4)).replace(day=1)
    if ce_month >= window_end:
        ce_month = window_start
    ce_subs = {s.external_id for s in subs[3:6]}
    ce_events = [
        e
        for e in events
        if e.external_subscription_id in ce_subs
        and (e.at.year, e.at.month) == (ce_month.year, ce_month.month)
    ]
    ce_ids = {id(e) for e in ce_events}

    by_day: dict[date, list[str]] = defaultdict(list)
    line_of: dict[int, tuple[date, int]] = {}
    fmts = ["iso_z", "iso_offset", "unix_int", "unix_frac", "unix_str"]
    weights = [70, 10, 10, 7, 3]
    last_day = window_end - timedelta(days=1)
    for e in events:
        if id(e) in ce_ids:
            continue
        fmt = rng.choices(fmts, weights)[0]
        if fmt == "unix_int" and e.at.microsecond:
            fmt = "iso_z"
        day = e.at.astimezone(UTC).date()
        if rng.random() < 0.003:
            day = min(day + timedelta(days=rng.randint(1, 3)), last_day)  # late arrival
        if id(e) in skip:
            continue
        day = late.get(id(e), day)
        by_day[day].append(e.line(fmt))
        line_of[id(e)] = (day, len(by_day[day]))
    if extra:
        own, added = extra
        for e in added:
            fmt = own.choices(fmts, weights)[0]
            if fmt == "unix_int" and e.at.microsecond:
                fmt = "iso_z"
            day = e.at.astimezone(UTC).date()
            by_day[day].append(e.line(fmt))

    def fname(d: date) -> str:
        return f"events_{d.isoformat()}.jsonl"

    days = sorted(by_day)
    # planted: exact duplicates of early events, landed again in a later file
    late_day = days[min(len(days) - 1, len(days) * 2 // 3)]
    early = [e for e in events if id(e) in line_of and line_of[id(e)][0] < days[min(len(days) - 1, 10)]]
    for e in rng.sample(early, min(5, len(early))):
        d, n = line_of[id(e)]
        by_day[late_day].append(by_day[d][n - 1])
        faults.add(
            "duplicate_event",
            "usage",
            "events",
            rel + fname(late_day),
            f"{e.external_subscription_id}|{e.transaction_id}",
            e.sub.customer.external_id,
            note=f"first landed in {rel + fname(d)} line {n}",
        )
    # planted: bad lines in one file
    bad_day = days[len(days) // 2]
    sample_sub = subs[0]
    good = by_day[bad_day][0]
    bad_lines = [
        ("truncated JSON", good[: len(good) // 2]),
        (
            "missing transaction_id",
            dumps(
                {
                    "external_subscription_id": sample_sub.external_id,
                    "code": "api_calls",
                    "timestamp": iso_z(local_midnight(bad_day, "UTC") + timedelta(hours=9)),
                    "properties": {"region": "us-east"},
                }
            ),
        ),
        (
            "negative quantity",
            dumps(
                {
                    "transaction_id": lago_uuid(rng),
                    "external_subscription_id": sample_sub.external_id,
                    "code": "data_transfer_gb",
                    "timestamp": iso_z(local_midnight(bad_day, "UTC") + timedelta(hours=10)),
                    "properties": {"gb": -12.5, "region": "eu-west"},
                }
            ),
        ),
        (
            "unparseable timestamp",
            dumps(
                {
                    "transaction_id": lago_uuid(rng),
                    "external_subscription_id": sample_sub.external_id,
                    "code": "api_calls",
                    "timestamp": f"{bad_day.isoformat()}T25:61:00Z",
                    "properties": {"region": "us-east"},
                }
            ),
        ),
    ]
    for reason, text in bad_lines:
        by_day[bad_day].append(text)
        faults.add(
            "bad_row",
            "usage",
            "events",
            rel + fname(bad_day),
            f"line {len(by_day[bad_day])}",
            sample_sub.customer.external_id,
            note=reason,
        )
    # planted: events for a metric code the catalog does not know
    unk_day = days[len(days) // 3]
    for k in range(3):
        txn = lago_uuid(rng)
        at = local_midnight(unk_day, "UTC") + timedelta(hours=8 + k)
        by_day[unk_day].append(
            dumps(
                {
                    "transaction_id": txn,
                    "external_subscription_id": sample_sub.external_id,
                    "code": UNKNOWN_CODE,
                    "timestamp": iso_z(at),
                    "properties": {"rows": 1000 * (k + 1)},
                }
            )
        )
        faults.add(
            "unknown_metric",
            "usage",
            "events",
            rel + fname(unk_day),
            f"{sample_sub.external_id}|{txn}",
            sample_sub.customer.external_id,
            note=f"code {UNKNOWN_CODE} is not a billable metric",
        )
    if spike:
        s = spike["sub"]
        faults.add(
            "usage_spike",
            "usage",
            "events",
            rel + fname(spike["day"]),
            f"{s.external_id}|{spike['day']}",
            s.customer.external_id,
            currency=s.plan.currency,
            note=f"{spike['events']} extra api_calls events on {spike['day']} (local); real usage, billed",
        )

    files = {}
    for d in days:
        files[rel + fname(d)] = write_lines(folder / fname(d), by_day[d])
    if ce_events:
        batch = [
            {
                "specversion": "1.0",
                "id": e.transaction_id,
                "source": CE_SOURCE,
                "type": e.code,
                "subject": e.external_subscription_id,
                "time": iso_z(e.at, millis=e.at.microsecond != 0),
                "datacontenttype": "application/json",
                "data": e.props,
            }
            for e in ce_events
        ]
        name = f"cloudevents_{ce_month.strftime('%Y-%m')}.json"
        write_json(folder / name, batch)
        files[rel + name] = len(batch)
    return files
