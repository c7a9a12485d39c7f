-- INTERFACE STUB (replaced by the MRR-core work, metrics-and-revrec.md B1, B2, B10, B11): one
-- row per customer, document currency and complete month from the customer's first paying
-- month to the last month end before as_of, zero months included. Movements, rates, cohorts
-- and segments read only these columns.
with final as (
    select
        cast(null as varchar) as external_customer_id,
        cast(null as varchar) as currency,
        cast(null as varchar) as billing_entity_code,
        cast(null as date) as month,
        cast(null as date) as month_end_date,
        cast(null as bigint) as closing_mrr_minor,
        cast(null as varchar) as primary_plan_code,
        cast(null as integer) as paying_items_count,
        cast(null as bigint) as scheduled_churn_mrr_minor,
        cast(null as date) as scheduled_churn_date,
        cast(null as varchar) as reporting_currency,
        cast(null as decimal(24, 10)) as fx_rate,
        cast(null as date) as fx_rate_date,
        cast(null as bigint) as closing_mrr_reporting_minor
)

select * from final
where 1 = 0
