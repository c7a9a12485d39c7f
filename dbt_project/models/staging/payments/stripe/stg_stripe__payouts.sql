-- One stripe payout per stripe id, latest version (macros/staging/payment_transactions.sql).
{{ stg_payment_transactions('stripe', 'payout', 'stripe_payout_id', 'parent_stripe_id') }}
