-- Credit notes consumed by invoices (pricing.md 5.5): per customer and currency, invoices in
-- issuing order take what is still due after taxes from the notes available on their issuing
-- date, oldest note first.
-- Cumulative consumption C_i = min(C_(i-1) + due_i, A_i) (A_i = notes available by invoice i,
-- cumulated) unrolls to C_i = D_i + min(0, min over j <= i of (A_j - D_j)) with D the
-- cumulated dues: a running minimum, so no recursion. Notes are then drawn FIFO: invoice i
-- takes the slice [C_(i-1), C_i) of the notes laid end to end in age order. What a voided
-- frozen invoice took comes back as a piece of its note, laid out from the void's date.
with invoice_subtotals as (
    select * from {{ ref('int_billing__invoice_subtotals') }}
),

credit_notes as (
    select * from {{ ref('int_billing__credit_notes') }}
),

-- State frozen by earlier runs (macros/invoicing/frozen_state.sql): finalized invoices keep
-- what they took; later invoices draw on what is left of each note.
frozen_invoices as (
    {{ frozen_rows('fct_finalized_invoices', {'invoice_id': dbt.type_string()}) }}
),

frozen_credits as (
    {{ frozen_rows('fct_finalized_invoice_credits', {'invoice_id': dbt.type_string(), 'credit_kind': dbt.type_string(), 'credit_source_id': dbt.type_string(), 'amount_minor': 'bigint'}) }}
),

frozen_usage as (
    select frozen_credits.invoice_id, frozen_credits.credit_source_id as credit_note_id, frozen_credits.amount_minor
    from frozen_credits
    where frozen_credits.credit_kind = 'credit_note'
),

-- Voided frozen invoices give back what they took (pricing.md 8, Lago's VoidService
-- recredits the notes), usable from the void's date (macros/invoicing/invoice_voids.sql).
frozen_voids as (
    {{ frozen_invoice_voids() }}
),

-- A note is laid out in pieces: what is left of it after every frozen invoice (available
-- from its own date), then one piece per voided invoice that had taken some of it.
note_pieces as (
    select
        credit_notes.credit_note_id,
        credit_notes.credit_note_source,
        credit_notes.external_customer_id,
        credit_notes.currency,
        credit_notes.available_from_date,
        cast('' as {{ dbt.type_string() }}) as piece_key,
        credit_notes.credit_amount_minor - coalesce(used.used_amount_minor, 0) as credit_amount_minor
    from credit_notes
    left join (
        select credit_note_id, sum(amount_minor) as used_amount_minor
        from frozen_usage
        group by credit_note_id
    ) as used
        on credit_notes.credit_note_id = used.credit_note_id
    union all
    select
        credit_notes.credit_note_id,
        credit_notes.credit_note_source,
        credit_notes.external_customer_id,
        credit_notes.currency,
        frozen_voids.voided_date as available_from_date,
        frozen_usage.invoice_id as piece_key,
        frozen_usage.amount_minor as credit_amount_minor
    from frozen_usage
    inner join frozen_voids on frozen_usage.invoice_id = frozen_voids.invoice_id
    inner join credit_notes on frozen_usage.credit_note_id = credit_notes.credit_note_id
),

notes_laid_out as (
    select
        note_pieces.*,
        sum(credit_amount_minor) over (
            partition by external_customer_id, currency order by available_from_date, credit_note_id, piece_key
            rows between unbounded preceding and current row
        ) as note_end_minor
    from note_pieces
    where credit_amount_minor > 0
),

invoices as (
    select
        invoice_id,
        external_customer_id,
        currency,
        issuing_date,
        case when sub_total_including_taxes_amount_minor > 0 then sub_total_including_taxes_amount_minor else 0 end as due_amount_minor
    from invoice_subtotals
    where external_customer_id in (select external_customer_id from notes_laid_out)
      and not exists (select 1 from frozen_invoices where frozen_invoices.invoice_id = invoice_subtotals.invoice_id)
),

-- Notes available by each invoice's issuing date, cumulated (a join, not a correlated
-- subquery, so it stays portable).
invoice_available as (
    select
        invoices.invoice_id,
        invoices.external_customer_id,
        invoices.currency,
        invoices.issuing_date,
        invoices.due_amount_minor,
        coalesce(max(notes_laid_out.note_end_minor), 0) as available_cumulative_minor
    from invoices
    left join notes_laid_out
        on invoices.external_customer_id = notes_laid_out.external_customer_id
        and invoices.currency = notes_laid_out.currency
        and notes_laid_out.available_from_date <= invoices.issuing_date
    group by invoices.invoice_id, invoices.external_customer_id, invoices.currency, invoices.issuing_date, invoices.due_amount_minor
),

dues as (
    select
        invoice_available.*,
        sum(due_amount_minor) over (
            partition by external_customer_id, currency order by issuing_date, invoice_id
            rows between unbounded preceding and current row
        ) as due_cumulative_minor
    from invoice_available
),

consumed as (
    select
        dues.*,
        due_cumulative_minor + least(0, min(available_cumulative_minor - due_cumulative_minor) over (
            partition by external_customer_id, currency order by issuing_date, invoice_id
            rows between unbounded preceding and current row
        )) as consumed_cumulative_minor
    from dues
),

slices as (
    select
        consumed.*,
        coalesce(lag(consumed_cumulative_minor) over (
            partition by external_customer_id, currency order by issuing_date, invoice_id
        ), 0) as consumed_before_minor
    from consumed
),

pieces_taken as (
    select
        slices.invoice_id,
        notes_laid_out.credit_note_id,
        notes_laid_out.credit_note_source,
        slices.external_customer_id,
        slices.currency,
        least(slices.consumed_cumulative_minor, notes_laid_out.note_end_minor)
            - greatest(slices.consumed_before_minor, notes_laid_out.note_end_minor - notes_laid_out.credit_amount_minor)
            as credit_amount_minor
    from slices
    inner join notes_laid_out
        on slices.external_customer_id = notes_laid_out.external_customer_id
        and slices.currency = notes_laid_out.currency
        and slices.consumed_cumulative_minor > notes_laid_out.note_end_minor - notes_laid_out.credit_amount_minor
        and slices.consumed_before_minor < notes_laid_out.note_end_minor
    where slices.consumed_cumulative_minor > slices.consumed_before_minor
),

final as (
    select
        invoice_id,
        credit_note_id,
        credit_note_source,
        external_customer_id,
        currency,
        cast(sum(credit_amount_minor) as bigint) as credit_amount_minor
    from pieces_taken
    group by invoice_id, credit_note_id, credit_note_source, external_customer_id, currency
)

select * from final
