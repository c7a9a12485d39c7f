{{ config(meta={'dagster': {'ref': {'name': 'int_revrec__postings'}}}) }}
-- Every finalized document in force up to the report date is posted exactly once in full (A6,
-- A11), and a draft not at all (it is billed when finalized, A4.4):
-- per invoice Σ billed_delta = excl-tax amount, Σ tax_delta = tax, Σ ar_delta = total; per
-- credit note and per void the same with the opposite sign; no document dropped or doubled,
-- even when it spans contracts or was re-dated after a close.
with documents as (
    select * from {{ ref('int_revrec__documents') }}
),

postings as (
    select * from {{ ref('int_revrec__postings') }}
    where posting_kind in ('invoice', 'credit_note', 'void')
),

report_date as (
    select * from {{ ref('int_revrec__report_date') }}
),

expected as (
    select document_id, document_kind as posting_kind, excl_tax_amount_minor, taxes_amount_minor, total_amount_minor
    from documents
    cross join report_date
    where documents.document_date <= report_date.report_date and documents.is_finalized
    union all
    select document_id, 'void' as posting_kind, excl_tax_amount_minor, taxes_amount_minor, total_amount_minor
    from documents
    cross join report_date
    where documents.document_kind = 'invoice' and documents.voided_on <= report_date.report_date and documents.is_finalized
),

posted as (
    select
        document_id,
        posting_kind,
        sum(billed_delta_minor) as billed_minor,
        sum(tax_delta_minor) as tax_minor,
        sum(ar_delta_minor) as ar_minor
    from postings
    group by document_id, posting_kind
)

select
    coalesce(expected.document_id, posted.document_id) as document_id,
    coalesce(expected.posting_kind, posted.posting_kind) as posting_kind,
    posted.billed_minor,
    posted.tax_minor,
    posted.ar_minor
from expected
full outer join posted
    on expected.document_id = posted.document_id
    and expected.posting_kind = posted.posting_kind
where expected.document_id is null
    or posted.document_id is null
    or posted.billed_minor <> case when expected.posting_kind = 'invoice' then 1 else -1 end * expected.excl_tax_amount_minor
    or posted.tax_minor <> case when expected.posting_kind = 'invoice' then 1 else -1 end * expected.taxes_amount_minor
    or posted.ar_minor <> case when expected.posting_kind = 'invoice' then 1 else -1 end * expected.total_amount_minor
