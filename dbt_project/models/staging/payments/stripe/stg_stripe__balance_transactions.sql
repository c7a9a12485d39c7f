-- One stripe balance_transaction per stripe id, latest version (macros/staging/payment_transactions.sql);
-- payout_id from the transaction, else from the Fivetran payout_balance_transaction rows.
{{ stg_payment_transactions('stripe', 'balance_transaction', 'stripe_balance_transaction_id', 'source_stripe_id',
   payout_links='stg_stripe__payout_balance_transactions') }}
