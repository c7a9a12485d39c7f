{#- MRR at the end of each day per customer and document currency (metrics-and-revrec.md B2):
    every day from the customer's first paying day to the day before as_of, days at 0 included.
    Set-based: a day spine joined to the item intervals by range. -#}
with items as (
    select * from {{ ref('int_metrics__mrr_items') }}
    where mrr_minor > 0
),

customers as (
    select * from {{ ref('stg_lago__customers') }}
),

settings as (
    select * from {{ ref('stg_reference__settings') }}
),

as_of as (
    select cast({{ rating_as_of_at('settings') }} as date) as as_of_date
),

series as (
    select generated_number - 1 as day_offset from ({{ dbt.generate_series(20000) }}) as numbers
),

customer_span as (
    select external_customer_id, currency, min(mrr_from_date) as first_paying_date
    from items
    group by external_customer_id, currency
),

days as (
    select
        customer_span.external_customer_id,
        customer_span.currency,
        cast({{ dbt.dateadd('day', 'series.day_offset', 'customer_span.first_paying_date') }} as date) as mrr_date
    from customer_span
    cross join series
    cross join as_of
    where series.day_offset < {{ dbt.datediff('customer_span.first_paying_date', 'as_of.as_of_date', 'day') }}
),

daily as (
    select
        days.external_customer_id,
        days.currency,
        days.mrr_date,
        coalesce(sum(items.mrr_minor), 0) as mrr_minor,
        count(items.mrr_minor) as paying_items_count
    from days
    left join items
        on days.external_customer_id = items.external_customer_id
        and days.currency = items.currency
        and items.mrr_from_date <= days.mrr_date
        and (items.mrr_to_date is null or days.mrr_date < items.mrr_to_date)
    group by days.external_customer_id, days.currency, days.mrr_date
),

final as (
    select
        daily.external_customer_id,
        daily.currency,
        daily.mrr_date,
        customers.billing_entity_code,
        cast(daily.mrr_minor as bigint) as mrr_minor,
        cast(daily.paying_items_count as integer) as paying_items_count
    from daily
    left join customers on daily.external_customer_id = customers.external_customer_id
)

select * from final
