-- An entity default tax code that is not a known Lago tax would leave its fees untaxed
-- without a rate: report it rather than tax at nothing.
{{ config(severity='warn') }}
select lines.fee_id, lines.tax_code
from {{ ref('int_billing__tax_fee_lines') }} as lines
where lines.tax_rate is null
