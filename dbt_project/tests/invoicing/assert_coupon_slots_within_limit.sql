-- int_billing__coupon_fee_shares unrolls one pass per coupon slot; a customer with more
-- applied coupons than passes would lose discounts silently, so it fails here instead
-- (raise var invoicing_max_coupon_slots).
select external_customer_id, max(coupon_slot) as coupon_slots
from {{ ref('int_billing__coupon_slots') }}
group by external_customer_id
having max(coupon_slot) > {{ var('invoicing_max_coupon_slots', 6) }}
