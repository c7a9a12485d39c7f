{#- What credit notes and wallets paid on finalized invoices, frozen with them (append only,
    see fct_finalized_invoices). Later invoices continue each note's and wallet's balance from
    these rows. -#}
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail', full_refresh=false) }}

with finalized_invoices as (
    select * from {{ ref('fct_finalized_invoices') }}
),

credit_note_applications as (
    select * from {{ ref('int_billing__credit_note_applications') }}
),

wallet_applications as (
    select * from {{ ref('int_billing__wallet_applications') }}
),

credits as (
    select
        invoice_id,
        'credit_note' as credit_kind,
        credit_note_id as credit_source_id,
        credit_amount_minor as amount_minor
    from credit_note_applications
    union all
    select
        invoice_id,
        'wallet' as credit_kind,
        lago_wallet_id as credit_source_id,
        prepaid_credit_amount_minor as amount_minor
    from wallet_applications
),

final as (
    select
        credits.invoice_id,
        cast(credits.credit_kind as {{ dbt.type_string() }}) as credit_kind,
        cast(credits.credit_source_id as {{ dbt.type_string() }}) as credit_source_id,
        cast(credits.amount_minor as bigint) as amount_minor
    from credits
    inner join finalized_invoices
        on credits.invoice_id = finalized_invoices.invoice_id
    {% if is_incremental() %}
    where not exists (select 1 from {{ this }} as frozen where frozen.invoice_id = credits.invoice_id)
    {% endif %}
)

select * from final
