with source as ({{ latest_version(source('lago', 'lago_payment_requests'), 'lago_id') }}),

final as (
    select
        lago_id as lago_payment_request_id,
        external_customer_id,
        email,
        cast(amount_cents as bigint) as amount_minor,
        amount_currency as currency,
        payment_status,
        dunning_campaign_code,
        dunning_campaign_code is not null as is_dunning_attempt,
        created_at,
        {{ lineage_columns() }}
    from source
)

select * from final
