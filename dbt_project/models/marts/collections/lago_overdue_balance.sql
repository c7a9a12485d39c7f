-- One row per month of the due date × currency × billing entity × customer with overdue
-- invoices at `as_of`: Lago's "overdue balance" dashboard number (collections.md 3), Σ (total −
-- paid − offset) of the payment-overdue invoices (net of partial payments, unlike the dunning
-- B(c)), with their ids. revhouse issues no self-billed invoices and keeps no deleted ones, so
-- Lago's two exclusions hold by construction. The customer is part of the grain so Lago's
-- customer filter is a where clause.
with payment_state as (
    select * from {{ ref('int_collections__invoice_payment_state') }}
),

final as (
    select
        cast({{ dbt.date_trunc('month', 'payment_due_date') }} as date) as due_month_start_date,
        currency,
        currency_exponent,
        billing_entity_code,
        external_customer_id,
        cast(sum(total_amount_minor - paid_amount_minor - offset_amount_minor) as bigint) as overdue_balance_amount_minor,
        cast(count(*) as bigint) as overdue_invoices_count,
        {{ dbt.listagg('invoice_id', "', '", "order by invoice_id") }} as invoice_ids
    from payment_state
    where is_payment_overdue
    group by
        {{ dbt.date_trunc('month', 'payment_due_date') }}, currency, currency_exponent,
        billing_entity_code, external_customer_id
)

select * from final
