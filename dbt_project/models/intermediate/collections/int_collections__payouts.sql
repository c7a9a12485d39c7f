-- One row per payout a gateway states (collections.md §5): its currency, arrival date, status and
-- the amount paid to the bank, > 0 (staging signs payouts as money out, so it is −amount_minor).
-- Adyen states a payout as the MerchantPayout row of a batch: amount = its Net Debit (NC).
with stripe_payouts as (
    select * from {{ ref('stg_stripe__payouts') }}
),

gocardless_payouts as (
    select * from {{ ref('stg_gocardless__payouts') }}
),

adyen_rows as (
    select * from {{ ref('stg_adyen__settlement_rows') }}
),

stripe as (
    select
        'stripe' as gateway,
        stripe_payout_id as payout_id,
        upper(currency) as currency,
        arrival_date,
        status,
        -amount_minor as payout_amount_minor,
        status in ('failed', 'canceled') as is_failed
    from stripe_payouts
),

gocardless as (
    select
        'gocardless' as gateway,
        gocardless_payout_id as payout_id,
        upper(currency) as currency,
        arrival_date,
        status,
        -amount_minor as payout_amount_minor,
        status = 'bounced' as is_failed
    from gocardless_payouts
),

-- a batch holds one MerchantPayout row; Net Credit − Net Debit = −Net Debit
adyen as (
    select
        'adyen' as gateway,
        payout_id,
        upper(coalesce(net_currency, currency)) as currency,
        arrival_date,
        cast(null as varchar) as status,
        -net_amount_minor as payout_amount_minor,
        false as is_failed
    from adyen_rows
    where record_type = 'MerchantPayout'
        and payout_id is not null
),

final as (
    select * from stripe
    union all
    select * from gocardless
    union all
    select * from adyen
)

select * from final
