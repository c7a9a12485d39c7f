{#- Whether a recorded void is allowed (pricing.md 8, Lago Invoices::VoidService: only a
    finalized invoice can be voided). One rule for the mart that lists voids and for invoice
    assembly, which returns what a voided invoice consumed. `finalized` is a relation or
    subquery with invoice_id, invoice_number, finalized_at. A void needs a readable time, a
    number a finalized invoice carries (drafts have no number yet) and a time not before the
    invoice's finalization. -#}
{% macro invoice_void_decisions(finalized) -%}
    select
        voids.invoice_number,
        finalized.invoice_id,
        voids.voided_at,
        voids.voided_at_text,
        voids.voided_by,
        voids.void_reason,
        voids._source_file,
        finalized.finalized_at,
        case
            when voids.voided_at is null
                then 'voided_at is not a date-time, so the void cannot be ordered against the invoice'
            when finalized.invoice_id is null
                then 'no finalized invoice carries this number: only a finalized invoice can be voided (a draft has no number yet)'
            when voids.voided_at < finalized.finalized_at
                then 'voided_at is before the invoice was finalized: only a finalized invoice can be voided'
        end as rejection_reason
    from {{ ref('stg_reference__invoice_voids') }} as voids
    left join ({{ finalized }}) as finalized
        on voids.invoice_number = finalized.invoice_number
{%- endmacro %}

{#- Voids accepted against the invoices frozen by earlier runs (macros/invoicing/frozen_state.sql):
    what those invoices consumed of credit notes and wallets returns to the customer
    (Lago's VoidService recredits both), usable from the void's date. -#}
{% macro frozen_invoice_voids() -%}
    select invoice_id, cast(voided_at as date) as voided_date
    from (
        {{ invoice_void_decisions(frozen_rows('fct_finalized_invoices', {'invoice_id': dbt.type_string(), 'invoice_number': dbt.type_string(), 'finalized_at': 'timestamp'})) }}
    ) as decisions
    where rejection_reason is null
{%- endmacro %}
