-- The parallel run per service month and currency: how much of what the incumbent billed
-- revhouse billed to the cent, what is explained, what is left to investigate, and the
-- cutover-readiness verdict (rule in the yml: the last `shadow_ready_months` complete months
-- each match ≥ `shadow_match_share_min` of lines and of amount, with no unexplained difference).
{%- set share_min = var('shadow_match_share_min', '0.995') %}
{%- set ready_months = var('shadow_ready_months', 2) | int %}
with shadow_lines as (
    select * from {{ ref('fct_shadow_billing_lines') }}
    where is_in_parallel_run
),

incumbent_lines as (
    select * from {{ ref('int_assurance__shadow_incumbent_lines') }}
),

currencies as (
    select * from {{ ref('iso_4217_currencies') }}
),

last_issuing as (
    select max(issuing_date) as last_issuing_date from incumbent_lines
),

months as (
    select
        service_month,
        currency,
        count(revhouse_line_id) as revhouse_lines,
        count(incumbent_line_id) as incumbent_lines,
        count(*) as compared_lines,
        sum(case when match_status = 'matched' then 1 else 0 end) as matched_lines,
        sum(case when match_status = 'differing' then 1 else 0 end) as differing_lines,
        sum(case when match_status = 'missing_in_incumbent' then 1 else 0 end) as missing_in_incumbent_lines,
        sum(case when match_status = 'missing_in_revhouse' then 1 else 0 end) as missing_in_revhouse_lines,
        sum(coalesce(revhouse_amount_minor, 0)) as revhouse_amount_minor,
        sum(coalesce(incumbent_amount_minor, 0)) as incumbent_amount_minor,
        -- a line's weight: the larger of its two amounts, so a line missing on either side counts
        sum(case
            when coalesce(revhouse_amount_minor, 0) >= coalesce(incumbent_amount_minor, 0)
                then coalesce(revhouse_amount_minor, 0)
            else coalesce(incumbent_amount_minor, 0)
        end) as compared_amount_minor,
        sum(case when match_status = 'matched' then revhouse_amount_minor else 0 end) as matched_amount_minor,
        sum(case when match_status <> 'matched' and is_explained then 1 else 0 end) as explained_difference_lines,
        sum(case when is_explained then abs(amount_difference_minor) else 0 end) as explained_difference_minor,
        sum(case when not is_explained then 1 else 0 end) as unexplained_lines,
        sum(case when not is_explained then abs(amount_difference_minor) else 0 end) as unexplained_difference_minor
    from shadow_lines
    group by service_month, currency
),

measured as (
    select
        months.*,
        cast(currencies.minor_unit_exponent as {{ dbt.type_bigint() }}) as currency_exponent,
        {{ exact_divide('cast(months.matched_lines as decimal(38, 12))', 'months.compared_lines') }} as matched_line_share,
        case
            when months.compared_amount_minor = 0 then cast(1 as decimal(38, 12))
            else {{ exact_divide('cast(months.matched_amount_minor as decimal(38, 12))', 'months.compared_amount_minor') }}
        end as matched_amount_share,
        -- complete: the incumbent's export holds invoices issued after the month ended, so its
        -- in-arrears invoice is in (Lago issues it the day after the period)
        last_issuing.last_issuing_date >= cast({{ dbt.dateadd('month', 1, 'months.service_month') }} as date)
            as is_complete_month
    from months
    cross join last_issuing
    left join currencies on months.currency = currencies.currency
),

judged as (
    select
        measured.*,
        measured.is_complete_month
            and measured.matched_line_share >= {{ share_min }}
            and measured.matched_amount_share >= {{ share_min }}
            and measured.unexplained_lines = 0 as month_passes,
        case
            when not measured.is_complete_month then 'not complete (the incumbent''s invoices for it are not all in)'
            when measured.unexplained_lines > 0
                then cast(measured.unexplained_lines as {{ dbt.type_string() }}) || ' unexplained difference(s) totalling '
                    || cast(measured.unexplained_difference_minor as {{ dbt.type_string() }}) || ' ' || measured.currency || ' minor units'
            when measured.matched_line_share < {{ share_min }} then 'lines matched to the cent below the threshold'
            when measured.matched_amount_share < {{ share_min }} then 'amount matched to the cent below the threshold'
        end as month_failure
    from measured
),

windowed as (
    select
        judged.*,
        -- the months of the verdict window: this one and the ones before it, same currency
        sum(case when judged.month_passes then 1 else 0 end) over (
            partition by judged.currency order by judged.service_month
            rows between {{ ready_months - 1 }} preceding and current row
        ) as passing_months_in_window,
        count(*) over (
            partition by judged.currency order by judged.service_month
            rows between {{ ready_months - 1 }} preceding and current row
        ) as months_in_window,
        min(judged.service_month) over (
            partition by judged.currency order by judged.service_month
            rows between {{ ready_months - 1 }} preceding and current row
        ) as window_first_month
    from judged
),

final as (
    select
        service_month,
        currency,
        currency_exponent,
        cast(revhouse_lines as {{ dbt.type_bigint() }}) as revhouse_lines,
        cast(incumbent_lines as {{ dbt.type_bigint() }}) as incumbent_lines,
        cast(compared_lines as {{ dbt.type_bigint() }}) as compared_lines,
        cast(matched_lines as {{ dbt.type_bigint() }}) as matched_lines,
        cast(differing_lines as {{ dbt.type_bigint() }}) as differing_lines,
        cast(missing_in_incumbent_lines as {{ dbt.type_bigint() }}) as missing_in_incumbent_lines,
        cast(missing_in_revhouse_lines as {{ dbt.type_bigint() }}) as missing_in_revhouse_lines,
        matched_line_share,
        cast(revhouse_amount_minor as {{ dbt.type_bigint() }}) as revhouse_amount_minor,
        cast(incumbent_amount_minor as {{ dbt.type_bigint() }}) as incumbent_amount_minor,
        cast(compared_amount_minor as {{ dbt.type_bigint() }}) as compared_amount_minor,
        cast(matched_amount_minor as {{ dbt.type_bigint() }}) as matched_amount_minor,
        matched_amount_share,
        cast(explained_difference_lines as {{ dbt.type_bigint() }}) as explained_difference_lines,
        cast(explained_difference_minor as {{ dbt.type_bigint() }}) as explained_difference_minor,
        cast(unexplained_lines as {{ dbt.type_bigint() }}) as unexplained_lines,
        cast(unexplained_difference_minor as {{ dbt.type_bigint() }}) as unexplained_difference_minor,
        is_complete_month,
        month_passes,
        case
            when months_in_window = {{ ready_months }} and passing_months_in_window = {{ ready_months }}
                and {{ dbt.datediff('window_first_month', 'service_month', 'month') }} = {{ ready_months - 1 }}
                then 'READY'
            else 'NOT READY'
        end as cutover_verdict,
        case
            when months_in_window = {{ ready_months }} and passing_months_in_window = {{ ready_months }}
                and {{ dbt.datediff('window_first_month', 'service_month', 'month') }} = {{ ready_months - 1 }}
                then 'the last {{ ready_months }} complete months each match at least {{ share_min }} of lines and of amount with no unexplained difference'
            when month_failure is not null then 'this month: ' || month_failure
            when months_in_window < {{ ready_months }}
                or {{ dbt.datediff('window_first_month', 'service_month', 'month') }} <> {{ ready_months - 1 }}
                then 'fewer than {{ ready_months }} consecutive months in the parallel run'
            else 'an earlier month of the last {{ ready_months }} does not pass'
        end as verdict_reason
    from windowed
)

select * from final
