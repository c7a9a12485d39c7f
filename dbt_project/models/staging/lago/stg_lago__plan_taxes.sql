{{ stg_lago_tax_links('lago_plan_taxes', 'plan_code') }}
