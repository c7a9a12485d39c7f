-- One gocardless refund per gocardless id, latest version (macros/staging/payment_transactions.sql).
{{ stg_payment_transactions('gocardless', 'refund', 'gocardless_refund_id', 'gocardless_payment_id') }}
