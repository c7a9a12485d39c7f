-- What was sold (docs/assurance.md §1): one row per line item of a Closed Won, not deleted
-- opportunity, mapped to the billing catalog by reference/crm_product_map (Product2 Id first,
-- then ProductCode on the line, then the product's own ProductCode). The contract is the one
-- signed from the opportunity (Contract.Opportunity__c), else the account's only Activated
-- contract; the customer is the account's External_Customer_Id__c, else the opportunity's.
with opportunities as (
    select * from {{ ref('stg_salesforce__opportunities') }}
    where (is_won or stage_name = 'Closed Won') and not is_deleted
),

line_items as (
    select * from {{ ref('stg_salesforce__opportunity_line_items') }}
    where not is_deleted
),

products as (
    select * from {{ ref('stg_salesforce__products') }}
),

pricebook_entries as (
    select * from {{ ref('stg_salesforce__pricebook_entries') }}
    where not is_deleted
),

accounts as (
    select * from {{ ref('stg_salesforce__accounts') }}
    where not is_deleted
),

contracts as (
    select * from {{ ref('stg_salesforce__contracts') }}
    where not is_deleted
),

product_map as (
    select * from {{ ref('stg_reference__crm_product_map') }}
),

-- the contract signed from the opportunity (the org's Opportunity__c custom field)
-- (several: an Activated one first, then the latest id)
ranked_signed_contracts as (
    select
        salesforce_opportunity_id,
        salesforce_contract_id,
        row_number() over (
            partition by salesforce_opportunity_id
            order by case when contract_status = 'Activated' then 0 else 1 end, salesforce_contract_id desc
        ) as contract_rank
    from contracts
    where salesforce_opportunity_id is not null
),

signed_contracts as (
    select salesforce_opportunity_id, salesforce_contract_id
    from ranked_signed_contracts
    where contract_rank = 1
),

-- the account's contract when it has exactly one Activated one (no Opportunity__c link)
account_contracts as (
    select
        salesforce_account_id,
        max(salesforce_contract_id) as salesforce_contract_id
    from contracts
    where contract_status = 'Activated'
    group by salesforce_account_id
    having count(*) = 1
),

items as (
    select
        line_items.salesforce_opportunity_line_item_id as contract_item_id,
        opportunities.salesforce_opportunity_id as opportunity_id,
        coalesce(signed_contracts.salesforce_contract_id, account_contracts.salesforce_contract_id) as contract_id,
        opportunities.salesforce_account_id as sf_account_id,
        coalesce(
            accounts.external_customer_id,
            {{ json_get('opportunities.custom_fields_json', "'external_customer_id__c'") }}
        ) as external_customer_id,
        coalesce(line_items.product_code, products.product_code, line_items.salesforce_product_id) as product_code,
        coalesce(by_id.plan_code, by_line_code.plan_code, by_product_code.plan_code) as plan_code,
        case
            when by_id.crm_product is not null then by_id.charge_code
            when by_line_code.crm_product is not null then by_line_code.charge_code
            else by_product_code.charge_code
        end as charge_code,
        coalesce(by_id.quantity_field, by_line_code.quantity_field, by_product_code.quantity_field) as quantity_field,
        line_items.quantity as line_quantity,
        line_items.custom_fields_json as line_custom_fields_json,
        cast(line_items.unit_price_amount_minor as decimal(38, 12)) as unit_price_minor,
        cast(coalesce(line_items.list_price_amount_minor, pricebook_entries.unit_price_amount_minor) as decimal(38, 12))
            as list_price_minor,
        coalesce(line_items.currency, opportunities.currency) as currency,
        coalesce(line_items.service_date, linked_contracts.start_date, opportunities.close_date) as start_date,
        linked_contracts.end_date as contract_end_date,
        linked_contracts.contract_term_months,
        opportunities.close_date
    from line_items
    inner join opportunities on line_items.salesforce_opportunity_id = opportunities.salesforce_opportunity_id
    left join products on line_items.salesforce_product_id = products.salesforce_product_id
    left join pricebook_entries
        on line_items.salesforce_pricebook_entry_id = pricebook_entries.salesforce_pricebook_entry_id
    left join accounts on opportunities.salesforce_account_id = accounts.salesforce_account_id
    left join signed_contracts on opportunities.salesforce_opportunity_id = signed_contracts.salesforce_opportunity_id
    left join account_contracts
        on signed_contracts.salesforce_contract_id is null
        and opportunities.salesforce_account_id = account_contracts.salesforce_account_id
    left join contracts as linked_contracts
        on coalesce(signed_contracts.salesforce_contract_id, account_contracts.salesforce_contract_id)
        = linked_contracts.salesforce_contract_id
    left join product_map as by_id on line_items.salesforce_product_id = by_id.crm_product
    left join product_map as by_line_code
        on by_id.crm_product is null and line_items.product_code = by_line_code.crm_product
    left join product_map as by_product_code
        on by_id.crm_product is null and by_line_code.crm_product is null
        and products.product_code = by_product_code.crm_product
),

final as (
    select
        contract_item_id,
        opportunity_id,
        contract_id,
        sf_account_id,
        external_customer_id,
        product_code,
        plan_code,
        charge_code,
        -- the map names the field holding the quantity: the line's Quantity, else a custom field
        case
            when quantity_field is null or lower(quantity_field) = 'quantity' then line_quantity
            else cast({{ json_get('line_custom_fields_json', 'lower(quantity_field)') }} as decimal(38, 12))
        end as quantity,
        unit_price_minor,
        list_price_minor,
        case
            when list_price_minor > 0
                then cast({{ exact_divide('(list_price_minor - unit_price_minor) * 100', 'list_price_minor') }} as decimal(38, 12))
        end as discount_percent,
        currency,
        start_date,
        coalesce(
            contract_end_date,
            case
                when contract_term_months is not null
                    then cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 'contract_term_months', 'start_date')) }} as date)
            end
        ) as end_date,
        coalesce(
            contract_term_months,
            case
                when contract_end_date is not null
                    then cast({{ dbt.datediff('start_date', dbt.dateadd('day', 1, 'contract_end_date'), 'month') }} as integer)
            end
        ) as term_months,
        close_date
    from items
)

select * from final
