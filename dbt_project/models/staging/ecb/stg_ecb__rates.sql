-- raw.fx_rates is already long (the ECB's wide CSV is unpivoted at ingestion, one row per date
-- and quoted currency, first landed wins), so this is rename + cast only.
with source as (
    select * from {{ source('ecb', 'fx_rates') }}
),

final as (
    select
        cast(rate_date as date) as rate_date,
        base_currency,
        quote_currency,
        cast(rate as decimal(24, 10)) as rate,
        {{ lineage_columns() }}
    from source
)

select * from final
