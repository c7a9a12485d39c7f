-- One row per currency × month in which invoices were paid (collections.md 6.4): the invoices
-- brought to due = 0 by cash in that month (paid_date = that application, as of `as_of`);
-- average days to pay weighted by total = Σ total × (paid_date − issuing_date) ÷ Σ total, the
-- plain mean of the same days, and the plain mean of days late = paid_date − due date (negative
-- = paid early). Rounded half away from zero to 0.1 day.
with payment_state as (
    select * from {{ ref('int_collections__invoice_payment_state') }}
),

paid_invoices as (
    select
        currency,
        currency_exponent,
        cast({{ dbt.date_trunc('month', 'paid_date') }} as date) as paid_month_start_date,
        total_amount_minor,
        {{ dbt.datediff('issuing_date', 'paid_date', 'day') }} as days_to_pay,
        {{ dbt.datediff('payment_due_date', 'paid_date', 'day') }} as days_late
    from payment_state
    where paid_date is not null
),

final as (
    select
        paid_month_start_date,
        currency,
        currency_exponent,
        cast(count(*) as bigint) as paid_invoices_count,
        cast(sum(total_amount_minor) as bigint) as paid_total_amount_minor,
        cast(round({{ exact_divide('sum(total_amount_minor * days_to_pay)', 'sum(total_amount_minor)') }}, 1) as decimal(9, 1)) as weighted_days_to_pay,
        cast(round({{ exact_divide('sum(days_to_pay)', 'count(*)') }}, 1) as decimal(9, 1)) as mean_days_to_pay,
        cast(round({{ exact_divide('sum(days_late)', 'count(*)') }}, 1) as decimal(9, 1)) as mean_days_late
    from paid_invoices
    group by paid_month_start_date, currency, currency_exponent
)

select * from final
