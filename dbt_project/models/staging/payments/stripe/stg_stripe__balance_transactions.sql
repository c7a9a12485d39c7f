-- One stripe balance_transaction per stripe id, latest version (macros/staging/payment_transactions.sql).
{{ stg_payment_transactions('stripe', 'balance_transaction', 'stripe_balance_transaction_id', 'source_stripe_id') }}
