-- Charge minimum spend (pricing.md 2): per charge period and charge, when the charge's rounded
-- fees (all filters and groups, in arrears and in advance) stay below min_amount_cents
-- prorated by the days billed, a true-up fee tops them up.
with charge_periods as (
    select * from {{ ref('int_billing__charge_periods') }}
),

charges as (
    select * from {{ ref('stg_lago__charges') }}
    where min_amount_minor > 0
),

charge_fees as (
    select charge_period_id, charge_lago_id, amount_minor from {{ ref('int_billing__charge_fees') }}
    union all
    select charge_period_id, charge_lago_id, amount_minor from {{ ref('int_billing__advance_charge_fees') }}
),

fee_totals as (
    select charge_period_id, charge_lago_id, sum(amount_minor) as fees_amount_minor
    from charge_fees
    group by charge_period_id, charge_lago_id
),

minimums as (
    select
        charge_periods.*,
        charges.charge_lago_id,
        charges.billable_metric_code,
        charges.is_invoiceable,
        coalesce(charges.invoice_display_name, charges.billable_metric_code) as charge_description,
        coalesce(fee_totals.fees_amount_minor, 0) as fees_amount_minor,
        {{ exact_divide('cast(charges.min_amount_minor as decimal(38, 12)) * ' ~ days_inclusive('charge_periods.charge_service_start_date', 'charge_periods.charge_service_end_date'), 'charge_periods.charge_full_period_days') }} as prorated_minimum_minor
    from charge_periods
    inner join charges on charge_periods.plan_code = charges.plan_code
    left join fee_totals
        on charge_periods.charge_period_id = fee_totals.charge_period_id
        and charges.charge_lago_id = fee_totals.charge_lago_id
),

final as (
    select
        {{ fee_id('external_subscription_id', 'lago_subscription_id', 'charge_lago_id', "cast(null as integer)", "cast(null as varchar)", 'charge_service_start_date', "'charge_min_true_up'") }} as fee_id,
        charge_period_id,
        {{ fee_owner_columns() }},
        'charge_min_true_up' as fee_type,
        plan_code,
        charge_lago_id,
        billable_metric_code,
        0 as charge_filter_index,
        cast(null as {{ dbt.type_string() }}) as grouped_by,
        cast(1 as decimal(38, 12)) as units,
        cast(0 as bigint) as events_count,
        prorated_minimum_minor,
        fees_amount_minor,
        cast(prorated_minimum_minor - fees_amount_minor as decimal(38, 12)) as precise_amount_minor,
        {{ round_minor('prorated_minimum_minor - fees_amount_minor') }} as amount_minor,
        charge_service_start_date as service_start_date,
        charge_service_end_date as service_end_date,
        charge_from_at as period_from_at,
        charge_to_at as period_to_at,
        issuing_date,
        false as is_pay_in_advance,
        is_invoiceable,
        {{ days_inclusive('charge_service_start_date', 'charge_service_end_date') }} < charge_full_period_days as is_prorated,
        {{ dbt.concat(["'Minimum spend: '", 'charge_description']) }} as description,
        as_of_date
    from minimums
    where {{ round_minor('prorated_minimum_minor - fees_amount_minor') }} > 0
)

select * from final
