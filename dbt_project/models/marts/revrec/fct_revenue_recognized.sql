-- Posted revenue (A10: the figures as posted, closed periods frozen) by PO × posting period ×
-- kind × period of origin, from the subledger int_revrec__postings, up to the report date.
-- The target schedule "as restated" is fct_revenue_schedule, a separate mart.
with postings as (
    select * from {{ ref('int_revrec__postings') }}
    where posting_kind in ('recognition', 'catch_up', 'adjustment')
),

report_date as (
    select * from {{ ref('int_revrec__report_date') }}
),

final as (
    select
        postings.po_id,
        postings.contract_id,
        postings.document_id,
        postings.external_customer_id,
        postings.billing_entity_code,
        postings.currency,
        postings.posting_period,
        postings.posting_kind,
        postings.period_of_origin,
        postings.period_of_origin <> postings.posting_period as is_late,
        cast(sum(postings.recognized_delta_minor) as bigint) as recognized_minor,
        cast(sum(postings.contra_delta_minor) as bigint) as contra_revenue_minor,
        cast(sum(postings.recognized_delta_minor + postings.contra_delta_minor) as bigint) as revenue_minor,
        cast(count(*) as bigint) as postings_count
    from postings
    cross join report_date
    where postings.posting_date <= report_date.report_date
    group by
        postings.po_id, postings.contract_id, postings.document_id, postings.external_customer_id,
        postings.billing_entity_code, postings.currency, postings.posting_period, postings.posting_kind,
        postings.period_of_origin
)

select * from final
