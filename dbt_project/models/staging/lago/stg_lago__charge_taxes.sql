{{ stg_lago_tax_links('lago_charge_taxes', 'charge_lago_id') }}
