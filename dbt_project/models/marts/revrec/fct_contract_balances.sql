-- A6 contract balances at every month end and at the report date (int_revrec__contract_balances_daily).
with daily as (
    select * from {{ ref('int_revrec__contract_balances_daily') }}
),

report_date as (
    select * from {{ ref('int_revrec__report_date') }}
),

final as (
    select
        daily.contract_id,
        daily.balance_date,
        daily.period,
        daily.external_customer_id,
        daily.billing_entity_code,
        daily.currency,
        daily.billed_to_date_minor,
        daily.recognized_to_date_minor,
        daily.position_minor,
        daily.deferred_revenue_minor,
        daily.unbilled_receivable_minor,
        daily.is_month_end,
        daily.balance_date = report_date.report_date as is_report_date
    from daily
    cross join report_date
    where daily.is_month_end or daily.balance_date = report_date.report_date
)

select * from final
