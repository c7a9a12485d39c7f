-- One row per dated movement that settles (or unsettles) part of a receivable invoice
-- (collections.md 1.4, 6.1): the cash moved onto or off it (int_collections__cash_applications,
-- every kind, signed) and the offset part of its finalized revhouse credit notes, dated the
-- day the note became available. Settled by instant t = Σ amount_minor with effective_at <= t;
-- only `is_cash` rows count as paid. Imported invoices carry no revhouse offsets (Lago's own
-- figures come with them). What Lago reports paid on an imported invoice beyond the cash
-- applied here (its gateway files not landed, e.g. before the migration) is one
-- `lago_reported_paid` row, cash, dated at the issuing date (Lago's export gives no payment
-- date): never counted twice, and never shown as open in aging.
with cash_applications as (
    select * from {{ ref('int_collections__cash_applications') }}
),

credit_notes as (
    select * from {{ ref('int_billing__credit_notes') }}
),

invoices as (
    select * from {{ ref('int_collections__receivable_invoices') }}
),

cash as (
    select
        invoice_source,
        invoice_id,
        application_id as settlement_id,
        movement_kind as settlement_kind,
        movement_kind <> 'credit_note_settlement' as is_cash,
        cast(amount_minor as bigint) as amount_minor,
        cast(effective_at as timestamp) as effective_at
    from cash_applications
),

offsets as (
    select
        'revhouse' as invoice_source,
        credited_invoice_id as invoice_id,
        {{ dbt.concat(["'offset:'", 'credit_note_id']) }} as settlement_id,
        'credit_note_offset' as settlement_kind,
        false as is_cash,
        cast(offset_amount_minor as bigint) as amount_minor,
        cast(available_from_date as timestamp) as effective_at
    from credit_notes
    where credit_note_source <> 'lago_import'
      and offset_amount_minor > 0
),

-- Lago's paid figure does not drop when a gateway refunds or charges back (collections.md
-- 1.4), so it is compared with the cash that reached the invoice here before anything was
-- taken back: a refund or chargeback landed here still reopens the invoice (4.4, 4.5).
cash_per_invoice as (
    select invoice_source, invoice_id, sum(amount_minor) as cash_amount_minor
    from cash
    where settlement_kind = 'applied'
    group by invoice_source, invoice_id
),

lago_reported as (
    select
        invoices.invoice_source,
        invoices.invoice_id,
        {{ dbt.concat(["'lago_reported_paid:'", 'invoices.invoice_id']) }} as settlement_id,
        'lago_reported_paid' as settlement_kind,
        true as is_cash,
        cast(invoices.reported_paid_amount_minor - coalesce(cash_per_invoice.cash_amount_minor, 0) as bigint) as amount_minor,
        cast(invoices.issuing_date as timestamp) as effective_at
    from invoices
    left join cash_per_invoice
        on invoices.invoice_source = cash_per_invoice.invoice_source
        and invoices.invoice_id = cash_per_invoice.invoice_id
    where invoices.invoice_source <> 'revhouse'
      and invoices.reported_paid_amount_minor > coalesce(cash_per_invoice.cash_amount_minor, 0)
),

final as (
    select * from cash
    union all
    select * from offsets
    union all
    select * from lago_reported
)

select * from final
