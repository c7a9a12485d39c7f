-- pricing.md 8: per billing entity, finalized invoice numbers run 1..n without gaps or
-- repeats, and each number spells its sequence.
with finalized as (
    select billing_entity_code, invoice_sequence, invoice_number
    from {{ ref('fct_invoices') }}
    where status in ('finalized', 'voided')
),

per_entity as (
    select
        billing_entity_code,
        count(*) as invoices_count,
        count(distinct invoice_sequence) as distinct_sequences,
        min(invoice_sequence) as first_sequence,
        max(invoice_sequence) as last_sequence
    from finalized
    group by billing_entity_code
)

select billing_entity_code, 'gap or repeat' as problem
from per_entity
where first_sequence <> 1 or last_sequence <> invoices_count or distinct_sequences <> invoices_count
union all
select billing_entity_code, 'number does not end with its sequence' as problem
from finalized
where invoice_number not like '%-' || lpad(cast(invoice_sequence as {{ dbt.type_string() }}), 6, '0')
