{#- One gateway object out of raw.payment_transactions (every gateway lands in that one table,
    see dagster_project/ingest/sources/payments/): the latest version of each object by the
    gateway's own timestamp, renamed and cast like every staging model. The gateway's id keeps
    its name (`<gateway>_<object>_id`), so does the id of the object it belongs to. Signs and
    minor units stay as ingested. -#}
{% macro stg_payment_transactions(gateway, gateway_object, id_column, parent_column) -%}
with source as (
    select * from {{ source('payments', 'payment_transactions') }}
    where gateway = '{{ gateway }}' and gateway_object = '{{ gateway_object }}'
),

latest as (
    {{ latest_source_version('source', 'gateway_id', ['object_version_at']) }}
),

final as (
    select
        gateway_id as {{ id_column }},
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
        parent_id as {{ parent_column }},
        failure_code,
        cast(object_version_at as timestamp) as object_version_at,
        payload_json,
        _source_file,
        _row_number,
        _ingested_at
    from latest
)

select * from final
{%- endmacro %}
