-- billed_days / full_period_days were added to the frozen fee lines after warehouses had
-- frozen invoices: rows frozen before keep their values byte for byte and read NULL there
-- (on_schema_change append_new_columns, documented in _billing__models.yml). From the first
-- run that froze a row with them, every row frozen must have them: no silent NULL on a new
-- build. Wallet top-up lines (credit invoices) are not priced over days: NULL by design.
-- (A warehouse where no frozen row has them yet cannot tell old from new; the relationships
-- test on int_billing__invoice_fees.fee_id guards the same figures meanwhile.)
with frozen_fees as (
    select * from {{ ref('fct_finalized_invoice_fees') }}
),

frozen_invoices as (
    select * from {{ ref('fct_finalized_invoices') }}
),

located as (
    select frozen_fees.fee_id, frozen_fees.billed_days, frozen_fees.full_period_days, frozen_invoices.frozen_at
    from frozen_fees
    inner join frozen_invoices on frozen_fees.invoice_id = frozen_invoices.invoice_id
    where frozen_fees.fee_type <> 'wallet_top_up'
),

introduced as (
    select min(frozen_at) as first_frozen_at from located where billed_days is not null
)

select located.fee_id, located.frozen_at
from located
cross join introduced
where (located.billed_days is null or located.full_period_days is null)
    and located.frozen_at >= introduced.first_frozen_at
