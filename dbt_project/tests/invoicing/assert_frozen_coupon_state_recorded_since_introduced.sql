-- The applied coupon's state after each invoice (coupon_status, remaining_*) was added to the
-- frozen discounts after warehouses had frozen invoices: rows frozen before keep their values
-- and read NULL there (append_new_columns). From the first run that froze a row with a
-- status, every frozen row must have one (remaining_* are NULL by design for the coupon kinds
-- Lago does not count down).
with frozen_discounts as (
    select * from {{ ref('fct_finalized_invoice_discounts') }}
),

frozen_invoices as (
    select * from {{ ref('fct_finalized_invoices') }}
),

located as (
    select frozen_discounts.invoice_id, frozen_discounts.lago_applied_coupon_id, frozen_discounts.coupon_status,
        frozen_invoices.frozen_at
    from frozen_discounts
    inner join frozen_invoices on frozen_discounts.invoice_id = frozen_invoices.invoice_id
),

introduced as (
    select min(frozen_at) as first_frozen_at from located where coupon_status is not null
)

select located.invoice_id, located.lago_applied_coupon_id, located.frozen_at
from located
cross join introduced
where located.coupon_status is null
    and located.frozen_at >= introduced.first_frozen_at
