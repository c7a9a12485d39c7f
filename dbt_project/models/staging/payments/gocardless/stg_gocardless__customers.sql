-- One gocardless customer per gocardless id, latest version (macros/staging/payment_customers.sql).
{{ stg_payment_customers('gocardless', 'gocardless_customer_id') }}
