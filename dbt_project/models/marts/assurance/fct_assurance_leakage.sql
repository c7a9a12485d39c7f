-- Leaked and over-billed revenue by service month, reason and currency (docs/assurance.md §5),
-- with the finding ids behind each figure. A finding counts unless a reviewer marked it a false
-- positive or the data explains it (explained_by); acknowledged and resolved findings still count:
-- the money leaked in that month whatever was done about it later. Reporting-currency amounts at
-- the ECB rate of the month's last day (metrics-and-revrec.md B11, the MRR conversion), each sum
-- converted and rounded once.
with queue as (
    select * from {{ ref('fct_assurance_review_queue') }}
),

settings as (
    select * from {{ ref('stg_reference__settings') }}
),

rates as (
    select * from {{ ref('stg_ecb__rates') }}
),

currencies as (
    select * from {{ ref('iso_4217_currencies') }}
),

reporting as (
    select upper(max(value)) as reporting_currency from settings where key = 'reporting_currency'
),

counted as (
    select *
    from queue
    where status <> 'false_positive' and explained_by is null
),

grouped as (
    select
        period_month,
        reason_code,
        currency,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'period_month')) }} as date) as month_end_date,
        count(*) as findings_count,
        sum(case when direction = 'under_billed' then amount_at_risk_minor else 0 end) as leaked_amount_minor,
        sum(case when direction = 'over_billed' then amount_at_risk_minor else 0 end) as over_billed_amount_minor,
        {{ dbt.listagg('finding_id', "', '", 'order by finding_id') }} as finding_ids,
        {{ dbt.listagg("case when direction = 'under_billed' then finding_id end", "', '", 'order by finding_id') }}
            as leaked_finding_ids,
        {{ dbt.listagg("case when direction = 'over_billed' then finding_id end", "', '", 'order by finding_id') }}
            as over_billed_finding_ids
    from counted
    group by period_month, reason_code, currency
),

-- ECB legs (units per EUR) at each month end: the last rate published on or before it
needed_legs as (
    select distinct month_end_date, currency from grouped
    union
    select distinct grouped.month_end_date, reporting.reporting_currency from grouped cross join reporting
),

legs as (
    {{ ecb_last_legs('needed_legs', 'month_end_date', 'rates') }}
),

final as (
    select
        grouped.period_month,
        grouped.reason_code,
        grouped.currency,
        cast(grouped.findings_count as bigint) as findings_count,
        cast(grouped.leaked_amount_minor as bigint) as leaked_amount_minor,
        cast(grouped.over_billed_amount_minor as bigint) as over_billed_amount_minor,
        reporting.reporting_currency,
        {{ fx_rate_columns('grouped.currency = reporting.reporting_currency', 'grouped.month_end_date',
            'reporting_leg', 'document_leg') }},
        {%- for amount in ['leaked', 'over_billed'] %}
        case
            when grouped.currency = reporting.reporting_currency then cast(grouped.{{ amount }}_amount_minor as bigint)
            else {{ fx_legs_to_minor('grouped.' ~ amount ~ '_amount_minor', 'reporting_leg.rate', 'document_leg.rate',
                'document_exponent.minor_unit_exponent', 'reporting_exponent.minor_unit_exponent') }}
        end as {{ amount }}_reporting_minor,
        {%- endfor %}
        grouped.finding_ids,
        grouped.leaked_finding_ids,
        grouped.over_billed_finding_ids
    from grouped
    cross join reporting
    left join legs as document_leg
        on grouped.month_end_date = document_leg.month_end_date and grouped.currency = document_leg.currency
    left join legs as reporting_leg
        on grouped.month_end_date = reporting_leg.month_end_date and reporting.reporting_currency = reporting_leg.currency
    left join currencies as document_exponent on grouped.currency = document_exponent.currency
    left join currencies as reporting_exponent on reporting.reporting_currency = reporting_exponent.currency
)

select * from final
