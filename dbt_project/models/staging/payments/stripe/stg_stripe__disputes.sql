-- One stripe dispute per stripe id, latest version (macros/staging/payment_transactions.sql).
{{ stg_payment_transactions('stripe', 'dispute', 'stripe_dispute_id', 'parent_stripe_id') }}
