-- One row per currency × month end (collections.md 6.3): days sales outstanding by the simple
-- method (AR ÷ sales of the last `dso.months` calendar months × their days, default 3) and by
-- countback (walk back from the month-end month while the AR left covers a whole month's sales,
-- then the fraction of the month it covers; at most 12 months back, then flagged). AR = Σ open
-- amounts at the month end (6.1); sales(m) = Σ total of the invoices finalized in month m and not
-- voided by the month end. Both rounded half away from zero to 0.1 day.
with invoices as (
    select * from {{ ref('int_collections__receivable_invoices') }}
),

open_invoices as (
    select * from {{ ref('int_collections__open_invoices_by_date') }}
),

report_dates as (
    select * from {{ ref('int_collections__report_dates') }}
    where is_month_end
),

settings as (
    select * from {{ ref('stg_reference__settings') }}
),

dso_window as (
    select coalesce((select cast(value as integer) from settings where key = 'dso.months'), 3) as dso_months
),

currencies as (
    select distinct currency, currency_exponent from invoices
),

receivables as (
    select report_date, currency, sum(open_amount_minor) as receivables_amount_minor
    from open_invoices
    where is_month_end
    group by report_date, currency
),

months_back as (
    select
        report_dates.report_date,
        currencies.currency,
        currencies.currency_exponent,
        offsets.n as months_back,
        cast({{ dbt.date_trunc('month', dbt.dateadd('month', '-offsets.n', 'report_dates.report_date')) }} as date) as month_start_date
    from report_dates
    cross join currencies
    cross join ({{ integers(2) }}) as offsets
    where offsets.n < 12
),

month_sales as (
    select
        months_back.report_date,
        months_back.currency,
        months_back.currency_exponent,
        months_back.months_back,
        months_back.month_start_date,
        {{ dbt.datediff('months_back.month_start_date', dbt.last_day('months_back.month_start_date', 'month'), 'day') }} + 1 as month_days,
        coalesce(sum(invoices.total_amount_minor), 0) as sales_amount_minor
    from months_back
    left join invoices
        on invoices.currency = months_back.currency
        and cast(invoices.finalized_at as date) >= months_back.month_start_date
        and cast(invoices.finalized_at as date) <= cast({{ dbt.last_day('months_back.month_start_date', 'month') }} as date)
        and (invoices.voided_at is null or cast(invoices.voided_at as date) > months_back.report_date)
    group by
        months_back.report_date, months_back.currency, months_back.currency_exponent,
        months_back.months_back, months_back.month_start_date
),

walked as (
    select
        month_sales.*,
        coalesce(receivables.receivables_amount_minor, 0) as receivables_amount_minor,
        coalesce(receivables.receivables_amount_minor, 0) - coalesce(sum(month_sales.sales_amount_minor) over (
            partition by month_sales.report_date, month_sales.currency order by month_sales.months_back
            rows between unbounded preceding and 1 preceding
        ), 0) as receivables_left_minor
    from month_sales
    left join receivables
        on month_sales.report_date = receivables.report_date
        and month_sales.currency = receivables.currency
),

countback_stop as (
    select report_date, currency, min(months_back) as stop_months_back
    from walked
    where not (receivables_left_minor > 0 and receivables_left_minor >= sales_amount_minor)
    group by report_date, currency
),

per_currency as (
    select
        walked.report_date,
        walked.currency,
        walked.currency_exponent,
        max(walked.receivables_amount_minor) as receivables_amount_minor,
        max(dso_window.dso_months) as dso_months,
        sum(case when walked.months_back < dso_window.dso_months then walked.sales_amount_minor else 0 end) as window_sales_amount_minor,
        sum(case when walked.months_back < dso_window.dso_months then walked.month_days else 0 end) as window_days,
        sum(case when walked.months_back < coalesce(countback_stop.stop_months_back, 12) then walked.month_days else 0 end) as countback_whole_days,
        max(case
            when walked.months_back = countback_stop.stop_months_back and walked.receivables_left_minor > 0
                then {{ exact_divide('walked.receivables_left_minor * walked.month_days', 'walked.sales_amount_minor') }}
        end) as countback_partial_days,
        max(countback_stop.stop_months_back) is null as is_countback_capped
    from walked
    cross join dso_window
    left join countback_stop
        on walked.report_date = countback_stop.report_date
        and walked.currency = countback_stop.currency
    group by walked.report_date, walked.currency, walked.currency_exponent
),

final as (
    select
        report_date,
        currency,
        currency_exponent,
        cast(receivables_amount_minor as bigint) as receivables_amount_minor,
        cast(window_sales_amount_minor as bigint) as window_sales_amount_minor,
        cast(dso_months as integer) as dso_months,
        cast(window_days as integer) as window_days,
        cast(round({{ exact_divide('receivables_amount_minor * window_days', 'window_sales_amount_minor') }}, 1) as decimal(9, 1)) as simple_dso_days,
        cast(round(countback_whole_days + coalesce(countback_partial_days, 0), 1) as decimal(9, 1)) as countback_dso_days,
        is_countback_capped
    from per_currency
)

select * from final
