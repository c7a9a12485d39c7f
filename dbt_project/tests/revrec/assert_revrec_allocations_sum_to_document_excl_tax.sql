{{ config(meta={'dagster': {'ref': {'name': 'int_revrec__performance_obligations'}}}) }}
-- A3: the allocations of an invoice's POs add up exactly to what revenue may come from (its
-- excl-tax amount), for every invoice in force not held in fct_revrec_exceptions, drafts
-- included (their POs accrue revenue before they are billed, A4.4).
with documents as (
    select * from {{ ref('int_revrec__documents') }}
    where document_kind = 'invoice'
),

exceptions as (
    select * from {{ ref('fct_revrec_exceptions') }}
),

allocations as (
    select document_id, sum(allocated_amount_minor) as allocated_amount_minor
    from {{ ref('int_revrec__performance_obligations') }}
    group by document_id
)

select
    documents.document_id,
    documents.excl_tax_amount_minor,
    coalesce(allocations.allocated_amount_minor, 0) as allocated_amount_minor
from documents
left join allocations on documents.document_id = allocations.document_id
where coalesce(allocations.allocated_amount_minor, 0) <> documents.excl_tax_amount_minor
    and not exists (select 1 from exceptions where exceptions.document_id = documents.document_id)
