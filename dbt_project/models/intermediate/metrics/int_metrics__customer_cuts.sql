{#- The cuts a customer's rates, ARPA/LTV and cohorts are computed in (issue 13 items 3, 5): its
    own billing entity and the all-entities cut, each crossed with every segment type. Rates are
    ratios and never add up across cuts, so the marts compute each cut from its own customers
    and carry the whole book as billing_entity_code = 'all', segment_type = 'all'. -#}
with segments as (
    select * from {{ ref('int_metrics__customer_segments') }}
),

segment_values as (
    {{ mrr_segment_values('segments') }}
),

entity_cuts as (
    select external_customer_id, billing_entity_code from segments
    union all
    select external_customer_id, 'all' from segments
),

final as (
    select
        entity_cuts.external_customer_id,
        entity_cuts.billing_entity_code,
        segment_values.segment_type,
        segment_values.segment_value
    from entity_cuts
    inner join segment_values on entity_cuts.external_customer_id = segment_values.external_customer_id
)

select * from final
