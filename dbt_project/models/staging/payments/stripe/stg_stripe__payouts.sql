with source as (
    select * from {{ source('payments', 'payment_transactions') }}
    where gateway = 'stripe' and gateway_object = 'payout'
),

latest as (
    {{ latest_source_version('source', 'gateway_id', ['object_version_at']) }}
),

final as (
    select
        gateway_id as stripe_payout_id,
        record_type,
        status,
        currency,
        cast(amount_minor as bigint) as amount_minor,
        cast(fee_minor as bigint) as fee_amount_minor,
        cast(net_minor as bigint) as net_amount_minor,
        net_currency,
        cast(occurred_at as timestamp) as occurred_at,
        invoice_reference,
        customer_reference,
        parent_id as parent_stripe_id,
        failure_code,
        cast(object_version_at as timestamp) as object_version_at,
        payload_json,
        _source_file,
        _row_number,
        _ingested_at
    from latest
)

select * from final
