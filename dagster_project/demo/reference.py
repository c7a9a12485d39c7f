"""ECB reference rates (eurofxref-hist.csv shape) and revhouse's own reference CSVs."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from dagster_project.demo.common import daterange
from dagster_project.demo.writers import write_csv

# header of the real eurofxref-hist.csv (currencies the ECB no longer quotes are N/A)
ECB_COLUMNS = [
    "USD",
    "JPY",
    "BGN",
    "CYP",
    "CZK",
    "DKK",
    "EEK",
    "GBP",
    "HUF",
    "LTL",
    "LVL",
    "MTL",
    "PLN",
    "ROL",
    "RON",
    "SEK",
    "SIT",
    "SKK",
    "CHF",
    "ISK",
    "NOK",
    "HRK",
    "RUB",
    "TRL",
    "TRY",
    "AUD",
    "BRL",
    "CAD",
    "CNY",
    "HKD",
    "IDR",
    "ILS",
    "INR",
    "KRW",
    "MXN",
    "MYR",
    "NZD",
    "PHP",
    "SGD",
    "THB",
    "ZAR",
]
# a recent published row (2026-04-13) as the walk's starting point; None = N/A
ECB_START = {
    "USD": "1.1684",
    "JPY": "186.75",
    "CZK": "24.378",
    "DKK": "7.4727",
    "GBP": "0.87058",
    "HUF": "366.9",
    "PLN": "4.2543",
    "RON": "5.092",
    "SEK": "10.892",
    "CHF": "0.9242",
    "ISK": "143.2",
    "NOK": "11.098",
    "TRY": "52.2478",
    "AUD": "1.661",
    "BRL": "5.874",
    "CAD": "1.6177",
    "CNY": "7.9827",
    "HKD": "9.1507",
    "IDR": "20082.05",
    "ILS": "3.5787",
    "INR": "109.047",
    "KRW": "1740.86",
    "MXN": "20.3203",
    "MYR": "4.6444",
    "NZD": "2.0081",
    "PHP": "70.356",
    "SGD": "1.4912",
    "THB": "37.728",
    "ZAR": "19.3849",
}
BHD_PER_USD = Decimal("0.376")  # the Bahraini dinar's USD peg; the ECB does not publish BHD


def _easter(year: int) -> date:
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    return date(year, month, (h + l_ - 7 * m + 114) % 31 + 1)


def target_holiday(d: date) -> bool:
    e = _easter(d.year)
    return (d.month, d.day) in ((1, 1), (5, 1), (12, 25), (12, 26)) or d in (
        e - timedelta(days=2),
        e + timedelta(days=1),
    )


def write_fx(
    rng: random.Random, landing: Path, first: date, last_excl: date, usd_per_eur: dict | None = None
) -> dict:
    """Business-day rates from ten days before `first` (the earliest subscription start, so every
    month end of MRR history has a rate) to `last_excl`; `usd_per_eur` (if given) receives the USD rows."""
    levels = {k: Decimal(v) for k, v in ECB_START.items()}
    rows, bhd_rows = [], []
    for d in daterange(first - timedelta(days=10), last_excl):
        if d.weekday() >= 5 or target_holiday(d):
            continue
        for k, v in levels.items():
            step = Decimal(str(round(rng.gauss(0, 0.003), 6)))
            levels[k] = (v * (1 + step)).quantize(
                v if v.as_tuple().exponent < 0 else Decimal(1), rounding=ROUND_HALF_UP
            )
        rows.append([d.isoformat(), *[str(levels[c]) if c in levels else "N/A" for c in ECB_COLUMNS]])
        if usd_per_eur is not None:
            usd_per_eur[d] = levels["USD"]
        bhd_rows.append(
            [
                d.isoformat(),
                str((levels["USD"] * BHD_PER_USD).quantize(Decimal("0.00001"), rounding=ROUND_HALF_UP)),
            ]
        )
    rows.reverse()  # ECB publishes newest first
    bhd_rows.reverse()
    files = {}
    files["fx/rates/eurofxref-hist.csv"] = write_csv(
        landing / "fx/rates/eurofxref-hist.csv", ["Date", *ECB_COLUMNS], rows, trailing_comma=True
    )
    files["fx/rates/eurofxref-hist-supplement-bhd.csv"] = write_csv(
        landing / "fx/rates/eurofxref-hist-supplement-bhd.csv", ["Date", "BHD"], bhd_rows, trailing_comma=True
    )
    return files


# The demo company's billing entities: landed as reference/entities like any company's (there is
# no entity seed, so a warehouse only bills with the entities its own landing defines).
ENTITIES = [
    [
        "rh-us",
        "Revhouse Demo Inc.",
        "USD",
        "USD",
        "America/New_York",
        "RHUS",
        "US",
        "us_sales_tax",
        30,
        "default_dunning",
    ],
    ["rh-eu", "Revhouse Demo Europe SAS", "EUR", "EUR", "Europe/Paris", "RHEU", "FR", "fr_vat_20", 45, ""],
]  # net_payment_term and applied_dunning_campaign_code: receivables.ENTITY_TERMS / ENTITY_CAMPAIGN


def write_reference(
    landing: Path, window_start: date, window_end: date, reporting_currency: str = "USD"
) -> dict:
    files = {}
    name = "reference/entities/entities.csv"
    files[name] = write_csv(
        landing / name,
        [
            "entity_id",
            "name",
            "currency",
            "functional_currency",
            "timezone",
            "invoice_number_prefix",
            "country",
            "default_tax_codes",
            "net_payment_term",
            "applied_dunning_campaign_code",
        ],
        ENTITIES,
    )
    name = "reference/settings/settings.csv"
    files[name] = write_csv(
        landing / name,
        ["key", "value", "note"],
        [
            [
                "as_of",
                f"{window_end.isoformat()}T00:00:00Z",
                "demo: the first instant after the last generated month",
            ],
            ["grace_period_days", "3", "days an invoice stays in draft after its issuing date"],
            ["reporting_currency", reporting_currency, "currency of consolidated reports"],
            [
                "cutover_date",
                window_end.isoformat(),
                "demo: a parallel run; the incumbent's invoices (billed/) are the ones sent and paid "
                "over the whole window, revhouse bills in shadow and takes over on this date",
            ],
        ],
    )
    closes = []
    m = window_start.replace(day=1)
    last_month = (window_end - timedelta(days=1)).replace(day=1)
    while m < last_month:
        nxt = (m.replace(day=28) + timedelta(days=4)).replace(day=1)
        for entity in (e[0] for e in ENTITIES):
            closes.append(
                [
                    entity,
                    m.strftime("%Y-%m"),
                    f"{(nxt + timedelta(days=4)).isoformat()}T17:00:00Z",
                    "controller@revhouse-demo.example",
                ]
            )
        m = nxt
    name = "reference/period_closes/period_closes.csv"
    files[name] = write_csv(landing / name, ["entity_id", "period", "closed_at", "closed_by"], closes)
    return files
