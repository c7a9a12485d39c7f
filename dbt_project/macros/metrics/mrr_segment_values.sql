{#- One row per customer and segment type of int_metrics__customer_segments (issue 13 item 5):
    segment_type all | plan | country | industry | acquisition_channel with the customer's value.
    Every customer sits in exactly one value of each type, so each type adds up to 'all'. Used
    by the bridge and by int_metrics__customer_cuts so the segment types are listed once. -#}
{% macro mrr_segment_values(segments) %}
    select external_customer_id, 'all' as segment_type, 'all' as segment_value from {{ segments }}
    union all
    select external_customer_id, 'plan', plan_segment from {{ segments }}
    union all
    select external_customer_id, 'country', country_segment from {{ segments }}
    union all
    select external_customer_id, 'industry', industry_segment from {{ segments }}
    union all
    select external_customer_id, 'acquisition_channel', acquisition_channel_segment from {{ segments }}
{% endmacro %}
