{#- One gateway's customers out of raw.payment_customers (Stripe and GoCardless land there, see
    dagster_project/ingest/sources/payments/): the latest version of each customer by the
    gateway's own timestamp, renamed and cast. -#}
{% macro stg_payment_customers(gateway, id_column) -%}
with source as (
    select * from {{ source('payments', 'payment_customers') }}
    where gateway = '{{ gateway }}'
),

latest as (
    {{ latest_source_version('source', 'gateway_id', ['object_version_at']) }}
),

final as (
    select
        gateway_id as {{ id_column }},
        email,
        customer_name,
        company_name,
        currency,
        country_code,
        cast(is_deleted as boolean) as is_deleted,
        lago_customer_id,
        external_customer_id,
        cast(created_at as timestamp) as created_at,
        cast(object_version_at as timestamp) as object_version_at,
        payload_json,
        _source_file,
        _row_number,
        _ingested_at
    from latest
)

select * from final
{%- endmacro %}
