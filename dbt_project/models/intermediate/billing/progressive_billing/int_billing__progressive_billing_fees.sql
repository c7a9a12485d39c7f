-- Threshold (progressive billing) invoice fees, pricing.md 4. Already invoiced usage =
-- lifetime charge fees of the subscription's earlier charge periods (as their finalized
-- invoices froze them, pricing.md 8; as computed now while still open) + what this period's
-- threshold invoices billed. Because cumulative usage only grows, a threshold fires on the
-- first usage day whose total (lifetime + period-to-date) passes it: a fixed threshold T when
-- previous total < T ≤ total; past the largest fixed one, the recurring amount every step.
-- A threshold invoice bills each fee key's cumulative amount less what the period's earlier
-- threshold invoices billed for it: a finalized one as it was frozen (late events or a
-- corrected catalog do not re-bill or refund it here), an open one as computed now. NOT part
-- of int_billing__fees: invoice assembly adds these and deducts them at period end
-- (int_billing__invoice_progressive_credits, see yml).
with usage_days as (
    select * from {{ ref('int_billing__progressive_usage_days') }}
),

charge_periods as (
    select * from {{ ref('int_billing__charge_periods') }}
),

charge_fees as (
    select * from {{ ref('int_billing__charge_fees') }}
),

thresholds as (
    select * from {{ ref('stg_lago__plan_usage_thresholds') }}
),

properties as (
    select * from {{ ref('int_billing__charge_properties') }}
),

-- Frozen by earlier runs (macros/invoicing/frozen_state.sql), read without a ref: the marts
-- sit downstream of rating.
frozen_fees as (
    {{ frozen_rows('fct_finalized_invoice_fees', {'fee_id': dbt.type_string(), 'invoice_id': dbt.type_string(), 'external_subscription_id': dbt.type_string(), 'charge_lago_id': dbt.type_string(), 'charge_filter_index': 'integer', 'grouped_by': dbt.type_string(), 'service_start_date': 'date', 'service_end_date': 'date', 'precise_amount_minor': 'decimal(38, 12)', 'amount_minor': 'bigint'}) }}
),

frozen_invoices as (
    {{ frozen_rows('fct_finalized_invoices', {'invoice_id': dbt.type_string(), 'invoice_type': dbt.type_string()}) }}
),

-- Finalized threshold invoice fees of each charge period (they run from its start), per fee
-- key and threshold day.
frozen_threshold_fees as (
    select
        charge_periods.charge_period_id,
        frozen_fees.service_end_date as threshold_date,
        frozen_fees.charge_lago_id,
        frozen_fees.charge_filter_index,
        frozen_fees.grouped_by,
        frozen_fees.precise_amount_minor,
        frozen_fees.amount_minor
    {{ from_frozen_threshold_fees() }}
),

frozen_threshold_days as (
    select distinct charge_period_id, threshold_date from frozen_threshold_fees
),

-- A fee of a finalized invoice counts what that invoice billed, even if late events or a
-- corrected catalog change it now.
invoiced_charge_fees as (
    select
        charge_fees.external_subscription_id,
        charge_fees.service_end_date,
        coalesce(frozen_fees.amount_minor, charge_fees.amount_minor) as amount_minor
    from charge_fees
    left join frozen_fees on charge_fees.fee_id = frozen_fees.fee_id
),

-- lifetime usage invoiced before each charge period (earlier periods of the external id)
lifetime as (
    select
        charge_periods.charge_period_id,
        coalesce(sum(invoiced_charge_fees.amount_minor), 0) as lifetime_before_minor
    from charge_periods
    left join invoiced_charge_fees
        on charge_periods.external_subscription_id = invoiced_charge_fees.external_subscription_id
        and invoiced_charge_fees.service_end_date < charge_periods.charge_service_start_date
    group by charge_periods.charge_period_id
),

daily_totals as (
    select
        usage_days.charge_period_id,
        usage_days.as_of_usage_date,
        sum(usage_days.cumulative_amount_minor) as period_usage_minor
    from usage_days
    group by usage_days.charge_period_id, usage_days.as_of_usage_date
),

totals as (
    select
        daily_totals.*,
        charge_periods.plan_code,
        lifetime.lifetime_before_minor + daily_totals.period_usage_minor as total_minor,
        lifetime.lifetime_before_minor + coalesce(lag(daily_totals.period_usage_minor) over (
            partition by daily_totals.charge_period_id order by daily_totals.as_of_usage_date
        ), 0) as previous_total_minor
    from daily_totals
    inner join charge_periods on daily_totals.charge_period_id = charge_periods.charge_period_id
    inner join lifetime on daily_totals.charge_period_id = lifetime.charge_period_id
),

fixed_max as (
    select plan_code, max(amount_minor) as largest_fixed_minor
    from thresholds
    where not is_recurring
    group by plan_code
),

crossings as (
    select
        totals.charge_period_id,
        totals.as_of_usage_date,
        sum(case
            when not thresholds.is_recurring
                and thresholds.amount_minor > totals.previous_total_minor
                and thresholds.amount_minor <= totals.total_minor then 1
            -- recurring steps F + k·R (k ≥ 1) crossed between the two totals
            when thresholds.is_recurring and thresholds.amount_minor > 0
                and totals.total_minor > coalesce(fixed_max.largest_fixed_minor, 0)
                and floor({{ exact_divide('totals.total_minor - coalesce(fixed_max.largest_fixed_minor, 0)', 'thresholds.amount_minor') }})
                    > floor({{ exact_divide("case when totals.previous_total_minor > coalesce(fixed_max.largest_fixed_minor, 0)
                        then totals.previous_total_minor else coalesce(fixed_max.largest_fixed_minor, 0) end
                        - coalesce(fixed_max.largest_fixed_minor, 0)", 'thresholds.amount_minor') }}) then 1
            else 0
        end) as crossed_count
    from totals
    inner join thresholds on totals.plan_code = thresholds.plan_code
    left join fixed_max on totals.plan_code = fixed_max.plan_code
    group by totals.charge_period_id, totals.as_of_usage_date
),

-- What the earlier threshold invoices of the period billed for a key: up to the latest open
-- (not finalized) fire day, its cumulative amount (it billed the rest up to there); after
-- it, the frozen amounts of the finalized ones. Without finalized ones this is the previous
-- fire day's cumulative amount.
fire_days as (
    select
        crossings.charge_period_id,
        crossings.as_of_usage_date,
        max(case when frozen_threshold_days.threshold_date is null then crossings.as_of_usage_date end) over (
            partition by crossings.charge_period_id order by crossings.as_of_usage_date
            rows between unbounded preceding and 1 preceding
        ) as last_open_fire_date
    from crossings
    left join frozen_threshold_days
        on crossings.charge_period_id = frozen_threshold_days.charge_period_id
        and crossings.as_of_usage_date = frozen_threshold_days.threshold_date
    where crossings.crossed_count > 0
),

frozen_billed_before as (
    select
        fire_days.charge_period_id,
        fire_days.as_of_usage_date,
        frozen_threshold_fees.charge_lago_id,
        frozen_threshold_fees.charge_filter_index,
        frozen_threshold_fees.grouped_by,
        sum(frozen_threshold_fees.precise_amount_minor) as precise_amount_minor,
        sum(frozen_threshold_fees.amount_minor) as amount_minor
    from fire_days
    inner join frozen_threshold_fees
        on fire_days.charge_period_id = frozen_threshold_fees.charge_period_id
        and frozen_threshold_fees.threshold_date < fire_days.as_of_usage_date
        and (fire_days.last_open_fire_date is null or frozen_threshold_fees.threshold_date > fire_days.last_open_fire_date)
    group by fire_days.charge_period_id, fire_days.as_of_usage_date, frozen_threshold_fees.charge_lago_id,
        frozen_threshold_fees.charge_filter_index, frozen_threshold_fees.grouped_by
),

billed as (
    select
        fire_days.charge_period_id,
        fire_days.as_of_usage_date,
        current_day.charge_lago_id,
        current_day.charge_filter_index,
        current_day.grouped_by,
        current_day.units,
        current_day.events_count,
        current_day.usage_through_at,
        current_day.cumulative_amount_minor - coalesce(open_day.cumulative_amount_minor, 0)
            - coalesce(frozen_billed_before.amount_minor, 0) as amount_minor,
        current_day.cumulative_precise_amount_minor - coalesce(open_day.cumulative_precise_amount_minor, 0)
            - coalesce(frozen_billed_before.precise_amount_minor, 0) as precise_amount_minor
    from fire_days
    inner join usage_days as current_day
        on fire_days.charge_period_id = current_day.charge_period_id
        and fire_days.as_of_usage_date = current_day.as_of_usage_date
    left join usage_days as open_day
        on fire_days.charge_period_id = open_day.charge_period_id
        and fire_days.last_open_fire_date = open_day.as_of_usage_date
        and current_day.charge_lago_id = open_day.charge_lago_id
        and current_day.charge_filter_index = open_day.charge_filter_index
        and coalesce(current_day.grouped_by, '') = coalesce(open_day.grouped_by, '')
    left join frozen_billed_before
        on fire_days.charge_period_id = frozen_billed_before.charge_period_id
        and fire_days.as_of_usage_date = frozen_billed_before.as_of_usage_date
        and current_day.charge_lago_id = frozen_billed_before.charge_lago_id
        and current_day.charge_filter_index = frozen_billed_before.charge_filter_index
        and coalesce(current_day.grouped_by, '') = coalesce(frozen_billed_before.grouped_by, '')
),

final as (
    select
        {{ fee_id('charge_periods.external_subscription_id', 'charge_periods.lago_subscription_id', 'billed.charge_lago_id', 'billed.charge_filter_index', 'billed.grouped_by', 'charge_periods.charge_service_start_date', "'progressive'", 'billed.as_of_usage_date') }} as fee_id,
        {{ invoice_group_key('charge_periods.external_customer_id', 'charge_periods.billing_entity_code', 'charge_periods.currency', 'billed.as_of_usage_date') }} as invoice_group_key,
        billed.charge_period_id,
        charge_periods.lago_subscription_id,
        charge_periods.external_customer_id,
        charge_periods.external_subscription_id,
        charge_periods.billing_entity_code,
        charge_periods.currency,
        charge_periods.currency_exponent,
        'charge' as fee_type,
        charge_periods.plan_code,
        billed.charge_lago_id,
        properties.billable_metric_code,
        billed.charge_filter_index,
        billed.grouped_by,
        billed.units,
        cast(billed.events_count as bigint) as events_count,
        cast(billed.precise_amount_minor as decimal(38, 12)) as precise_amount_minor,
        cast(billed.amount_minor as bigint) as amount_minor,
        charge_periods.charge_service_start_date as service_start_date,
        billed.as_of_usage_date as service_end_date,
        charge_periods.charge_from_at as period_from_at,
        -- a threshold invoice bills usage up to the end of its day, or up to the billing
        -- instant when it fires on the billing day (pricing.md 4)
        billed.usage_through_at as period_to_at,
        billed.as_of_usage_date as issuing_date,
        false as is_pay_in_advance,
        properties.is_invoiceable,
        properties.is_prorated,
        {{ dbt.concat(["'Progressive billing: '", 'properties.description']) }} as description
    from billed
    inner join charge_periods on billed.charge_period_id = charge_periods.charge_period_id
    inner join properties
        on billed.charge_lago_id = properties.charge_lago_id
        and billed.charge_filter_index = properties.charge_filter_index
    where billed.amount_minor > 0
)

select * from final
