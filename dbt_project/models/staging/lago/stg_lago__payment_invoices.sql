{{ stg_lago_invoice_links('lago_payment_invoices', 'lago_payments', 'payment_lago_id', 'lago_payment_id') }}
