-- Paid wallet top-ups are billed on a credit invoice (pricing.md 6): one invoice per paid
-- top-up, issued the day the top-up was requested (Lago bills it when it creates the
-- transaction, still pending; the credits reach the balance only once it is settled, and a
-- failed payment leaves the invoice issued), with one line = credits × rate_amount
-- rounded once to the minor unit, and no tax (it is an advance; tax is charged when the
-- credits pay for fees). No coupons, credit notes or wallets apply to it. Its entity is
-- the customer's.
with wallet_topups as (
    select * from {{ ref('int_billing__wallet_topups') }}
),

customers as (
    select * from {{ ref('stg_lago__customers') }}
),

final as (
    select
        {{ dbt.concat(["'credit-'", 'wallet_topups.lago_wallet_transaction_id']) }} as invoice_id,
        {{ dbt.concat(["'credit-fee-'", 'wallet_topups.lago_wallet_transaction_id']) }} as fee_id,
        wallet_topups.lago_wallet_transaction_id,
        wallet_topups.lago_wallet_id,
        wallet_topups.external_customer_id,
        customers.billing_entity_code,
        wallet_topups.currency,
        wallet_topups.currency_exponent,
        wallet_topups.requested_date as issuing_date,
        wallet_topups.wallet_transaction_status,
        wallet_topups.credit_amount,
        wallet_topups.rate_amount,
        wallet_topups.precise_amount_minor,
        {{ round_minor('wallet_topups.precise_amount_minor') }} as amount_minor
    from wallet_topups
    left join customers
        on wallet_topups.external_customer_id = customers.external_customer_id
    where wallet_topups.is_paid_top_up
)

select * from final
