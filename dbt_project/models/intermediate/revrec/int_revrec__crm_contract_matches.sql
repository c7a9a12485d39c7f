-- A1: the CRM contract of each billing subscription, when exactly one matches. A contract
-- matches a subscription when it is Activated and not deleted, was signed from the
-- opportunity (Closed Won, not deleted) of a contracted item (int_assurance__contracted_items:
-- the line's product mapped to a plan by reference/crm_product_map) whose plan and customer
-- (the account's External_Customer_Id__c, else the opportunity's) are the subscription's, and
-- its start date is the subscription's start date (local, in the customer's timezone, else
-- the entity's, else UTC).
-- Zero or several matching contracts: no row (the subscription is the contract; never guess).
with subscription_versions as (
    {{ subscription_local_starts() }}
),

-- what was sold, mapped to plans once (int_assurance__contracted_items); A1 keeps only the
-- lines of an Activated, not deleted contract signed from their own opportunity
contracted_items as (
    select * from {{ ref('int_assurance__contracted_items') }}
    where plan_code is not null
),

contracts as (
    select * from {{ ref('stg_salesforce__contracts') }}
    where contract_status = 'Activated' and not is_deleted
),

subscription_starts as (
    select distinct
        external_subscription_id,
        external_customer_id,
        plan_code,
        start_date
    from subscription_versions
),

contract_lines as (
    select distinct
        contracts.salesforce_contract_id,
        contracted_items.external_customer_id,
        contracts.start_date,
        contracts.end_date,
        contracts.contract_term_months,
        contracted_items.opportunity_id as salesforce_opportunity_id,
        contracted_items.contract_item_id as salesforce_opportunity_line_item_id,
        contracted_items.plan_code
    from contracted_items
    inner join contracts
        on contracted_items.contract_id = contracts.salesforce_contract_id
        and contracted_items.opportunity_id = contracts.salesforce_opportunity_id
),

candidates as (
    select
        subscription_starts.external_subscription_id,
        contract_lines.salesforce_contract_id,
        contract_lines.salesforce_opportunity_id,
        contract_lines.salesforce_opportunity_line_item_id,
        contract_lines.start_date,
        contract_lines.end_date,
        contract_lines.contract_term_months
    from subscription_starts
    inner join contract_lines
        on subscription_starts.external_customer_id = contract_lines.external_customer_id
        and subscription_starts.plan_code = contract_lines.plan_code
        and subscription_starts.start_date = contract_lines.start_date
),

counted as (
    select
        candidates.*,
        count(distinct salesforce_contract_id) over (partition by external_subscription_id) as contracts_matched,
        row_number() over (
            partition by external_subscription_id
            order by salesforce_opportunity_line_item_id
        ) as line_rank
    from candidates
),

final as (
    select
        external_subscription_id,
        salesforce_contract_id,
        salesforce_opportunity_id,
        -- several lines of the one contract mapped to the plan: the first by id is the link kept
        salesforce_opportunity_line_item_id,
        start_date as contract_start_date,
        -- A4.3 initial term: the contract's end date, else start + term months − 1 day
        coalesce(
            end_date,
            case
                when contract_term_months is not null
                    then cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 'contract_term_months', 'start_date')) }} as date)
            end
        ) as contract_end_date
    from counted
    where contracts_matched = 1 and line_rank = 1
)

select * from final
