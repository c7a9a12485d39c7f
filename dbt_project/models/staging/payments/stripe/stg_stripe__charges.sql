-- One stripe charge per stripe id, latest version (macros/staging/payment_transactions.sql).
{{ stg_payment_transactions('stripe', 'charge', 'stripe_charge_id', 'parent_stripe_payment_intent_id') }}
