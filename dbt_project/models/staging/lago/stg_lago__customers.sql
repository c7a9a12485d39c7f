with source as (
    {{ latest_version(source('lago', 'lago_customers'), 'lago_id') }}
),

final as (
    select
        lago_id as lago_customer_id,
        external_id as external_customer_id,
        name as customer_name,
        legal_name,
        email,
        country,
        currency,
        nullif(timezone, '') as timezone,
        billing_entity_code,
        invoice_grace_period as invoice_grace_period_days,
        net_payment_term as net_payment_term_days,
        payment_provider,
        provider_customer_id,
        applied_dunning_campaign_code,
        exclude_from_dunning_campaign as is_excluded_from_dunning_campaign,
        last_dunning_campaign_attempt_at,
        created_at,
        _source_file,
        _row_number,
        _ingested_at
    from source
)

select * from final
