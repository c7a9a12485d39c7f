{#- The segments a customer's MRR is cut by (issue 13 item 5), one value per customer for the
    whole history, so every segment's bridge opens where it closed the month before. -#}
with customer_months as (
    select * from {{ ref('int_metrics__mrr_customer_months') }}
),

customers as (
    select * from {{ ref('stg_lago__customers') }}
),

accounts as (
    select * from {{ ref('stg_salesforce__accounts') }}
    where not is_deleted and external_customer_id is not null
),

opportunities as (
    select * from {{ ref('stg_salesforce__opportunities') }}
    where not is_deleted and is_won
),

-- the plan and entity of the customer's latest paying snapshot (its largest item, B1's
-- primary plan), the "current plan" filter ChartMogul and Stripe users know
latest_paying as (
    select
        external_customer_id,
        billing_entity_code,
        primary_plan_code,
        row_number() over (
            partition by external_customer_id
            order by month desc, closing_mrr_minor desc, primary_plan_code, currency
        ) as recency
    from customer_months
    where closing_mrr_minor > 0
),

-- one account per Lago customer: the first by Salesforce id when several name it
mapped_accounts as (
    select
        external_customer_id,
        salesforce_account_id,
        industry,
        row_number() over (partition by external_customer_id order by salesforce_account_id) as account_rank
    from accounts
),

-- acquisition channel = lead source of the account's first won opportunity
first_won as (
    select
        salesforce_account_id,
        lead_source,
        row_number() over (
            partition by salesforce_account_id order by close_date, salesforce_opportunity_id
        ) as won_rank
    from opportunities
),

final as (
    select
        latest_paying.external_customer_id,
        latest_paying.billing_entity_code,
        coalesce(latest_paying.primary_plan_code, 'unknown') as plan_segment,
        coalesce(customers.country, 'unknown') as country_segment,
        case
            when mapped_accounts.salesforce_account_id is null then 'unmapped'
            else coalesce(mapped_accounts.industry, 'unknown')
        end as industry_segment,
        case
            when mapped_accounts.salesforce_account_id is null then 'unmapped'
            else coalesce(first_won.lead_source, 'unknown')
        end as acquisition_channel_segment,
        mapped_accounts.salesforce_account_id
    from latest_paying
    left join customers on latest_paying.external_customer_id = customers.external_customer_id
    left join mapped_accounts
        on latest_paying.external_customer_id = mapped_accounts.external_customer_id
        and mapped_accounts.account_rank = 1
    left join first_won
        on mapped_accounts.salesforce_account_id = first_won.salesforce_account_id
        and first_won.won_rank = 1
    where latest_paying.recency = 1
)

select * from final
