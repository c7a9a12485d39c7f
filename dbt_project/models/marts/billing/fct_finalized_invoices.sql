{#- Finalized invoices, frozen (pricing.md 8): an invoice enters once, when its grace period
    is over, and is never updated — the model only appends invoices it does not hold yet, so a
    rerun with changed inputs leaves existing rows byte-identical. Numbers are assigned here,
    at finalization: per billing entity, continuing from the entity's highest number, in the
    stable order (issuing_date, customer, invoice_id). `full_refresh=false`: even
    `dbt build --full-refresh` never rebuilds (and so renumbers) the frozen invoices; a
    column change fails the run (on_schema_change) instead of rewriting history. -#}
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail', full_refresh=false) }}

with invoices as (
    select * from {{ ref('int_billing__invoices') }}
),

billing_entities as (
    select * from {{ ref('stg_reference__billing_entities') }}
),

{% if is_incremental() %}
already_finalized as (
    select invoice_id, billing_entity_code, invoice_sequence from {{ this }}
),
{% else %}
already_finalized as (
    select
        cast(null as {{ dbt.type_string() }}) as invoice_id,
        cast(null as {{ dbt.type_string() }}) as billing_entity_code,
        cast(null as bigint) as invoice_sequence
    where 1 = 0
),
{% endif %}

last_sequences as (
    select billing_entity_code, max(invoice_sequence) as last_invoice_sequence
    from already_finalized
    group by billing_entity_code
),

newly_finalized as (
    select invoices.*
    from invoices
    where invoices.is_due_for_finalization
      and not exists (
          select 1 from already_finalized where already_finalized.invoice_id = invoices.invoice_id
      )
),

numbered as (
    select
        newly_finalized.*,
        coalesce(last_sequences.last_invoice_sequence, 0) + row_number() over (
            partition by newly_finalized.billing_entity_code
            order by newly_finalized.issuing_date, newly_finalized.external_customer_id, newly_finalized.invoice_id
        ) as invoice_sequence
    from newly_finalized
    left join last_sequences
        on newly_finalized.billing_entity_code = last_sequences.billing_entity_code
),

final as (
    select
        numbered.invoice_id,
        {{ invoice_number('billing_entities.invoice_number_prefix', 'numbered.invoice_sequence') }} as invoice_number,
        cast(numbered.invoice_sequence as bigint) as invoice_sequence,
        numbered.invoice_type,
        numbered.billing_entity_code,
        billing_entities.entity_name as billing_entity_name,
        billing_entities.country as billing_entity_country,
        numbered.external_customer_id,
        numbered.customer_name,
        numbered.customer_legal_name,
        numbered.customer_email,
        numbered.customer_country,
        numbered.currency,
        numbered.currency_exponent,
        numbered.issuing_date,
        'finalized' as status,
        -- The billing instant at which it was frozen: finalization happens at the grace
        -- period's end, so that is the business date; frozen_at is the wall clock of the run.
        cast(numbered.finalization_due_date as timestamp) as finalized_at,
        cast({{ dbt.current_timestamp() }} as timestamp) as frozen_at,
        numbered.fees_count,
        numbered.fees_amount_minor,
        numbered.progressive_billing_credit_amount_minor,
        numbered.coupons_amount_minor,
        numbered.sub_total_excluding_taxes_amount_minor,
        numbered.taxes_amount_minor,
        numbered.sub_total_including_taxes_amount_minor,
        numbered.credit_notes_amount_minor,
        numbered.prepaid_credit_amount_minor,
        numbered.total_amount_minor
    from numbered
    left join billing_entities
        on numbered.billing_entity_code = billing_entities.billing_entity_code
)

select * from final
