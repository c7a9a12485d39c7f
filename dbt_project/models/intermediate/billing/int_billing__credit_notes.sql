-- Credit notes whose `credit` part goes to the customer's balance (pricing.md 5.5, 7): one
-- row per note with the amount available to later invoices and the date it becomes usable.
-- Imported Lago notes: their remaining `balance_amount` (what Lago still owes the customer),
-- usable from their creation date; voided notes carry nothing. Lago credit notes do not
-- name the customer, so it comes from the imported Lago invoice they credit. Termination
-- credits (int_billing__credit_note_terminations) credit the balance when credit_type = credit.
-- Progressive billing excess notes (int_billing__credit_note_progressive_excess) are refunds.
with lago_credit_notes as (
    select * from {{ ref('stg_lago__credit_notes') }}
),

termination_notes as (
    select * from {{ ref('int_billing__credit_note_terminations') }}
),

progressive_excess_notes as (
    select * from {{ ref('int_billing__credit_note_progressive_excess') }}
),

billed_invoices as (
    select * from {{ source('raw', 'billed_invoices') }}
),

lago_invoices as (
    select invoice_id, external_customer_id, billing_entity_code
    from (
        select
            invoice_id,
            external_customer_id,
            billing_entity_code,
            row_number() over (partition by invoice_id order by _ingested_at desc, _row_number desc) as version_rank
        from billed_invoices
        where invoice_source = 'lago'
    ) as versions
    where version_rank = 1
),

imported as (
    select
        lago_credit_notes.lago_credit_note_id as credit_note_id,
        'lago_import' as credit_note_source,
        lago_credit_notes.credit_note_number,
        lago_invoices.external_customer_id,
        lago_invoices.billing_entity_code,
        upper(lago_credit_notes.currency) as currency,
        lago_credit_notes.reason,
        lago_credit_notes.lago_invoice_id as credited_invoice_id,
        cast(null as {{ dbt.type_string() }}) as credited_fee_id,
        'credit' as credit_type,
        cast(lago_credit_notes.created_at as date) as available_from_date,
        cast(null as bigint) as credit_sub_total_amount_minor,
        lago_credit_notes.taxes_amount_minor,
        lago_credit_notes.total_amount_minor,
        coalesce(lago_credit_notes.balance_amount_minor, 0) as credit_amount_minor
    from lago_credit_notes
    left join lago_invoices
        on lago_credit_notes.lago_invoice_id = lago_invoices.invoice_id
    where coalesce(lago_credit_notes.credit_status, 'available') <> 'voided'
      and coalesce(lago_credit_notes.balance_amount_minor, 0) > 0
),

terminations as (
    select
        credit_note_id,
        credit_note_source,
        credit_note_number,
        external_customer_id,
        billing_entity_code,
        currency,
        reason,
        credited_invoice_id,
        credited_fee_id,
        credit_type,
        available_from_date,
        credit_sub_total_amount_minor,
        taxes_amount_minor,
        total_amount_minor,
        cast(case when credit_type = 'credit' then total_amount_minor else 0 end as bigint) as credit_amount_minor
    from termination_notes
),

-- Refunds go back through the gateway: recorded, never credited to the balance.
progressive_excess as (
    select
        credit_note_id,
        credit_note_source,
        credit_note_number,
        external_customer_id,
        billing_entity_code,
        currency,
        reason,
        credited_invoice_id,
        credited_fee_id,
        credit_type,
        available_from_date,
        credit_sub_total_amount_minor,
        taxes_amount_minor,
        total_amount_minor,
        cast(0 as bigint) as credit_amount_minor
    from progressive_excess_notes
),

final as (
    select * from imported
    union all
    select * from terminations
    union all
    select * from progressive_excess
)

select * from final
