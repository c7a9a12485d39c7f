-- One row per report date × receivable invoice open at that date (collections.md 6.1, 6.2):
-- the invoice's open-amount period holding the date (int_collections__invoice_open_amounts),
-- days_past_due = report date − due date, in the aging bucket of the `aging_buckets` seed whose
-- bounds hold it (the seed is the only place the boundaries are written).
with open_amounts as (
    select * from {{ ref('int_collections__invoice_open_amounts') }}
),

report_dates as (
    select * from {{ ref('int_collections__report_dates') }}
),

aging_buckets as (
    select * from {{ ref('aging_buckets') }}
),

open_at_date as (
    select
        report_dates.report_date,
        report_dates.is_month_end,
        report_dates.is_as_of_date,
        open_amounts.*,
        {{ dbt.datediff('open_amounts.payment_due_date', 'report_dates.report_date', 'day') }} as days_past_due
    from report_dates
    inner join open_amounts
        on open_amounts.open_from_date <= report_dates.report_date
        and (open_amounts.open_until_date is null or report_dates.report_date < open_amounts.open_until_date)
),

final as (
    select
        open_at_date.report_date,
        open_at_date.is_month_end,
        open_at_date.is_as_of_date,
        open_at_date.invoice_source,
        open_at_date.invoice_id,
        open_at_date.invoice_number,
        open_at_date.external_customer_id,
        open_at_date.billing_entity_code,
        open_at_date.currency,
        open_at_date.currency_exponent,
        open_at_date.total_amount_minor,
        open_at_date.payment_due_date,
        open_at_date.open_amount_minor,
        open_at_date.days_past_due,
        aging_buckets.aging_bucket
    from open_at_date
    inner join aging_buckets
        on {{ aging_bucket_holds('aging_buckets', 'open_at_date.days_past_due') }}
)

select * from final
