-- pricing.md 0: negative units or amounts are clamped to 0, so no fee may carry one.
select fee_id, units, precise_amount_minor, amount_minor
from {{ ref('int_billing__fees') }}
where units < 0 or precise_amount_minor < 0 or amount_minor < 0
