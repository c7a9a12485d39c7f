{#- MRR at each month end per customer and currency, with its movement bucket (B2, B3).
    FIRST SLICE: items come from int_metrics__mrr_items (plan fees only). -#}
with items as (
    select * from {{ ref('int_metrics__mrr_items') }}
    where mrr_minor > 0
),

settings as (
    select * from {{ ref('stg_reference__settings') }}
),

as_of as (
    select cast({{ rating_as_of_at('settings') }} as date) as as_of_date
),

series as (
    select generated_number - 1 as month_offset from ({{ dbt.generate_series(1200) }}) as numbers
),

customer_span as (
    select
        external_customer_id,
        currency,
        {{ dbt.date_trunc('month', 'min(mrr_from_date)') }} as first_month
    from items
    group by external_customer_id, currency
),

-- one snapshot per customer and complete month (month end before the as_of date)
snapshots as (
    select
        customer_span.external_customer_id,
        customer_span.currency,
        cast({{ dbt.dateadd('month', 'series.month_offset', 'customer_span.first_month') }} as date) as month,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 'series.month_offset + 1', 'customer_span.first_month')) }} as date) as month_end_date
    from customer_span
    cross join series
    cross join as_of
    where cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 'series.month_offset + 1', 'customer_span.first_month')) }} as date) < as_of.as_of_date
),

closing as (
    select
        snapshots.external_customer_id,
        snapshots.currency,
        snapshots.month,
        coalesce(sum(items.mrr_minor), 0) as closing_mrr_minor
    from snapshots
    left join items
        on snapshots.external_customer_id = items.external_customer_id
        and snapshots.currency = items.currency
        and items.mrr_from_date <= snapshots.month_end_date
        and (items.mrr_to_date is null or snapshots.month_end_date < items.mrr_to_date)
    group by snapshots.external_customer_id, snapshots.currency, snapshots.month
),

with_history as (
    select
        closing.*,
        coalesce(lag(closing_mrr_minor) over (
            partition by external_customer_id, currency order by month
        ), 0) as opening_mrr_minor,
        coalesce(max(case when closing_mrr_minor > 0 then 1 else 0 end) over (
            partition by external_customer_id, currency order by month
            rows between unbounded preceding and 1 preceding
        ), 0) as had_mrr_before
    from closing
),

classified as (
    select
        with_history.*,
        case
            when opening_mrr_minor = 0 and closing_mrr_minor > 0 and had_mrr_before = 0 then 'new'
            when opening_mrr_minor = 0 and closing_mrr_minor > 0 then 'reactivation'
            when opening_mrr_minor > 0 and closing_mrr_minor = 0 then 'churn'
            when closing_mrr_minor > opening_mrr_minor then 'expansion'
            when closing_mrr_minor < opening_mrr_minor then 'contraction'
            else 'none'
        end as movement
    from with_history
),

final as (
    select
        external_customer_id,
        currency,
        month,
        opening_mrr_minor,
        closing_mrr_minor,
        movement,
        case when movement = 'new' then closing_mrr_minor else 0 end as new_minor,
        case when movement = 'expansion' then closing_mrr_minor - opening_mrr_minor else 0 end as expansion_minor,
        case when movement = 'contraction' then opening_mrr_minor - closing_mrr_minor else 0 end as contraction_minor,
        case when movement = 'churn' then opening_mrr_minor else 0 end as churn_minor,
        case when movement = 'reactivation' then closing_mrr_minor else 0 end as reactivation_minor
    from classified
    -- months at zero on both sides carry no information once the gap rule is applied
    where not (opening_mrr_minor = 0 and closing_mrr_minor = 0)
)

select * from final
