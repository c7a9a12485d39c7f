with source as ({{ children_of_latest(source('billed', 'billed_credit_note_items'), source('billed', 'billed_credit_notes'), 'credit_note_id', 'credit_note_id') }}),

final as (
    select
        invoice_source,
        credit_note_id,
        cast(line_number as integer) as line_number,
        item_id,
        item_type,
        credited_line_id,
        description,
        cast(amount_minor as bigint) as amount_minor,
        cast(inclusive_tax_amount_minor as bigint) as inclusive_tax_amount_minor,
        {{ lineage_columns() }}
    from source
)

select * from final
