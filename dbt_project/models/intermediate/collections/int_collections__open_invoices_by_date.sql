-- One row per report date × receivable invoice open at that date (collections.md 6.1, 6.2):
-- finalized by the date, not voided by it, open amount = total − everything settled by the end
-- of that day (cash net of reversals, credit-note settlements, offsets), kept only when above 0
-- (more settled than owed is unapplied cash, not a negative receivable). days_past_due =
-- report date − due date, with its aging bucket: current (<= 0), 1-30, 31-60, 61-90, 90+ (>= 91).
with invoices as (
    select * from {{ ref('int_collections__receivable_invoices') }}
),

settlements as (
    select * from {{ ref('int_collections__invoice_settlements') }}
),

report_dates as (
    select * from {{ ref('int_collections__report_dates') }}
),

invoices_at_date as (
    select report_dates.report_date, report_dates.is_month_end, report_dates.is_as_of_date, invoices.*
    from report_dates
    inner join invoices
        on cast(invoices.finalized_at as date) <= report_dates.report_date
        and (invoices.voided_at is null or cast(invoices.voided_at as date) > report_dates.report_date)
),

settled_at_date as (
    select
        report_dates.report_date,
        settlements.invoice_source,
        settlements.invoice_id,
        sum(settlements.amount_minor) as settled_amount_minor
    from report_dates
    inner join settlements on cast(settlements.effective_at as date) <= report_dates.report_date
    group by report_dates.report_date, settlements.invoice_source, settlements.invoice_id
),

open_amounts as (
    select
        invoices_at_date.*,
        invoices_at_date.total_amount_minor - coalesce(settled_at_date.settled_amount_minor, 0) as open_amount_minor,
        {{ dbt.datediff('invoices_at_date.payment_due_date', 'invoices_at_date.report_date', 'day') }} as days_past_due
    from invoices_at_date
    left join settled_at_date
        on invoices_at_date.report_date = settled_at_date.report_date
        and invoices_at_date.invoice_source = settled_at_date.invoice_source
        and invoices_at_date.invoice_id = settled_at_date.invoice_id
),

final as (
    select
        report_date,
        is_month_end,
        is_as_of_date,
        invoice_source,
        invoice_id,
        invoice_number,
        external_customer_id,
        billing_entity_code,
        currency,
        currency_exponent,
        total_amount_minor,
        payment_due_date,
        cast(open_amount_minor as bigint) as open_amount_minor,
        days_past_due,
        case
            when days_past_due <= 0 then 'current'
            when days_past_due <= 30 then '1-30'
            when days_past_due <= 60 then '31-60'
            when days_past_due <= 90 then '61-90'
            else '90+'
        end as aging_bucket
    from open_amounts
    where open_amount_minor > 0
)

select * from final
