-- The plan fees a contract says should be billed: one row per contracted plan item (a mapped
-- plan, charge_code null) × billing period of that plan from the contract's start up to its
-- end and the report date. Computed here from the contract alone (there is no billing
-- subscription to read when a contract was never billed), by pricing.md 3: calendar periods
-- (Lago's default billing time) of the plan's interval; the plan's trial days from the start
-- bill nothing; a partial first or last period = round(unit price × days ÷ days of the full
-- period); in advance issued on the first billed day, in arrears the day after the period
-- (or the contract's last day).
with items as (
    select * from {{ ref('int_assurance__contracted_items') }}
    where plan_code is not null and charge_code is null and start_date is not null
),

plans as (
    select * from {{ ref('stg_lago__plans') }}
),

report_date as (
    select * from {{ ref('int_revrec__report_date') }}
),

numbers as (
    {{ dbt.generate_series(600) }}
),

contracted as (
    select
        items.contract_item_id,
        items.contract_id,
        items.external_customer_id,
        items.plan_code,
        items.currency,
        items.unit_price_minor,
        items.start_date,
        items.end_date,
        plans.plan_interval,
        plans.is_pay_in_advance,
        cast({{ dbt.dateadd('day', 'cast(floor(coalesce(plans.trial_period_days, 0)) as integer)', 'items.start_date') }} as date)
            as trial_end_date,
        {{ calendar_period_anchor('plans.plan_interval', 'items.start_date') }} as anchor_date,
        report_date.report_date
    from items
    inner join plans on items.plan_code = plans.plan_code
    cross join report_date
),

generated as (
    select
        contracted.*,
        cast(numbers.generated_number - 1 as integer) as period_index,
        {{ billing_period_start('plan_interval', 'anchor_date', 'numbers.generated_number') }} as period_start_date,
        {{ billing_period_end('plan_interval', 'anchor_date', 'numbers.generated_number') }} as period_end_date
    from contracted
    inner join numbers
        on numbers.generated_number <= {{ billing_periods_until('plan_interval', 'anchor_date', 'report_date') }}
),

billed_days as (
    select
        generated.*,
        case
            when trial_end_date > period_start_date and trial_end_date > start_date then trial_end_date
            when start_date > period_start_date then start_date
            else period_start_date
        end as service_start_date,
        case
            when end_date is not null and end_date < period_end_date then end_date
            else period_end_date
        end as service_end_date
    from generated
    where period_start_date <= report_date
        and (end_date is null or period_start_date <= end_date)
),

final as (
    select
        {{ dbt.concat(["contract_item_id", "'|'", "cast(period_start_date as " ~ dbt.type_string() ~ ")"]) }} as contracted_period_id,
        contract_item_id,
        contract_id,
        external_customer_id,
        plan_code,
        currency,
        plan_interval,
        is_pay_in_advance,
        period_index,
        period_start_date,
        period_end_date,
        service_start_date,
        service_end_date,
        {{ days_inclusive('period_start_date', 'period_end_date') }} as full_period_days,
        {{ days_inclusive('service_start_date', 'service_end_date') }} as service_days,
        unit_price_minor,
        {{ round_minor(exact_divide('unit_price_minor * ' ~ days_inclusive('service_start_date', 'service_end_date'), days_inclusive('period_start_date', 'period_end_date'))) }}
            as contracted_amount_minor,
        case
            when is_pay_in_advance then service_start_date
            else cast({{ dbt.dateadd('day', 1, 'service_end_date') }} as date)
        end as issuing_date,
        report_date
    from billed_days
    where service_end_date >= service_start_date
)

select * from final
