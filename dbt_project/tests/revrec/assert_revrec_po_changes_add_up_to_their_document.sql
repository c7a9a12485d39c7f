{{ config(meta={'dagster': {'ref': {'name': 'int_revrec__po_changes'}}}) }}
-- A8: what a credit note or void takes off its POs adds up exactly to its excl-tax amount and
-- its tax, whether it follows the lines its items name, is spread, or both.
with documents as (
    select * from {{ ref('int_revrec__documents') }}
),

changes as (
    select
        change_id,
        change_source,
        document_id,
        sum(amount_minor) as amount_minor,
        sum(taxes_amount_minor) as taxes_amount_minor
    from {{ ref('int_revrec__po_changes') }}
    group by change_id, change_source, document_id
)

select
    changes.change_id,
    changes.amount_minor,
    documents.excl_tax_amount_minor,
    changes.taxes_amount_minor,
    documents.taxes_amount_minor as document_taxes_amount_minor
from changes
inner join documents on changes.document_id = documents.document_id
where changes.amount_minor <> documents.excl_tax_amount_minor
    or changes.taxes_amount_minor <> documents.taxes_amount_minor
