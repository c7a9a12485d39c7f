-- One adyen settlement_row per adyen id, latest version (macros/staging/payment_transactions.sql).
{{ stg_payment_transactions('adyen', 'settlement_row', 'adyen_settlement_row_id', 'parent_psp_reference') }}
