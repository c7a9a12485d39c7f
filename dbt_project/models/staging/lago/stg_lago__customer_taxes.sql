{{ stg_lago_tax_links('lago_customer_taxes', 'external_customer_id') }}
