-- One row per invoice under review (docs/assurance.md §2): every invoice that is or will be sent
-- to a customer. The cutover rule of collections decides which finalized documents are in force
-- (int_collections__receivable_invoices: the incumbent's `billed` invoices issued before the
-- cutover date, revhouse's own on or after it); to those come the drafts not yet sent that the
-- same rule puts in force: revhouse's drafts in their grace period, and the incumbent's drafts
-- before the cutover. A voided invoice is not under review: it is owed by nobody, which is also
-- how a void cancels a duplicate.
{%- set amounts = ['fees_amount_minor', 'coupons_amount_minor', 'taxes_amount_minor', 'credit_notes_amount_minor', 'prepaid_credit_amount_minor', 'total_amount_minor'] %}

with receivable as (
    select * from {{ ref('int_collections__receivable_invoices') }}
    where voided_at is null
),

billed_invoices as (
    select * from {{ ref('stg_billed__invoices') }}
),

finalized_invoices as (
    select * from {{ ref('fct_finalized_invoices') }}
),

draft_invoices as (
    select * from {{ ref('fct_draft_invoices') }}
),

billed as (
    select
        billed_invoices.*,
        receivable.invoice_id is not null as is_in_force
    from billed_invoices
    left join receivable
        on billed_invoices.invoice_source = receivable.invoice_source
        and billed_invoices.invoice_id = receivable.invoice_id
),

billed_under_review as (
    select
        invoice_id, invoice_number, 'billed' as invoice_source, external_customer_id, currency, issuing_date,
        is_in_force as is_finalized,
        {% for c in amounts %}{{ c }},{% endfor %}
        -- not carried by the billed ingestion (raw.billed_invoices): none
        cast(0 as {{ dbt.type_bigint() }}) as progressive_billing_credit_amount_minor
    from billed
    where is_in_force
        or (status = 'draft' and voided_at is null and issuing_date < {{ cutover_date() }})
),

revhouse_under_review as (
    select
        finalized_invoices.invoice_id, finalized_invoices.invoice_number, 'revhouse' as invoice_source,
        finalized_invoices.external_customer_id, finalized_invoices.currency, finalized_invoices.issuing_date,
        true as is_finalized,
        {% for c in amounts %}finalized_invoices.{{ c }},{% endfor %}
        finalized_invoices.progressive_billing_credit_amount_minor
    from finalized_invoices
    inner join receivable
        on receivable.invoice_source = 'revhouse'
        and finalized_invoices.invoice_id = receivable.invoice_id
    union all
    select
        invoice_id, invoice_number, 'revhouse' as invoice_source, external_customer_id, currency, issuing_date,
        false as is_finalized,
        {% for c in amounts %}{{ c }},{% endfor %}
        progressive_billing_credit_amount_minor
    from draft_invoices
    where {{ own_invoice_in_force('issuing_date') }}
),

final as (
    select * from billed_under_review
    union all
    select * from revhouse_under_review
)

select * from final
