-- Credits that reach a wallet's balance (pricing.md 6): one row per settled inbound wallet
-- transaction. Granted credits count at once; paid top-ups count when their credit invoice is
-- paid. revhouse has no payment status for credit invoices yet, so a paid top-up is treated
-- as paid at its `settled_at` (Lago sets it when the payment succeeds). Outbound
-- transactions landed from Lago are its own consumption history: revhouse computes
-- consumption itself (int_billing__wallet_applications), so they are not read here.
with wallet_transactions as (
    select * from {{ ref('stg_lago__wallet_transactions') }}
),

wallets as (
    select * from {{ ref('stg_lago__wallets') }}
),

currencies as (
    select * from {{ ref('iso_4217_currencies') }}
),

final as (
    select
        wallet_transactions.lago_wallet_transaction_id,
        wallet_transactions.lago_wallet_id,
        wallets.external_customer_id,
        upper(wallets.currency) as currency,
        currencies.minor_unit_exponent as currency_exponent,
        wallet_transactions.transaction_status,
        wallet_transactions.transaction_status = 'purchased' as is_paid_top_up,
        cast(coalesce(wallet_transactions.settled_at, wallet_transactions.created_at) as date) as credited_date,
        coalesce(wallet_transactions.settled_at, wallet_transactions.created_at) as credited_at,
        cast(coalesce(wallet_transactions.created_at, wallet_transactions.settled_at) as date) as requested_date,
        wallet_transactions.credit_amount,
        wallets.rate_amount,
        -- credits × rate = currency major units; exact decimals, not rounded: a wallet's
        -- balance may hold fractions of a minor unit (credits keep 5 decimals).
        cast(wallet_transactions.credit_amount * wallets.rate_amount * {{ minor_factor('currencies.minor_unit_exponent') }} as decimal(38, 12))
            as precise_amount_minor
    from wallet_transactions
    inner join wallets
        on wallet_transactions.lago_wallet_id = wallets.lago_wallet_id
    left join currencies
        on upper(wallets.currency) = currencies.currency
    where wallet_transactions.transaction_type = 'inbound'
      and wallet_transactions.transaction_status in ('purchased', 'granted')
      and coalesce(wallet_transactions.status, 'settled') = 'settled'
      and wallet_transactions.credit_amount > 0
)

select * from final
