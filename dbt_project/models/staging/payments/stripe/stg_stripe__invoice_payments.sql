-- One stripe invoice_payment per stripe id, latest version (macros/staging/payment_transactions.sql).
{{ stg_payment_transactions('stripe', 'invoice_payment', 'stripe_invoice_payment_id', 'parent_stripe_payment_id') }}
