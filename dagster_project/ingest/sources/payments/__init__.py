"""Gateway money movements (Stripe, Adyen, GoCardless) → raw.payment_transactions; the gateways'
customers (Stripe, GoCardless) → raw.payment_customers.

The entity folder names the gateway: `payments/stripe/`, `payments/adyen/`, `payments/gocardless/`.
One record in the file → one Row or one Reject; nothing is skipped, so an object that is not a
money movement (a Stripe plan, a GoCardless mandate list) is quarantined with the reason.

Sign convention for `amount_minor`: money in to the merchant > 0. Charges, payment intents and
payments are positive; refunds, disputes/chargebacks and payouts (money leaving the gateway
balance for the merchant's bank) negative. The gateways send those amounts as positive sizes:
a negative one is quarantined, never flipped (`abs()` would hide it), except a Stripe payout,
which may be negative (a debit from the bank into the balance: stored as money in).
`fee_minor` is what the gateway kept, as a positive cost; `net_minor` is filled only where the
gateway states it (Stripe balance transactions, Adyen NC columns), in `net_currency` when that
differs from `currency`.

Besides movements, payment_transactions holds what settlement and cash application need to
link them (collections.md §4, §5, §8): Stripe `invoice_payment` rows and Fivetran
`payout_balance_transaction` links, GoCardless payout items; every row carries its payout_id
where the gateway states it, and the Lago ids of the metadata (lago_invoice_id, lago_payable_*).

natural_key is `<gateway>|<id>` (the gateway's own id; Adyen: `Psp Reference|Type|Modification
Reference|Batch Number`; GoCardless payout item: `<payout>|<position>`; Stripe payout link:
`<payout>|<balance transaction>`), prefixed because the three gateways share one table.

One module per gateway: `stripe`, `adyen`, `gocardless` (each documents its files); what they
share (the row shape, the sign checks) is in `_shared`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from dagster_project.ingest.base import LandingFile, Reject, Row, UnreadableFile
from dagster_project.ingest.sources._common import norm_name
from dagster_project.ingest.sources.payments.adyen import ADYEN_TYPE_SIGN, parse_adyen
from dagster_project.ingest.sources.payments.gocardless import parse_gocardless
from dagster_project.ingest.sources.payments.stripe import STRIPE_OBJECTS, STRIPE_SIGN, parse_stripe

__all__ = ["ADYEN_TYPE_SIGN", "STRIPE_OBJECTS", "STRIPE_SIGN", "parse"]

_GATEWAYS: dict[str, Callable[[LandingFile], Iterator[Row | Reject]]] = {
    "stripe": parse_stripe,
    "adyen": parse_adyen,
    "gocardless": parse_gocardless,
}


def parse(f: LandingFile) -> Iterator[Row | Reject]:
    gateway = norm_name(f.entity)
    if gateway not in _GATEWAYS:
        raise UnreadableFile(f"unknown payments folder '{f.entity}' (expected stripe, adyen or gocardless)")
    yield from _GATEWAYS[gateway](f)
