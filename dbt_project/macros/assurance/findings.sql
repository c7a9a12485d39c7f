{#- The one shape of every assurance finding (docs/assurance.md §3): each check model and the ML
    findings select these columns in this order, so the review queue is a plain union. -#}
{% macro assurance_finding_columns() -%}
    {{ return([
        'finding_id', 'rule_code', 'reason_code', 'severity', 'source',
        'external_customer_id', 'external_subscription_id', 'invoice_id', 'invoice_number',
        'invoice_is_finalized', 'period_month', 'currency', 'amount_at_risk_minor', 'direction',
        'reason_text', 'evidence', 'detected_on',
    ]) }}
{%- endmacro %}

{#- A typed row source with no rows, for a check that finds nothing by construction. -#}
{% macro assurance_no_findings() -%}
select
    cast(null as {{ dbt.type_string() }}) as finding_id,
    cast(null as {{ dbt.type_string() }}) as rule_code,
    cast(null as {{ dbt.type_string() }}) as reason_code,
    cast(null as {{ dbt.type_string() }}) as severity,
    cast(null as {{ dbt.type_string() }}) as source,
    cast(null as {{ dbt.type_string() }}) as external_customer_id,
    cast(null as {{ dbt.type_string() }}) as external_subscription_id,
    cast(null as {{ dbt.type_string() }}) as invoice_id,
    cast(null as {{ dbt.type_string() }}) as invoice_number,
    cast(null as {{ dbt.type_boolean() }}) as invoice_is_finalized,
    cast(null as date) as period_month,
    cast(null as {{ dbt.type_string() }}) as currency,
    cast(null as {{ dbt.type_bigint() }}) as amount_at_risk_minor,
    cast(null as {{ dbt.type_string() }}) as direction,
    cast(null as {{ dbt.type_string() }}) as reason_text,
    cast(null as {{ dbt.type_string() }}) as evidence,
    cast(null as date) as detected_on
where 1 = 0
{%- endmacro %}
