-- One row per draft invoice: computed invoices not frozen yet (still in their grace period),
-- recomputed on every run so late events and changed inputs still count (pricing.md 8). A
-- view: it is never stored, so nothing can mistake it for an issued invoice.
{{ config(materialized='view') }}

with finalized_invoices as (
    select * from {{ ref('fct_finalized_invoices') }}
),

invoices as (
    select * from {{ ref('int_billing__invoices') }}
),

billing_entities as (
    select * from {{ ref('stg_reference__billing_entities') }}
),

final as (
    select
        invoices.invoice_id,
        cast(null as {{ dbt.type_string() }}) as invoice_number,
        cast(null as bigint) as invoice_sequence,
        invoices.invoice_type,
        invoices.billing_entity_code,
        billing_entities.entity_name as billing_entity_name,
        billing_entities.country as billing_entity_country,
        invoices.external_customer_id,
        invoices.customer_name,
        invoices.customer_legal_name,
        invoices.customer_email,
        invoices.customer_country,
        invoices.currency,
        invoices.currency_exponent,
        invoices.issuing_date,
        'draft' as status,
        cast(null as timestamp) as finalized_at,
        cast(null as timestamp) as frozen_at,
        invoices.fees_count,
        invoices.fees_amount_minor,
        invoices.progressive_billing_credit_amount_minor,
        invoices.coupons_amount_minor,
        invoices.sub_total_excluding_taxes_amount_minor,
        invoices.taxes_amount_minor,
        invoices.sub_total_including_taxes_amount_minor,
        invoices.credit_notes_amount_minor,
        invoices.prepaid_credit_amount_minor,
        invoices.total_amount_minor
    from invoices
    left join billing_entities
        on invoices.billing_entity_code = billing_entities.billing_entity_code
    where not exists (
        select 1 from finalized_invoices where finalized_invoices.invoice_id = invoices.invoice_id
    )
)

select * from final
