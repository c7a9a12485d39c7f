-- A credit note's excl-tax amount and tax make its total (no customer-credit part), and the
-- invoice it credits is a document in force.
with documents as (
    select * from {{ ref('int_revrec__documents') }}
)

select notes.document_id, notes.total_amount_minor, notes.excl_tax_amount_minor, notes.taxes_amount_minor
from documents as notes
left join documents as invoices on notes.related_invoice_id = invoices.document_id
where notes.document_kind = 'credit_note'
    and (notes.customer_credit_amount_minor <> 0 or invoices.document_id is null)
