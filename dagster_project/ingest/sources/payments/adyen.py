"""Adyen: Settlement details report CSV, read by header name. `Creation Date` is local time in
the row's `TimeZone` (IANA name, or an abbreviation naming the offset then in force: CET = +01,
CEST = +02, PST = −08 …, see `_common.TZ_ABBREVIATIONS`). Amounts are major units, converted
with the currency's exponent. `Type` decides the sign (`ADYEN_TYPE_SIGN`); an amount booked on
the side opposite to its Type, or an unknown Type, is quarantined. Rows without a gross amount
(Fee, MerchantPayout …) carry the net amount and the net currency in amount_minor/currency.

For settlement (collections.md §5) every row also keeps its parts as stated: gross_minor /
gross_currency (GC, signed), net_minor / net_currency (Net Credit − Net Debit, NC), fee_minor
(Commission + Markup + Scheme Fees + Interchange, NC; null when the row states none — a `Fee`
row's cost is its −net, which the settlement model applies, not the parser), exchange_rate,
merchant_account, batch_number and payout_id = `Merchant Account/Batch Number` on every row of
the batch. arrival_date is set on the `MerchantPayout` row only: the UTC date of its Creation
Date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from dagster_project.ingest.base import LandingFile, Reject, Row, UnreadableFile
from dagster_project.ingest.sources._common import (
    BadValue,
    CsvTable,
    currency,
    dumps,
    major_to_minor,
    parse_decimal,
    parse_ts,
    reject_from,
    text_or_none,
    with_record,
    zone,
)
from dagster_project.ingest.sources.payments._shared import file_suffix, movement_row, required

# ---- Adyen -------------------------------------------------------------------------------------

# Documented record types (formats/adyen/settlement_detail_report.columns.md). +1 money in,
# −1 money out; 0 = either way, the side the amount is booked on (credit/debit) decides.
ADYEN_TYPE_SIGN = {
    "Settled": 1,
    "SettledBulk": 1,
    "Refunded": -1,
    "RefundedBulk": -1,
    "RefundedReversed": 1,
    "Chargeback": -1,
    "SecondChargeback": -1,
    "ChargebackReversed": 1,
    "PaymentCost": -1,
    "Fee": -1,
    "MerchantPayout": -1,
    "DepositCorrection": 0,
    "InvoiceDeduction": 0,
    "Balancetransfer": 0,
}
_ADYEN_REQUIRED = [
    "Merchant Account",
    "Psp Reference",
    "Merchant Reference",
    "Creation Date",
    "TimeZone",
    "Type",
    "Modification Reference",
    "Gross Currency",
    "Gross Debit (GC)",
    "Gross Credit (GC)",
    "Net Currency",
    "Net Debit (NC)",
    "Net Credit (NC)",
    "Batch Number",
]
_ADYEN_FEES = ["Commission (NC)", "Markup (NC)", "Scheme Fees (NC)", "Interchange (NC)"]
_ADYEN_OPTIONAL = ["Payment Method", "Exchange Rate"]
_RATE_DECIMALS = 12  # raw exchange_rate is DECIMAL(38,12): a rate stated more finely is refused, not rounded


def parse_adyen(f: LandingFile) -> Iterator[Row | Reject]:
    if file_suffix(f) != "csv":
        raise UnreadableFile("Adyen files must be Settlement details report CSVs")
    table = CsvTable(f)
    table.require(_ADYEN_REQUIRED)
    cols = {name: table.column(name) for name in _ADYEN_REQUIRED + _ADYEN_FEES + _ADYEN_OPTIONAL}
    for rec in table.records():
        if isinstance(rec, Reject):
            yield rec
            continue

        def get(name: str, _v=rec.values) -> str | None:
            h = cols.get(name)
            return None if h is None else text_or_none(_v[h])

        try:
            yield with_record([_adyen_row(rec.row_number, get, rec.values)], rec.values, rec.raw_text)[0]
        except BadValue as e:
            yield reject_from(rec.row_number, e, rec.raw_text)


_GROSS = ("Gross Currency", "Gross Debit (GC)", "Gross Credit (GC)")
_NET = ("Net Currency", "Net Debit (NC)", "Net Credit (NC)")


def _adyen_side(
    get: Callable[[str], str | None], columns: tuple[str, str, str], code: str | None, sign: int, rtype: str
) -> int | None:
    """Signed minor amount of one Debit/Credit column pair (credit = money in), checked against
    the direction the record Type books money."""
    currency_col, debit_col, credit_col = columns
    debit, credit = get(debit_col), get(credit_col)
    if debit is None and credit is None:
        return None
    if code is None:
        raise BadValue(
            currency_col,
            None,
            f"{currency_col} is empty but the row has an amount in {credit_col}/{debit_col}",
        )
    value = (major_to_minor(credit, credit_col, code) or 0) - (major_to_minor(debit, debit_col, code) or 0)
    if sign and value and (value > 0) != (sign > 0):
        booked, raw = (credit_col, credit) if value > 0 else (debit_col, debit)
        raise BadValue(
            booked,
            raw,
            f"Type {rtype} is money {'in' if sign > 0 else 'out'}, but the amount is booked in {booked}",
        )
    return value


def _adyen_row(n: int, get: Callable[[str], str | None], raw_values: dict[str, str]) -> Row:
    rtype = get("Type")
    if rtype not in ADYEN_TYPE_SIGN:
        raise BadValue(
            "Type",
            rtype,
            f"unknown Adyen record Type '{rtype}': its sign (money in or out) is not known; "
            f"known types: {', '.join(ADYEN_TYPE_SIGN)}",
        )
    sign = ADYEN_TYPE_SIGN[rtype]
    gross_cur = currency(get("Gross Currency"), "Gross Currency", required=False)
    net_cur = currency(get("Net Currency"), "Net Currency", required=False)
    gross = _adyen_side(get, _GROSS, gross_cur, sign, rtype)
    net = _adyen_side(get, _NET, net_cur, sign, rtype)
    if gross is None and net is None:
        raise BadValue("Gross Credit (GC)", None, f"the {rtype} row has no amount in any Gross or Net column")
    fee = None
    fee_values = [(c, get(c)) for c in _ADYEN_FEES if get(c) is not None]
    if fee_values:
        if net_cur is None:
            raise BadValue("Net Currency", None, "Net Currency is empty but the row has fees")
        fee = sum(major_to_minor(v, c, net_cur) or 0 for c, v in fee_values)
    tz = zone(get("TimeZone"), "TimeZone")
    occurred = parse_ts(
        required(get("Creation Date"), "Creation Date", "the row has no date"), "Creation Date", tz
    )
    psp, modref, batch = get("Psp Reference"), get("Modification Reference"), get("Batch Number")
    gid = "|".join(x or "" for x in (psp, rtype, modref, batch))
    merchant = get("Merchant Account")
    rate = parse_decimal(get("Exchange Rate"), "Exchange Rate")
    if rate is not None and -rate.as_tuple().exponent > _RATE_DECIMALS:
        raise BadValue(
            "Exchange Rate",
            get("Exchange Rate"),
            f"Exchange Rate has more than {_RATE_DECIMALS} decimals; it is not rounded: correct it in the source",
        )
    return movement_row(
        n,
        "adyen",
        "settlement_row",
        gid,
        None,
        record_type=rtype,
        status=None,
        currency=gross_cur if gross is not None else net_cur,
        amount_minor=gross if gross is not None else net,
        fee_minor=fee,
        net_minor=net,
        net_currency=net_cur,
        occurred_at=occurred,
        invoice_reference=get("Merchant Reference"),
        customer_reference=None,
        parent_id=psp if rtype not in ("Settled", "SettledBulk") else None,
        failure_code=None,
        payload_json=dumps(raw_values),
        payout_id=f"{merchant}/{batch}" if merchant and batch else None,
        payment_method=get("Payment Method"),
        arrival_date=occurred.date() if rtype == "MerchantPayout" and occurred else None,
        gross_minor=gross,
        gross_currency=gross_cur,
        exchange_rate=rate,
        batch_number=batch,
        merchant_account=merchant,
    )
