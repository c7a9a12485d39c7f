-- Invoices in force whose revenue is not posted until someone resolves them (A3.4 residual SSP
-- not positive or several residual lines, A4.4 usage without the right-to-invoice expedient, a
-- negative line): one row per document, with the reason. Their AR and tax still post; their
-- excl-tax amount stays deferred until the exception is resolved. A draft (is_finalized
-- false) is listed too: it posts nothing until finalized, and earns nothing until resolved.
with po_lines as (
    select * from {{ ref('int_revrec__po_lines') }}
    where exception_reason is not null
),

final as (
    select
        document_id,
        max(contract_id) as contract_id,
        max(document_number) as document_number,
        max(external_customer_id) as external_customer_id,
        max(billing_entity_code) as billing_entity_code,
        max(currency) as currency,
        max(issuing_date) as issuing_date,
        max(exception_reason) as exception_reason,
        cast(count(*) as bigint) as lines_count,
        cast(sum(transaction_price_minor) as bigint) as transaction_price_minor,
        cast(max(residual_amount_minor) as bigint) as residual_amount_minor,
        is_finalized
    from po_lines
    group by document_id, is_finalized
)

select * from final
