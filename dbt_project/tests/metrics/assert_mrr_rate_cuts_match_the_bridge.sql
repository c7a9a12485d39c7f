-- In every cut (entity or all entities × segment), the monthly rates' numerators and
-- denominators are that cut's bridge (document currency: the one-month window is exactly B3's
-- movements) and ARPA's MRR and paying customers are the cut's closing (both bases): each cut
-- is computed from its own customers, the whole book ('all') from all of them. fct_mrr_bridge
-- has no 'all' entity, so its entities are added up for it (each customer is in one entity).
-- Returns the cuts that differ, either side missing included.
{% set cut_keys = ['month', 'currency_basis', 'currency', 'billing_entity_code', 'segment_type', 'segment_value'] %}
with bridge_by_entity as (
    select * from {{ ref('fct_mrr_bridge') }}
),

bridge as (
    select
        month, currency_basis, currency, billing_entity_code, segment_type, segment_value,
        opening_mrr_minor, new_minor, expansion_minor, contraction_minor, churn_minor, reactivation_minor,
        closing_mrr_minor, opening_customers, churned_customers, closing_customers
    from bridge_by_entity
    union all
    select
        month, currency_basis, currency, 'all', segment_type, segment_value,
        sum(opening_mrr_minor), sum(new_minor), sum(expansion_minor), sum(contraction_minor),
        sum(churn_minor), sum(reactivation_minor), sum(closing_mrr_minor), sum(opening_customers),
        sum(churned_customers), sum(closing_customers)
    from bridge_by_entity
    group by month, currency_basis, currency, segment_type, segment_value
),

rates as (
    select * from {{ ref('fct_mrr_rates') }}
    where window_months = 1 and currency_basis = 'document'
),

arpa as (
    select * from {{ ref('fct_mrr_arpa_ltv') }}
),

rate_differences as (
    select 'fct_mrr_rates' as mart, {% for key in cut_keys %}coalesce(rates.{{ key }}, bridge.{{ key }}) as {{ key }}{{ ', ' if not loop.last }}{% endfor %}
    from rates
    full outer join (select * from bridge where currency_basis = 'document') as bridge
        on {% for key in cut_keys %}{{ ' and ' if not loop.first }}rates.{{ key }} = bridge.{{ key }}{% endfor %}
    -- a month with no earlier snapshot has no window; a cut at 0 on both sides has no bridge row
    where (rates.month is null and bridge.opening_customers > 0)
        or coalesce(rates.opening_mrr_minor, 0) <> coalesce(bridge.opening_mrr_minor, 0)
        or (rates.month is not null and (
            coalesce(rates.new_minor, 0) <> coalesce(bridge.new_minor, 0)
            or coalesce(rates.expansion_minor, 0) <> coalesce(bridge.expansion_minor, 0)
            or coalesce(rates.contraction_minor, 0) <> coalesce(bridge.contraction_minor, 0)
            or coalesce(rates.churn_minor, 0) <> coalesce(bridge.churn_minor, 0)
            or coalesce(rates.reactivation_minor, 0) <> coalesce(bridge.reactivation_minor, 0)
            or coalesce(rates.opening_customers, 0) <> coalesce(bridge.opening_customers, 0)
            or coalesce(rates.churned_customers, 0) <> coalesce(bridge.churned_customers, 0)
        ))
),

arpa_differences as (
    select 'fct_mrr_arpa_ltv' as mart, {% for key in cut_keys %}coalesce(arpa.{{ key }}, bridge.{{ key }}) as {{ key }}{{ ', ' if not loop.last }}{% endfor %}
    from arpa
    full outer join bridge on {% for key in cut_keys %}{{ ' and ' if not loop.first }}arpa.{{ key }} = bridge.{{ key }}{% endfor %}
    where coalesce(arpa.mrr_minor, 0) <> coalesce(bridge.closing_mrr_minor, 0)
        or coalesce(arpa.paying_customers, 0) <> coalesce(bridge.closing_customers, 0)
)

select * from rate_differences
union all
select * from arpa_differences
