"""Salesforce exports (API field names) with lineage to Lago customers, and the CRM product map."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from dagster_project.demo.assurance import CrmPlan
from dagster_project.demo.catalog import Plan
from dagster_project.demo.common import add_months, major_text
from dagster_project.demo.company import Customer, Sub
from dagster_project.demo.ids import sf_id
from dagster_project.demo.metrics import INDUSTRIES, LEAD_SOURCES
from dagster_project.demo.truth import Faults
from dagster_project.demo.writers import write_csv


def _stamp(d: date, rng: random.Random) -> str:
    at = datetime.combine(d, time(9), UTC) + timedelta(seconds=rng.randint(0, 8 * 3600))
    return at.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _b(v: bool) -> str:
    return "true" if v else "false"


def write_crm(
    rng: random.Random,
    landing: Path,
    customers: list[Customer],
    subs: list[Sub],
    plans: dict[str, Plan],
    window_start: date,
    window_end: date,
    discount_customer: str | None,
    faults: Faults,
    segments: random.Random | None = None,
    cases: CrmPlan | None = None,
    cases_rng: random.Random | None = None,
) -> dict:
    """Accounts and Opportunities name the Lago customer in `External_Customer_Id__c`; Accounts carry
    `Industry` and Opportunities `LeadSource` (Salesforce standard fields) for most customers, drawn
    from `segments` (its own stream, so the rest of the export does not move). `cases`: what the
    revenue-assurance cases change (price, quantity, plan, start of a deal; more deals, drawn from
    `cases_rng` after the rest of the export)."""
    segments = segments or random.Random(0)
    draw = [rng]  # the stream deals draw from: the export's, then the cases' for the deals appended last
    users = [(sf_id(rng, "user"), n) for n in ["Ada Sales", "Ben Closer", "Cleo Pipeline", "Dev Quota"]]
    products = {}
    for code in sorted(plans):
        products[code] = (sf_id(rng, "product2"), code.upper(), plans[code])
    accounts, opps, olis, contracts = [], [], [], []
    first_sub = {}
    for s in subs:
        first_sub.setdefault(s.customer.external_id, s)

    def short(id18: str) -> str:
        return id18[:15] if draw[0].random() < 0.25 else id18  # some exports carry the 15-char form

    def deal(
        ext_id: str,
        name: str,
        ccy: str,
        country: str,
        plan: Plan,
        start: date,
        stage: str,
        unit_price_minor: int,
        deleted: bool = False,
        account_id: str | None = None,
        industry: str = "",
        lead_source: str = "",
        opp_type: str = "New Business",
    ):
        rng = draw[0]
        owner = users[rng.randrange(len(users))][0]
        acc = account_id
        if acc is None:
            acc = sf_id(rng, "account")
            accounts.append(
                [
                    acc,
                    name,
                    "Customer" if stage == "Closed Won" else "Prospect",
                    country,
                    ccy,
                    owner,
                    ext_id,
                    industry,
                    _b(False),
                    _stamp(start - timedelta(days=30), rng),
                ]
            )
        # deals signed before the demo window run long enough to cover it
        term = 12 if start >= window_start else 36
        qty = {"yearly": 1, "monthly": 12, "quarterly": 4, "weekly": 52}[plan.interval]
        total = unit_price_minor * qty
        won, closed = stage == "Closed Won", stage in ("Closed Won", "Closed Lost")
        close = start - timedelta(days=rng.randint(2, 20))
        opp = sf_id(rng, "opportunity")
        opps.append(
            [
                opp,
                f"{name} - {plan.family.capitalize()}",
                acc,
                stage,
                _b(won),
                _b(closed),
                close.isoformat(),
                major_text(total, ccy),
                ccy,
                opp_type,
                owner,
                plan.code,
                ext_id,
                lead_source,
                _b(deleted),
                _stamp(close, rng),
            ]
        )
        olis.append(
            [
                sf_id(rng, "opportunity_line_item"),
                short(opp),
                products[plan.code][0],
                products[plan.code][1],
                qty,
                major_text(unit_price_minor, ccy),
                major_text(total, ccy),
                ccy,
                start.isoformat(),
                _b(deleted),
                _stamp(close, rng),
            ]
        )
        if won and not deleted:
            end = add_months(start, term) - timedelta(days=1)
            contracts.append(
                [
                    sf_id(rng, "contract"),
                    short(acc),
                    f"{len(contracts) + 100:08d}",
                    "Activated",
                    start.isoformat(),
                    end.isoformat(),
                    term,
                    ccy,
                    opp,
                    plan.code,
                    major_text(total, ccy),
                    _b(False),
                    _stamp(start, rng),
                ]
            )
        return acc

    cases = cases or CrmPlan()
    account_of: dict[str, str] = {}
    won_opp: dict[str, tuple[str, Plan, date, str]] = {}  # customer -> (opportunity, plan, start, stamp)
    for c in customers:
        s = first_sub.get(c.external_id)
        if s is None:
            continue
        plan = plans[cases.plan_override.get(c.external_id, s.plan.code)]
        unit = plan.amount_cents
        if c.external_id == discount_customer:
            unit = unit * 9 // 10  # the negotiated price the billing system never got
        if c.external_id in cases.price_factor:
            unit = int(Decimal(unit) * cases.price_factor[c.external_id])
        start = cases.start_override.get(c.external_id, s.start_date)
        # about one customer in ten has no industry, one deal in ten no lead source (as in real orgs)
        industry = INDUSTRIES[segments.randrange(len(INDUSTRIES))] if segments.random() < 0.9 else ""
        source = LEAD_SOURCES[segments.randrange(len(LEAD_SOURCES))] if segments.random() < 0.9 else ""
        customer = (c.external_id, c.name, c.currency, c.country)
        won = (*customer, plan, start, "Closed Won", unit)  # the deal billing runs on
        acc = deal(*won, industry=industry, lead_source=source)
        account_of[c.external_id] = acc
        won_opp[c.external_id] = (opps[-1][0], plan, start, opps[-1][15])
        r = rng.random()
        if r < 0.22:
            # an upsell to a higher plan: lost, or still being negotiated
            if r < 0.12:
                tier, close, stage = "business", window_end - timedelta(days=10), "Closed Lost"
            else:
                tier, close, stage = "scale", window_end + timedelta(days=30), "Negotiation/Review"
            up = plans.get(f"{tier}_{c.currency.lower()}") or s.plan
            deal(*customer, up, close, stage, up.amount_cents, account_id=acc, lead_source=source)
        elif r < 0.24:
            deal(*won, deleted=True, account_id=acc)
    # a signed contract whose customer never reached the billing system
    ghost_plan = plans["starter_usd"]  # in arrears, no trial: every month that ended before as_of is owed
    ghost_ext = f"cust_{len(customers) + 90000:05d}"
    deal(
        ghost_ext,
        "Massive Dynamic Holdings",
        "USD",
        "US",
        ghost_plan,
        window_start,
        "Closed Won",
        ghost_plan.amount_cents,
    )
    months = (window_end.year - window_start.year) * 12 + window_end.month - window_start.month - 1
    faults.add(
        "crm_contract_never_billed",
        "crm",
        "contract",
        "crm/contract/contract.csv",
        contracts[-1][0],
        ghost_ext,
        -ghost_plan.amount_cents * months,
        "USD",
        f"Closed Won {ghost_plan.code} from {window_start}; no Lago customer {ghost_ext}; effect = "
        f"{months} monthly plan fees issued before as_of (excl. usage and tax)",
    )

    files = {}
    spec = {
        "account": (
            [
                "Id",
                "Name",
                "Type",
                "BillingCountry",
                "CurrencyIsoCode",
                "OwnerId",
                "External_Customer_Id__c",
                "Industry",
                "IsDeleted",
                "SystemModstamp",
            ],
            accounts,
        ),
        "opportunity": (
            [
                "Id",
                "Name",
                "AccountId",
                "StageName",
                "IsWon",
                "IsClosed",
                "CloseDate",
                "Amount",
                "CurrencyIsoCode",
                "Type",
                "OwnerId",
                "Plan_Code__c",
                "External_Customer_Id__c",
                "LeadSource",
                "IsDeleted",
                "SystemModstamp",
            ],
            opps,
        ),
        "opportunity_line_item": (
            [
                "Id",
                "OpportunityId",
                "Product2Id",
                "ProductCode",
                "Quantity",
                "UnitPrice",
                "TotalPrice",
                "CurrencyIsoCode",
                "ServiceDate",
                "IsDeleted",
                "SystemModstamp",
            ],
            olis,
        ),
        "product2": (
            [
                "Id",
                "Name",
                "ProductCode",
                "Family",
                "IsActive",
                "IsDeleted",
                "Plan_Code__c",
                "SystemModstamp",
            ],
            [
                [
                    pid,
                    p.name,
                    pcode,
                    p.family.capitalize(),
                    "true",
                    "false",
                    code,
                    _stamp(window_start - timedelta(days=200), rng),
                ]
                for code, (pid, pcode, p) in products.items()
            ],
        ),
        "contract": (
            [
                "Id",
                "AccountId",
                "ContractNumber",
                "Status",
                "StartDate",
                "EndDate",
                "ContractTerm",
                "CurrencyIsoCode",
                "Opportunity__c",
                "Plan_Code__c",
                "Contract_Amount__c",
                "IsDeleted",
                "SystemModstamp",
            ],
            contracts,
        ),
        "user": (
            ["Id", "Name", "Email", "IsActive", "SystemModstamp"],
            [
                [
                    uid,
                    n,
                    n.lower().replace(" ", ".") + "@revhouse-demo.example",
                    "true",
                    _stamp(window_start - timedelta(days=400), rng),
                ]
                for uid, n in users
            ],
        ),
    }
    # the assurance cases' deals, from their own stream, once the rest of the export is drawn
    draw[0] = cases_rng or rng
    for c, plan, start, kind in cases.extra_deals:
        customer = (c.external_id, c.name, c.currency, c.country)
        deal(
            *customer,
            plan,
            start,
            "Closed Won",
            plan.amount_cents,
            account_id=account_of[c.external_id],
            opp_type=kind,
        )
    for ext, name, ccy, country, plan, start in cases.ghosts:
        deal(ext, name, ccy, country, plan, start, "Closed Won", plan.amount_cents)
    # seats sold on the won deal: a product per plan, mapped to the plan's `seats` charge
    seat_products: dict[str, tuple[str, str]] = {}
    for ext, (sold, price) in cases.seats.items():
        opp, plan, start, stamp = won_opp[ext]
        if plan.code not in seat_products:
            pid, pcode = sf_id(draw[0], "product2"), f"{plan.code.upper()}_SEATS"
            seat_products[plan.code] = (pid, pcode)
            spec["product2"][1].append(
                [
                    pid,
                    f"{plan.name} seats",
                    pcode,
                    plan.family.capitalize(),
                    "true",
                    "false",
                    plan.code,
                    stamp,
                ]
            )
        pid, pcode = seat_products[plan.code]
        ccy = plan.currency
        olis.append(
            [
                sf_id(draw[0], "opportunity_line_item"),
                opp,
                pid,
                pcode,
                sold,
                major_text(price, ccy),
                major_text(price * sold, ccy),
                ccy,
                start.isoformat(),
                _b(False),
                stamp,
            ]
        )
    for entity, (header, rows) in spec.items():
        name = f"crm/{entity}/{entity}.csv"
        files[name] = write_csv(landing / name, header, rows)
    name = "reference/crm_product_map/crm_product_map.csv"
    files[name] = write_csv(
        landing / name,
        ["crm_product", "plan_code", "charge_code", "quantity_field"],
        [[pcode, code, "", "Quantity"] for code, (_, pcode, _) in products.items()]
        + [[pcode, code, "seats", "Quantity"] for code, (_, pcode) in seat_products.items()],
    )
    return files


def contract_discount_effect(invoice_fees: list[int]) -> int:
    """Over-billing of the discounted customer: each plan fee was billed at list instead of 90%."""
    return sum(f - f * 9 // 10 for f in invoice_fees)
