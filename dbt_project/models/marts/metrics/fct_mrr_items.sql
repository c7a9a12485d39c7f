{#- The MRR items (metrics-and-revrec.md B1, B2) as a mart: one row per recurring subscription
    item and validity interval, with its discount in force. -#}
with items as (
    select * from {{ ref('int_metrics__mrr_items') }}
),

final as (
    select
        mrr_item_id,
        mrr_from_date,
        mrr_to_date,
        external_customer_id,
        billing_entity_code,
        lago_subscription_id,
        external_subscription_id,
        plan_code,
        item_type,
        plan_interval,
        currency,
        units,
        amount_per_interval_minor,
        list_mrr_minor,
        discount_percentage,
        amount_off_mrr_precise_minor,
        applied_coupon_ids,
        list_mrr_minor - mrr_minor as discount_mrr_minor,
        mrr_minor,
        item_to_date,
        is_replaced_by_plan_change
    from items
)

select * from final
