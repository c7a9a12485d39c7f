-- One gocardless payout item per (payout, position), latest landed (macros/staging/payment_transactions.sql).
{{ stg_payment_transactions('gocardless', 'payout_item', 'gocardless_payout_item_id', 'parent_gocardless_payment_id') }}
