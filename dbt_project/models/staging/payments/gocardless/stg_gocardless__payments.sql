-- One gocardless payment per gocardless id, latest version (macros/staging/payment_transactions.sql).
{{ stg_payment_transactions('gocardless', 'payment', 'gocardless_payment_id', 'parent_gocardless_id') }}
