-- pricing.md 5.3: each coupon's pro-rata shares add up to its whole-unit discount (within
-- the 12-decimal truncation dust of the division), so taxable bases lose nothing.
select invoice_id, lago_applied_coupon_id
from {{ ref('int_billing__coupon_fee_shares') }}
group by invoice_id, lago_applied_coupon_id
having abs(max(coupon_amount_minor) - sum(precise_coupon_share_minor)) > 0.000001
