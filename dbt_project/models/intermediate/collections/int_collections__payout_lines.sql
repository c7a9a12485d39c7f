-- The rows behind each payout, classified for settlement (collections.md §5), one per gateway row.
-- Every line carries three parts in minor units of the payout's currency, exact DECIMAL (GoCardless
-- items have one decimal; rounding happens once per payout total, in fct_payout_settlements):
-- amount (signed, money in > 0; the row's gross), fee (what the gateway kept, > 0 = cost) and net,
-- with amount − fee = net on every row. Lines of no known class are adjustments, never dropped.
with stripe_balance_transactions as (
    select * from {{ ref('stg_stripe__balance_transactions') }}
),

stripe_charges as (
    select * from {{ ref('stg_stripe__charges') }}
),

adyen_rows as (
    select * from {{ ref('stg_adyen__settlement_rows') }}
),

gocardless_payout_items as (
    select * from {{ ref('stg_gocardless__payout_items') }}
),

gocardless_payments as (
    select * from {{ ref('stg_gocardless__payments') }}
),

gocardless_payouts as (
    select * from {{ ref('stg_gocardless__payouts') }}
),

currencies as (
    select * from {{ ref('iso_4217_currencies') }}
),

-- Stripe: balance transactions with payout = P, not the payout's own (its source is P)
stripe_lines as (
    select
        'stripe' as gateway,
        txn.payout_id,
        txn.stripe_balance_transaction_id as gateway_line_id,
        coalesce(txn.record_type, txn.reporting_category) as line_type,
        case coalesce(txn.reporting_category, txn.record_type)
            when 'charge' then 'gross'
            when 'refund' then 'refund'
            when 'dispute' then 'chargeback'
            when 'dispute_reversal' then 'chargeback'
            else 'adjustment'
        end as line_class,
        upper(txn.currency) as currency,
        cast(txn.amount_minor as decimal(38, 4)) as amount_minor,
        cast(coalesce(txn.fee_amount_minor, 0) as decimal(38, 4)) as fee_amount_minor,
        cast(txn.net_amount_minor as decimal(38, 4)) as net_amount_minor,
        case when coalesce(txn.reporting_category, txn.record_type) = 'charge'
            then 'stripe:' || txn.source_stripe_id end as payment_id,
        stripe_charges.payment_method,
        cast(null as boolean) as is_conversion_consistent
    from stripe_balance_transactions as txn
    left join stripe_charges
        on txn.source_stripe_id = stripe_charges.stripe_charge_id
    where txn.payout_id is not null
        and (txn.source_stripe_id is null or txn.source_stripe_id <> txn.payout_id)
),

-- Adyen: every row of the batch but its MerchantPayout row (that one is the payout itself).
-- net = Net Credit − Net Debit (NC); fee = the four fee columns, or −net on a Fee row.
adyen_parts as (
    select
        adyen_rows.*,
        upper(coalesce(adyen_rows.net_currency, adyen_rows.currency)) as line_currency,
        case when adyen_rows.record_type = 'Fee' then -adyen_rows.net_amount_minor
            else coalesce(adyen_rows.fee_amount_minor, 0) end as line_fee_minor,
        gross_ccy.minor_unit_exponent as gross_exponent,
        net_ccy.minor_unit_exponent as net_exponent
    from adyen_rows
    left join currencies as gross_ccy
        on upper(adyen_rows.gross_currency) = gross_ccy.currency
    left join currencies as net_ccy
        on upper(coalesce(adyen_rows.net_currency, adyen_rows.currency)) = net_ccy.currency
    where adyen_rows.payout_id is not null
        and adyen_rows.record_type <> 'MerchantPayout'
),

adyen_lines as (
    select
        'adyen' as gateway,
        payout_id,
        adyen_settlement_row_id as gateway_line_id,
        record_type as line_type,
        case
            when record_type in ('Settled', 'SettledBulk') then 'gross'
            when record_type in ('Refunded', 'RefundedBulk', 'RefundedReversed') then 'refund'
            when record_type in ('Chargeback', 'SecondChargeback', 'ChargebackReversed') then 'chargeback'
            when record_type = 'Fee' then 'fee'
            else 'adjustment'
        end as line_class,
        line_currency as currency,
        cast(net_amount_minor + line_fee_minor as decimal(38, 4)) as amount_minor,
        cast(line_fee_minor as decimal(38, 4)) as fee_amount_minor,
        cast(net_amount_minor as decimal(38, 4)) as net_amount_minor,
        case when record_type in ('Settled', 'SettledBulk') then 'adyen:' || adyen_settlement_row_id end as payment_id,
        payment_method,
        -- gross (GC) × Exchange Rate − fee = net, within 1 minor unit of NC (exponents may differ)
        case when gross_minor is not null and exchange_rate is not null then
            abs(
                {{ exact_divide('gross_minor * exchange_rate * ' ~ minor_factor('net_exponent'), minor_factor('gross_exponent')) }}
                - line_fee_minor - net_amount_minor
            ) <= 1
        end as is_conversion_consistent
    from adyen_parts
),

-- GoCardless: the payout's items; amounts signed as sent (credits > 0), one decimal, currency of
-- the payout. A fee item is all fee: amount 0, fee = −item.
gocardless_lines as (
    select
        'gocardless' as gateway,
        items.payout_id,
        items.gocardless_payout_item_id as gateway_line_id,
        items.record_type as line_type,
        case
            when items.record_type = 'payment_paid_out' then 'gross'
            when items.record_type in ('payment_refunded', 'refund') then 'refund'
            when items.record_type = 'payment_charged_back' then 'chargeback'
            when items.record_type in ('gocardless_fee', 'app_fee', 'surcharge_fee') then 'fee'
            else 'adjustment'
        end as line_class,
        upper(payouts.currency) as currency,
        case when items.record_type in ('gocardless_fee', 'app_fee', 'surcharge_fee')
            then cast(0 as decimal(38, 4)) else items.amount_minor_decimal end as amount_minor,
        case when items.record_type in ('gocardless_fee', 'app_fee', 'surcharge_fee')
            then -items.amount_minor_decimal else cast(0 as decimal(38, 4)) end as fee_amount_minor,
        items.amount_minor_decimal as net_amount_minor,
        case when items.record_type = 'payment_paid_out'
            then 'gocardless:' || items.parent_gocardless_payment_id end as payment_id,
        payments.payment_method,
        cast(null as boolean) as is_conversion_consistent
    from gocardless_payout_items as items
    left join gocardless_payouts as payouts
        on items.payout_id = payouts.gocardless_payout_id
    left join gocardless_payments as payments
        on items.parent_gocardless_payment_id = payments.gocardless_payment_id
),

final as (
    select * from stripe_lines
    union all
    select * from adyen_lines
    union all
    select * from gocardless_lines
)

select * from final
