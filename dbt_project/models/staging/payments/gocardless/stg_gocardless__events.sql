-- One gocardless event per gocardless id, latest version (macros/staging/payment_transactions.sql).
{{ stg_payment_transactions('gocardless', 'event', 'gocardless_event_id', 'gocardless_resource_id') }}
