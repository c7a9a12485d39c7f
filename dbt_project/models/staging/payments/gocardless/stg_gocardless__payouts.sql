-- One gocardless payout per gocardless id, latest version (macros/staging/payment_transactions.sql).
{{ stg_payment_transactions('gocardless', 'payout', 'gocardless_payout_id', 'parent_gocardless_id') }}
