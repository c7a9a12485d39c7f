-- The period-end invoice deducts what the period's threshold invoices billed (pricing.md 4,
-- 5.2): before taxes, capped at the period's matching charge fees; any excess is to be
-- refunded as a credit note. One row per charge period with threshold invoices.
with progressive_fees as (
    select * from {{ ref('int_billing__progressive_billing_fees') }}
),

charge_fees as (
    select * from {{ ref('int_billing__charge_fees') }}
),

charge_periods as (
    select * from {{ ref('int_billing__charge_periods') }}
),

billed as (
    select charge_period_id, sum(amount_minor) as progressive_billed_minor
    from progressive_fees
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
