{{ stg_lago_invoice_links('lago_payment_request_invoices', 'lago_payment_requests', 'payment_request_lago_id', 'lago_payment_request_id') }}
