-- One Fivetran payout ↔ balance transaction link per (payout, balance transaction), latest sync
-- (macros/staging/payment_transactions.sql).
{{ stg_payment_transactions('stripe', 'payout_balance_transaction', 'stripe_payout_balance_transaction_id', 'stripe_balance_transaction_id') }}
