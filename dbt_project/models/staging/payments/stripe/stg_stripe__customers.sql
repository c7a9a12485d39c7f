-- One stripe customer per stripe id, latest version (macros/staging/payment_customers.sql).
{{ stg_payment_customers('stripe', 'stripe_customer_id') }}
