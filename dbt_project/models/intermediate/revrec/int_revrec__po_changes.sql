-- Credit notes and voids as changes of performance obligations (metrics-and-revrec.md A8, A9):
-- one row per change × PO. A note naming a fee changes that fee's PO; a note on the whole
-- invoice, and a void, are spread over the invoice's POs pro rata to their allocations.
with documents as (
    select * from {{ ref('int_revrec__documents') }}
),

performance_obligations as (
    select * from {{ ref('int_revrec__performance_obligations') }}
),

own_credit_notes as (
    select * from {{ ref('int_billing__credit_notes') }}
),

termination_credits as (
    select * from {{ ref('int_billing__termination_credits') }}
),

changes as (
    select
        notes.document_id as change_id,
        'credit_note' as change_source,
        notes.document_id,
        notes.related_invoice_id as credited_invoice_id,
        own_credit_notes.credited_fee_id,
        notes.reason,
        notes.document_date as issued_on,
        notes.excl_tax_amount_minor as amount_minor,
        notes.taxes_amount_minor,
        termination_credits.unused_days
    from documents as notes
    left join own_credit_notes on notes.document_id = own_credit_notes.credit_note_id
    left join termination_credits on notes.document_id = termination_credits.credit_id
    where notes.document_kind = 'credit_note'
    union all
    -- A8: an applied void is a billing error of the whole invoice, on the void date
    select
        'void:' || invoices.document_id as change_id,
        'void' as change_source,
        invoices.document_id,
        invoices.document_id as credited_invoice_id,
        cast(null as {{ dbt.type_string() }}) as credited_fee_id,
        'void' as reason,
        invoices.voided_on as issued_on,
        invoices.excl_tax_amount_minor as amount_minor,
        invoices.taxes_amount_minor,
        cast(null as integer) as unused_days
    from documents as invoices
    where invoices.document_kind = 'invoice' and invoices.voided_on is not null
),

-- the POs each change touches: the credited fee's, else every PO of the invoice
targets as (
    select
        changes.*,
        performance_obligations.po_id,
        performance_obligations.contract_id,
        performance_obligations.pattern,
        performance_obligations.delivered_on,
        performance_obligations.service_end_date,
        performance_obligations.allocated_amount_minor,
        sum(performance_obligations.allocated_amount_minor) over (partition by changes.change_id) as targets_allocated_minor,
        row_number() over (
            partition by changes.change_id
            order by performance_obligations.allocated_amount_minor desc, performance_obligations.line_number
        ) as allocation_rank
    from changes
    inner join performance_obligations
        on changes.credited_invoice_id = performance_obligations.document_id
        and (changes.credited_fee_id is null or changes.credited_fee_id = performance_obligations.line_id)
),

-- pro rata to allocation, rounded per PO, the residual to the largest allocation
shares as (
    select
        targets.*,
        coalesce({{ round_minor(exact_divide('amount_minor * allocated_amount_minor', 'targets_allocated_minor')) }}, 0) as amount_share_minor,
        coalesce({{ round_minor(exact_divide('taxes_amount_minor * allocated_amount_minor', 'targets_allocated_minor')) }}, 0) as taxes_share_minor
    from targets
),

spread as (
    select
        shares.*,
        {{ share_with_residual('amount_share_minor', 'amount_minor', 'change_id', 'allocation_rank = 1') }} as po_amount_minor,
        {{ share_with_residual('taxes_share_minor', 'taxes_amount_minor', 'change_id', 'allocation_rank = 1') }} as po_taxes_amount_minor
    from shares
),

kinds as (
    select
        spread.*,
        case
            when change_source = 'void' then 'billing_error'
            -- money back for a point-in-time item already delivered
            when pattern = 'point_in_time' and delivered_on <= issued_on then 'refund'
            when reason in ('order_change', 'order_cancellation') then 'unused_service'
            when reason in ('duplicated_charge', 'fraudulent_charge', 'duplicate', 'fraudulent') then 'billing_error'
            else 'price_concession'
        end as kind
    from spread
),

final as (
    select
        change_id,
        change_source,
        po_id,
        contract_id,
        document_id,
        credited_invoice_id,
        kind,
        reason,
        case
            -- the credited fee's first unused day: the termination / upgrade day's next
            when kind = 'unused_service' and unused_days is not null
                then cast({{ dbt.dateadd('day', '1 - unused_days', 'service_end_date') }} as date)
            else issued_on
        end as effective_on,
        issued_on,
        cast(po_amount_minor as bigint) as amount_minor,
        cast(po_taxes_amount_minor as bigint) as taxes_amount_minor
    from kinds
)

select * from final
