-- Each fee is rounded once, half away from zero, from its own precise amount (pricing.md 0).
select fee_id, precise_amount_minor, amount_minor
from {{ ref('int_billing__fees') }}
where amount_minor <> {{ round_minor('precise_amount_minor') }}
