-- Credit notes and voids as changes of performance obligations (metrics-and-revrec.md A8, A9):
-- one row per change × PO. A note naming a fee changes that fee's PO; an imported note's items
-- each change the PO of the invoice line they name; a note on the whole invoice, an item whose
-- line is not a PO of the invoice, and a void are spread over the invoice's POs pro rata to
-- their allocations.
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

note_items as (
    select * from {{ ref('stg_billed__credit_note_items') }}
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

-- A8: the items of the notes in force, each with its amount excl. tax (Stripe's inclusive tax
-- out) and whether the line it names is a PO of the credited invoice
items as (
    select
        changes.change_id,
        changes.credited_invoice_id,
        changes.amount_minor as note_amount_minor,
        changes.taxes_amount_minor as note_taxes_amount_minor,
        note_items.line_number as item_number,
        note_items.credited_line_id,
        note_items.amount_minor - coalesce(note_items.inclusive_tax_amount_minor, 0) as item_amount_minor,
        named.line_id is not null as names_a_po
    from note_items
    inner join changes
        on changes.change_source = 'credit_note'
        and note_items.credit_note_id = changes.change_id
    left join performance_obligations as named
        on changes.credited_invoice_id = named.document_id
        and note_items.credited_line_id = named.line_id
),

-- a note is split by its items only when every item says how much it credits
item_notes as (
    select
        change_id,
        count(*) = count(item_amount_minor) as is_itemized
    from items
    group by change_id
),

-- the note's excl-tax amount and tax shared by its items pro rata to their amounts (equal to
-- the items' amounts when they add up to the note, as Lago's do without a coupons adjustment);
-- rounded per item, the residual to the largest item (first item on ties)
item_weights as (
    select
        items.*,
        sum(items.item_amount_minor) over (partition by items.change_id) as items_amount_minor,
        row_number() over (
            partition by items.change_id
            order by items.item_amount_minor desc, items.item_number
        ) as item_rank
    from items
    inner join item_notes on items.change_id = item_notes.change_id
    where item_notes.is_itemized
),

item_rounded as (
    select
        item_weights.*,
        coalesce({{ round_minor(exact_divide('note_amount_minor * item_amount_minor', 'items_amount_minor')) }}, 0) as rounded_amount_minor,
        coalesce({{ round_minor(exact_divide('note_taxes_amount_minor * item_amount_minor', 'items_amount_minor')) }}, 0) as rounded_taxes_minor
    from item_weights
),

item_shares as (
    select
        item_rounded.*,
        {{ share_with_residual('rounded_amount_minor', 'note_amount_minor', 'change_id', 'item_rank = 1') }} as share_amount_minor,
        {{ share_with_residual('rounded_taxes_minor', 'note_taxes_amount_minor', 'change_id', 'item_rank = 1') }} as share_taxes_minor
    from item_rounded
),

-- what is to be put on POs: a whole change (on the credited fee's PO, else over the whole
-- invoice), or one item's share of its note (on the PO of its line, else over the invoice)
portions as (
    select
        changes.change_id,
        changes.change_id as portion_id,
        changes.credited_invoice_id,
        changes.credited_fee_id as target_line_id,
        changes.amount_minor,
        changes.taxes_amount_minor,
        case
            when changes.credited_fee_id is not null then cast(null as {{ dbt.type_string() }})
            when item_notes.change_id is not null then 'item_amount_missing'
            else 'whole_invoice'
        end as spread_reason
    from changes
    left join item_notes on changes.change_id = item_notes.change_id
    where not coalesce(item_notes.is_itemized, false)
    union all
    select
        item_shares.change_id,
        item_shares.change_id || '#' || cast(item_shares.item_number as {{ dbt.type_string() }}) as portion_id,
        item_shares.credited_invoice_id,
        case when item_shares.names_a_po then item_shares.credited_line_id end as target_line_id,
        item_shares.share_amount_minor as amount_minor,
        item_shares.share_taxes_minor as taxes_amount_minor,
        case when item_shares.names_a_po then cast(null as {{ dbt.type_string() }}) else 'item_line_unknown' end as spread_reason
    from item_shares
),

-- the POs each portion touches: its line's, else every PO of the invoice
targets as (
    select
        portions.*,
        performance_obligations.po_id,
        performance_obligations.allocated_amount_minor,
        sum(performance_obligations.allocated_amount_minor) over (partition by portions.portion_id) as targets_allocated_minor,
        row_number() over (
            partition by portions.portion_id
            order by performance_obligations.allocated_amount_minor desc, performance_obligations.line_number
        ) as allocation_rank
    from portions
    inner join performance_obligations
        on portions.credited_invoice_id = performance_obligations.document_id
        and (portions.target_line_id is null or portions.target_line_id = performance_obligations.line_id)
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
        {{ share_with_residual('amount_share_minor', 'amount_minor', 'portion_id', 'allocation_rank = 1') }} as po_amount_minor,
        {{ share_with_residual('taxes_share_minor', 'taxes_amount_minor', 'portion_id', 'allocation_rank = 1') }} as po_taxes_amount_minor
    from shares
),

-- one row per change × PO (an item on a line and another spread over the invoice meet there)
po_totals as (
    select
        change_id,
        po_id,
        sum(po_amount_minor) as po_amount_minor,
        sum(po_taxes_amount_minor) as po_taxes_amount_minor,
        max(spread_reason) as spread_reason
    from spread
    group by change_id, po_id
),

kinds as (
    select
        changes.*,
        po_totals.po_id,
        po_totals.po_amount_minor,
        po_totals.po_taxes_amount_minor,
        po_totals.spread_reason,
        performance_obligations.contract_id,
        performance_obligations.pattern,
        performance_obligations.delivered_on,
        performance_obligations.service_end_date,
        case
            when change_source = 'void' then 'billing_error'
            -- money back for a point-in-time item already delivered
            when pattern = 'point_in_time' and delivered_on <= issued_on then 'refund'
            when reason in ('order_change', 'order_cancellation') then 'unused_service'
            when reason in ('duplicated_charge', 'fraudulent_charge', 'duplicate', 'fraudulent') then 'billing_error'
            else 'price_concession'
        end as kind
    from po_totals
    inner join changes on po_totals.change_id = changes.change_id
    inner join performance_obligations on po_totals.po_id = performance_obligations.po_id
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
        cast(po_taxes_amount_minor as bigint) as taxes_amount_minor,
        spread_reason
    from kinds
)

select * from final
