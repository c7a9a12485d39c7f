-- B2: a month's MRR is the daily balance at the end of its last day. Every month-end snapshot
-- of int_metrics__mrr_customer_months equals fct_mrr_daily on that day (rows returned = failures).
with months as (
    select * from {{ ref('int_metrics__mrr_customer_months') }}
),

daily as (
    select * from {{ ref('fct_mrr_daily') }}
),

final as (
    select
        months.external_customer_id,
        months.currency,
        months.month_end_date,
        months.closing_mrr_minor,
        daily.mrr_minor as daily_mrr_minor
    from months
    left join daily
        on months.external_customer_id = daily.external_customer_id
        and months.currency = daily.currency
        and months.month_end_date = daily.mrr_date
    where daily.mrr_minor is null or daily.mrr_minor <> months.closing_mrr_minor
)

select * from final
