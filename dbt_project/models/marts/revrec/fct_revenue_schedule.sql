{#- FIRST SLICE of revenue recognition (foundation issue): every invoiceable fee is treated as
    one ratable performance obligation over its service days (A4.1 cumulative rounding).
    Coupons, SSP allocation, usage spread by consumption (A4.4), credit notes and journals come
    with the revrec issue, which replaces this model. -#}
with fees as (
    select * from {{ ref('int_billing__fees') }}
    where is_invoiceable and amount_minor <> 0
),

months as (
    select generated_number - 1 as month_offset from ({{ dbt.generate_series(1200) }}) as series
),

fee_days as (
    select
        fee_id,
        external_customer_id,
        billing_entity_code,
        currency,
        fee_type,
        service_start_date,
        service_end_date,
        amount_minor as fee_amount_minor,
        {{ dbt.datediff('service_start_date', 'service_end_date', 'day') }} + 1 as service_days,
        {{ dbt.date_trunc('month', 'service_start_date') }} as first_month
    from fees
),

fee_months as (
    select
        f.*,
        cast({{ dbt.dateadd('month', 'm.month_offset', 'f.first_month') }} as date) as revenue_month
    from fee_days as f
    inner join months as m
        on cast({{ dbt.dateadd('month', 'm.month_offset', 'f.first_month') }} as date) <= f.service_end_date
),

cumulative as (
    select
        fee_months.*,
        -- service days served through the end of this month (k in A4.1)
        {{ dbt.datediff('service_start_date', 'least(service_end_date, cast(' ~ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'revenue_month')) ~ ' as date))', 'day') }} + 1 as days_through_month
    from fee_months
),

recognised as (
    select
        cumulative.*,
        {{ round_minor(exact_divide('fee_amount_minor * days_through_month', 'service_days')) }} as cumulative_recognized_minor
    from cumulative
),

final as (
    select
        fee_id,
        external_customer_id,
        billing_entity_code,
        currency,
        fee_type,
        revenue_month,
        service_start_date,
        service_end_date,
        service_days,
        fee_amount_minor,
        cumulative_recognized_minor
            - coalesce(lag(cumulative_recognized_minor) over (partition by fee_id order by revenue_month), 0)
            as recognized_amount_minor,
        cumulative_recognized_minor,
        fee_amount_minor - cumulative_recognized_minor as deferred_after_minor
    from recognised
)

select * from final
