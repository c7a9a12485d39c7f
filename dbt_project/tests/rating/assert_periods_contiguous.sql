-- Billing periods of one subscription version follow each other without gap or overlap.
with ordered as (
    select
        lago_subscription_id,
        period_start_date,
        lag(period_end_date) over (partition by lago_subscription_id order by period_start_date) as previous_end_date
    from {{ ref('int_billing__subscription_periods') }}
)

select *
from ordered
where previous_end_date is not null
    and period_start_date <> cast({{ dbt.dateadd('day', 1, 'previous_end_date') }} as date)
