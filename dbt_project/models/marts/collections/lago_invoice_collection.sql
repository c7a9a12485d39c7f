-- One row per month of the issuing date × currency × payment status × billing entity × customer
-- (collections.md 3): Lago's "invoice collection" dashboard number, count and Σ total of the
-- finalized invoices without a lost dispute, by payment status at `as_of`. Voided invoices are not
-- `finalized` in Lago and stay out; revhouse issues no self-billed invoices. Entity and customer
-- are part of the grain so Lago's filters are where clauses.
with payment_state as (
    select * from {{ ref('int_collections__invoice_payment_state') }}
),

final as (
    select
        cast({{ dbt.date_trunc('month', 'issuing_date') }} as date) as issuing_month_start_date,
        currency,
        currency_exponent,
        payment_status,
        billing_entity_code,
        external_customer_id,
        cast(count(*) as bigint) as invoices_count,
        cast(sum(total_amount_minor) as bigint) as total_amount_minor
    from payment_state
    where not is_voided
      and dispute_lost_at is null
    group by
        {{ dbt.date_trunc('month', 'issuing_date') }}, currency, currency_exponent, payment_status,
        billing_entity_code, external_customer_id
)

select * from final
