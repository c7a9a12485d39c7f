-- The counters of the customer's latest version only (a map emptied by a reset has no rows).
with source as ({{ children_of_latest(source('lago', 'lago_customer_dunning_attempts'), source('lago', 'lago_customers'), 'external_customer_id', 'external_id') }}),

final as (
    select
        external_customer_id,
        currency,
        attempts as dunning_attempts,
        {{ lineage_columns() }}
    from source
)

select * from final
