{#- One gateway object out of raw.payment_transactions (every gateway lands in that one table,
    see dagster_project/ingest/sources/payments/): the latest version of each object by the
    gateway's own timestamp, renamed and cast like every staging model. The gateway's id keeps
    its name (`<gateway>_<object>_id`), so does the id of the object it belongs to. Signs and
    minor units stay as ingested. Columns a gateway object does not have are null.

    payout_links: a staging model of payout ↔ object rows (Stripe Fivetran
    `payout_balance_transaction`) whose object column has this model's id_column name; when
    given, payout_id falls back to the payout that lists the object when the object itself names
    none. -#}
{% macro stg_payment_transactions(gateway, gateway_object, id_column, parent_column, payout_links=none) -%}
with source as (
    select * from {{ source('payments', 'payment_transactions') }}
    where gateway = '{{ gateway }}' and gateway_object = '{{ gateway_object }}'
),

latest as (
    {{ latest_source_version('source', 'gateway_id', ['object_version_at']) }}
),
{% if payout_links %}
payout_links as (
    select * from {{ ref(payout_links) }}
),

{#- a balance transaction listed under two payouts keeps the smallest payout id here (stable);
    every link stays in the links model -#}
payout_of_object as (
    select {{ id_column }} as linked_id, min(payout_id) as linked_payout_id
    from payout_links
    group by {{ id_column }}
),
{% endif %}
final as (
    select
        latest.gateway_id as {{ id_column }},
        latest.record_type,
        latest.status,
        latest.currency,
        cast(latest.amount_minor as bigint) as amount_minor,
        cast(latest.fee_minor as bigint) as fee_amount_minor,
        cast(latest.net_minor as bigint) as net_amount_minor,
        latest.net_currency,
        cast(latest.gross_minor as bigint) as gross_minor,
        latest.gross_currency,
        cast(latest.exchange_rate as decimal(38, 12)) as exchange_rate,
        cast(latest.amount_requested_minor as bigint) as amount_requested_minor,
        cast(latest.amount_minor_decimal as decimal(38, 4)) as amount_minor_decimal,
        cast(latest.occurred_at as timestamp) as occurred_at,
        latest.invoice_reference,
        latest.lago_invoice_id,
        latest.lago_payable_type,
        latest.lago_payable_id,
        latest.customer_reference,
        latest.parent_id as {{ parent_column }},
        {% if payout_links -%}
        coalesce(latest.payout_id, payout_of_object.linked_payout_id) as payout_id,
        {%- else -%}
        latest.payout_id,
        {%- endif %}
        cast(latest.arrival_date as date) as arrival_date,
        latest.reporting_category,
        latest.payment_method,
        latest.merchant_account,
        latest.batch_number,
        cast(latest.item_position as integer) as item_position,
        latest.failure_code,
        cast(latest.object_version_at as timestamp) as object_version_at,
        latest.payload_json,
        latest._source_file,
        latest._row_number,
        latest._ingested_at
    from latest
    {%- if payout_links %}
    left join payout_of_object
        on latest.gateway_id = payout_of_object.linked_id
    {%- endif %}
)

select * from final
{%- endmacro %}
