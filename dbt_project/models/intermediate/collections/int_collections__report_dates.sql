-- One row per date receivables are reported at (collections.md 6.2, 6.3): every month end from
-- the month of the first receivable invoice's finalization up to the build's `as_of` date, and
-- the `as_of` date itself (it is a month end too when `as_of` falls on one).
with invoices as (
    select * from {{ ref('int_collections__receivable_invoices') }}
),

billing_now as (
    select cast({{ rating_as_of_at(ref('stg_reference__settings')) }} as date) as as_of_date
),

first_month as (
    select cast({{ dbt.date_trunc('month', 'min(finalized_at)') }} as date) as first_month_start
    from invoices
),

month_ends as (
    select
        cast({{ dbt.last_day(dbt.dateadd('month', 'offsets.n', 'first_month.first_month_start'), 'month') }} as date) as report_date
    from first_month
    cross join ({{ integers(3) }}) as offsets
    where first_month.first_month_start is not null
),

final as (
    select month_ends.report_date, true as is_month_end, month_ends.report_date = billing_now.as_of_date as is_as_of_date
    from month_ends
    cross join billing_now
    where month_ends.report_date <= billing_now.as_of_date
    union all
    select billing_now.as_of_date as report_date, false as is_month_end, true as is_as_of_date
    from billing_now
    where billing_now.as_of_date <> cast({{ dbt.last_day('billing_now.as_of_date', 'month') }} as date)
)

select * from final
