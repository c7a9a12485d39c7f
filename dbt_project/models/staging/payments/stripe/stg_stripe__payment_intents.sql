-- One stripe payment_intent per stripe id, latest version (macros/staging/payment_transactions.sql).
{{ stg_payment_transactions('stripe', 'payment_intent', 'stripe_payment_intent_id', 'parent_stripe_id') }}
