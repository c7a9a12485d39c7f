-- Credits put into a wallet (pricing.md 6): one row per inbound purchased or granted wallet
-- transaction, whatever its status. Lago creates a paid top-up `pending` and bills it at
-- once on a credit invoice (int_billing__wallet_credit_invoices, from requested_date); the
-- credits reach the balance only when that invoice is paid, which Lago records by settling
-- the transaction (`status` settled, `settled_at`): credited_date is that day, null while
-- pending or once failed. Granted credits are settled at creation. revhouse has no payment
-- status for credit invoices yet, so Lago's settlement is what it reads. A transaction landed
-- without a status (older exports) counts as settled, as before. Outbound transactions
-- landed from Lago are its own consumption history: revhouse computes consumption itself
-- (int_billing__wallet_applications), so they are not read here.
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
        coalesce(wallet_transactions.status, 'settled') as wallet_transaction_status,
        coalesce(wallet_transactions.status, 'settled') = 'settled' as is_settled,
        cast(case
            when coalesce(wallet_transactions.status, 'settled') = 'settled'
                then coalesce(wallet_transactions.settled_at, wallet_transactions.created_at)
        end as date) as credited_date,
        case
            when coalesce(wallet_transactions.status, 'settled') = 'settled'
                then coalesce(wallet_transactions.settled_at, wallet_transactions.created_at)
        end as credited_at,
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
      and wallet_transactions.credit_amount > 0
)

select * from final
