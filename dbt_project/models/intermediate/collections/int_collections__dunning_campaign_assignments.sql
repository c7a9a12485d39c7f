-- Which dunning campaign applies to each customer (collections.md 2.2): excluded -> none; else
-- the customer's own campaign; else its billing entity's default; else none. A deleted campaign
-- is ignored wherever it is named (Lago detaches it on deletion, so the fallback applies).
with customers as (
    select * from {{ ref('stg_lago__customers') }}
),

entities as (
    select * from {{ ref('stg_reference__billing_entities') }}
),

campaigns as (
    select * from {{ ref('stg_lago__dunning_campaigns') }}
    where not is_deleted
),

resolved as (
    select
        customers.external_customer_id,
        customers.billing_entity_code,
        coalesce(customers.is_excluded_from_dunning_campaign, false) as is_excluded,
        own_campaign.dunning_campaign_key as own_campaign_key,
        entity_campaign.dunning_campaign_key as entity_campaign_key
    from customers
    left join entities on customers.billing_entity_code = entities.billing_entity_code
    left join campaigns as own_campaign
        on customers.applied_dunning_campaign_code = own_campaign.dunning_campaign_code
    left join campaigns as entity_campaign
        on entities.applied_dunning_campaign_code = entity_campaign.dunning_campaign_code
),

final as (
    select
        resolved.external_customer_id,
        resolved.billing_entity_code,
        case
            when resolved.is_excluded then 'excluded'
            when resolved.own_campaign_key is not null then 'customer'
            when resolved.entity_campaign_key is not null then 'entity_default'
            else 'none'
        end as campaign_resolution,
        campaigns.dunning_campaign_key,
        campaigns.dunning_campaign_code,
        campaigns.days_between_attempts,
        campaigns.max_attempts,
        campaigns.created_at as campaign_created_at
    from resolved
    left join campaigns
        on campaigns.dunning_campaign_key = case
            when resolved.is_excluded then null
            else coalesce(resolved.own_campaign_key, resolved.entity_campaign_key)
        end
)

select * from final
