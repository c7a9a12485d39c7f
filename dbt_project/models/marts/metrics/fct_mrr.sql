{#- Each customer's MRR movement per currency and month (B3, B4, B11), as the bridge and the
    customer drill-down read it: int_metrics__mrr_movements without the months at 0 on both
    sides, which carry nothing once the gap rule has been applied. -#}
with movements as (
    select * from {{ ref('int_metrics__mrr_movements') }}
),

final as (
    select
        external_customer_id,
        currency,
        month,
        billing_entity_code,
        primary_plan_code,
        first_paying_month as cohort_month,
        opening_mrr_minor,
        closing_mrr_minor,
        cast(12 * closing_mrr_minor as bigint) as closing_arr_minor,
        movement,
        new_minor,
        expansion_minor,
        contraction_minor,
        churn_minor,
        reactivation_minor,
        churn_kind,
        scheduled_churn_mrr_minor,
        scheduled_churn_date,
        reporting_currency,
        fx_rate,
        fx_rate_date,
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
    where not (opening_mrr_minor = 0 and closing_mrr_minor = 0)
)

select * from final
