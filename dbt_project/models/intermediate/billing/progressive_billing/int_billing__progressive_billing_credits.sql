-- Rating's view of the period-end deduction for threshold invoices (pricing.md 4, 5.2): what
-- the period's threshold invoices bill as rating computes them today, capped at the period's
-- charge fees; any excess is to be credited back by a credit note. One row per charge period with
-- threshold invoices, computed now or finalized earlier (so a period whose threshold
-- invoices are all frozen keeps its row even when rating no longer sees a crossing). The
-- invoice deducts int_billing__invoice_progressive_credits, which counts a finalized threshold
-- invoice as it was frozen (pricing.md 8).
with progressive_fees as (
    select * from {{ ref('int_billing__progressive_billing_fees') }}
),

charge_fees as (
    select * from {{ ref('int_billing__charge_fees') }}
),

charge_periods as (
    select * from {{ ref('int_billing__charge_periods') }}
),

-- Frozen by earlier runs (macros/invoicing/frozen_state.sql), read without a ref: the marts
-- sit downstream of rating.
frozen_invoices as (
    {{ frozen_rows('fct_finalized_invoices', {'invoice_id': dbt.type_string(), 'invoice_type': dbt.type_string()}) }}
),

frozen_fees as (
    {{ frozen_rows('fct_finalized_invoice_fees', {'invoice_id': dbt.type_string(), 'external_subscription_id': dbt.type_string(), 'service_start_date': 'date'}) }}
),

-- Threshold invoice fees run from their charge period's start.
frozen_threshold_periods as (
    select distinct charge_periods.charge_period_id
    {{ from_frozen_threshold_fees() }}
),

billed as (
    select charge_period_id, sum(amount_minor) as progressive_billed_minor
    from (
        select charge_period_id, amount_minor from progressive_fees
        union all
        select charge_period_id, 0 as amount_minor from frozen_threshold_periods
    ) as threshold_amounts
    group by charge_period_id
),

matching as (
    select charge_period_id, sum(amount_minor) as charge_fees_minor
    from charge_fees
    group by charge_period_id
),

final as (
    select
        {{ rating_hash(['billed.charge_period_id', "'progressive_credit'"]) }} as progressive_credit_id,
        {{ invoice_group_key('charge_periods.external_customer_id', 'charge_periods.billing_entity_code', 'charge_periods.currency', 'charge_periods.issuing_date') }} as invoice_group_key,
        billed.charge_period_id,
        charge_periods.external_customer_id,
        charge_periods.external_subscription_id,
        charge_periods.billing_entity_code,
        charge_periods.currency,
        charge_periods.issuing_date,
        billed.progressive_billed_minor,
        coalesce(matching.charge_fees_minor, 0) as charge_fees_minor,
        case
            when billed.progressive_billed_minor > coalesce(matching.charge_fees_minor, 0) then coalesce(matching.charge_fees_minor, 0)
            else billed.progressive_billed_minor
        end as credit_amount_minor,
        case
            when billed.progressive_billed_minor > coalesce(matching.charge_fees_minor, 0)
                then billed.progressive_billed_minor - coalesce(matching.charge_fees_minor, 0)
            else 0
        end as excess_credit_note_amount_minor
    from billed
    inner join charge_periods on billed.charge_period_id = charge_periods.charge_period_id
    left join matching on billed.charge_period_id = matching.charge_period_id
)

select * from final
