-- Time to cash per invoice (collections.md §6.5): arrival date of the payout holding each payment
-- applied to the invoice − the invoice's finalization date (UTC), weighted by the amount applied;
-- null until every applied payment has been paid out (a failed payout is not cash).
with applications as (
    select * from {{ ref('int_collections__cash_applications') }}
),

invoices as (
    select * from {{ ref('int_collections__receivable_invoices') }}
),

lines as (
    select * from {{ ref('int_collections__payout_lines') }}
),

payouts as (
    select * from {{ ref('int_collections__payouts') }}
),

payment_arrivals as (
    select
        lines.payment_id,
        min(payouts.arrival_date) as arrival_date
    from lines
    inner join payouts
        on lines.gateway = payouts.gateway
        and lines.payout_id = payouts.payout_id
    where lines.payment_id is not null
        and not payouts.is_failed
        and payouts.arrival_date is not null
    group by lines.payment_id
),

applied as (
    select
        applications.invoice_source,
        applications.invoice_id,
        applications.currency,
        applications.amount_minor,
        payment_arrivals.arrival_date,
        {{ dbt.datediff('cast(invoices.finalized_at as date)', 'payment_arrivals.arrival_date', 'day') }} as days_to_cash
    from applications
    inner join invoices
        on applications.invoice_source = invoices.invoice_source
        and applications.invoice_id = invoices.invoice_id
    left join payment_arrivals
        on applications.payment_id = payment_arrivals.payment_id
    where applications.movement_kind = 'applied'
),

per_invoice as (
    select
        invoice_source,
        invoice_id,
        currency,
        cast(sum(amount_minor) as bigint) as applied_amount_minor,
        cast(sum(case when arrival_date is not null then amount_minor else 0 end) as bigint) as paid_out_amount_minor,
        sum(case when arrival_date is not null then amount_minor * days_to_cash else 0 end) as weighted_days_minor,
        min(arrival_date) as first_arrival_date,
        max(arrival_date) as last_arrival_date
    from applied
    group by invoice_source, invoice_id, currency
),

final as (
    select
        invoice_source,
        invoice_id,
        currency,
        applied_amount_minor,
        paid_out_amount_minor,
        first_arrival_date,
        last_arrival_date,
        case when paid_out_amount_minor = applied_amount_minor and applied_amount_minor > 0
            then cast(round({{ exact_divide('weighted_days_minor', 'applied_amount_minor') }}, 2) as decimal(18, 2))
        end as time_to_cash_days
    from per_invoice
)

select * from final
