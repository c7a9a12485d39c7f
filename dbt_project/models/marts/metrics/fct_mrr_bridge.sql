{#- The MRR bridge per month, currency, billing entity and segment (B3, B4, B10, B11): in each
    document currency (no FX term) and in the reporting currency, where the opening's
    revaluation to the month's rate is fx_impact. A customer counts once in a currency; in the
    reporting currency a customer paying in two currencies counts once; a month is in the
    reporting currency once every snapshot of it has a rate. -#}
with movements as (
    select * from {{ ref('int_metrics__mrr_movements') }}
),

segments as (
    select * from {{ ref('int_metrics__customer_segments') }}
),

in_both_bases as (
    select
        'document' as currency_basis,
        currency,
        external_customer_id,
        month,
        movement,
        churn_kind,
        opening_mrr_minor as opening_minor,
        new_minor,
        expansion_minor,
        contraction_minor,
        churn_minor,
        reactivation_minor,
        cast(0 as bigint) as fx_impact_minor,
        closing_mrr_minor as closing_minor,
        scheduled_churn_mrr_minor as scheduled_churn_minor
    from movements
    union all
    select
        'reporting' as currency_basis,
        reporting_currency as currency,
        external_customer_id,
        month,
        movement,
        churn_kind,
        opening_mrr_reporting_minor,
        new_reporting_minor,
        expansion_reporting_minor,
        contraction_reporting_minor,
        churn_reporting_minor,
        reactivation_reporting_minor,
        fx_impact_reporting_minor,
        closing_mrr_reporting_minor,
        scheduled_churn_mrr_reporting_minor
    from movements
    where is_month_converted
),

segment_values as (
    {{ mrr_segment_values('segments') }}
),

cut as (
    select
        in_both_bases.*,
        segments.billing_entity_code,
        segment_values.segment_type,
        segment_values.segment_value
    from in_both_bases
    inner join segments on in_both_bases.external_customer_id = segments.external_customer_id
    inner join segment_values on in_both_bases.external_customer_id = segment_values.external_customer_id
),

final as (
    select
        month,
        currency_basis,
        currency,
        billing_entity_code,
        segment_type,
        segment_value,
        cast(sum(opening_minor) as bigint) as opening_mrr_minor,
        cast(sum(new_minor) as bigint) as new_minor,
        cast(sum(expansion_minor) as bigint) as expansion_minor,
        cast(sum(contraction_minor) as bigint) as contraction_minor,
        cast(sum(churn_minor) as bigint) as churn_minor,
        cast(sum(reactivation_minor) as bigint) as reactivation_minor,
        cast(sum(fx_impact_minor) as bigint) as fx_impact_minor,
        cast(sum(closing_minor) as bigint) as closing_mrr_minor,
        cast(12 * sum(closing_minor) as bigint) as closing_arr_minor,
        cast(sum(case when churn_kind = 'involuntary' then churn_minor else 0 end) as bigint) as involuntary_churn_minor,
        cast(sum(scheduled_churn_minor) as bigint) as scheduled_churn_mrr_minor,
        count(distinct case when opening_minor > 0 then external_customer_id end) as opening_customers,
        count(distinct case when movement = 'new' then external_customer_id end) as new_customers,
        count(distinct case when movement = 'churn' then external_customer_id end) as churned_customers,
        count(distinct case when movement = 'churn' and churn_kind = 'involuntary' then external_customer_id end)
            as involuntary_churned_customers,
        count(distinct case when movement = 'reactivation' then external_customer_id end) as reactivated_customers,
        count(distinct case when closing_minor > 0 then external_customer_id end) as closing_customers
    from cut
    group by month, currency_basis, currency, billing_entity_code, segment_type, segment_value
    -- a cut with nothing at either snapshot and no movement says nothing
    having sum(opening_minor) <> 0 or sum(closing_minor) <> 0
)

select * from final
