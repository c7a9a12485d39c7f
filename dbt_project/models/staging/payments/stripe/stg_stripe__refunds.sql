-- One stripe refund per stripe id, latest version (macros/staging/payment_transactions.sql).
{{ stg_payment_transactions('stripe', 'refund', 'stripe_refund_id', 'parent_stripe_id') }}
