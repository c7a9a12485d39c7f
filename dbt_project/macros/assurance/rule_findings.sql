{#- The closing select of a rule check: a CTE holding the finding columns (docs/assurance.md §3)
    but the three fixed by the check, plus `finding_key`, becomes the finding shape in its order;
    finding_id = md5(reason_code || '|' || finding_key), stable across builds. -#}
{% macro assurance_rule_findings(findings_cte, rule_code) -%}
select
    {%- for column in assurance_finding_columns() %}
    {% if column == 'finding_id' -%}
    {{ dbt.hash("reason_code || '|' || finding_key") }} as finding_id
    {%- elif column == 'rule_code' -%}
    '{{ rule_code }}' as rule_code
    {%- elif column == 'source' -%}
    'rule' as source
    {%- elif column == 'amount_at_risk_minor' -%}
    cast(amount_at_risk_minor as {{ dbt.type_bigint() }}) as amount_at_risk_minor
    {%- else -%}
    {{ column }}
    {%- endif %}{% if not loop.last %},{% endif %}
    {%- endfor %}
from {{ findings_cte }}
{%- endmacro %}
