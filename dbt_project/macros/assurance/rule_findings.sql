{#- The closing select of a rule check: a CTE holding the finding columns (docs/assurance.md §3)
    but the three fixed by the check, plus `finding_key`, becomes the finding shape in its order;
    finding_id = md5(reason_code || '|' || finding_key), stable across builds. The ML findings
    pass source 'ml' and no rule_code: theirs (ml_usage, ml_invoice) is a column of the CTE. -#}
{% macro assurance_rule_findings(findings_cte, rule_code=none, source='rule') -%}
select
    {%- for column in assurance_finding_columns() %}
    {% if column == 'finding_id' -%}
    {{ dbt.hash("reason_code || '|' || finding_key") }} as finding_id
    {%- elif column == 'rule_code' and rule_code is not none -%}
    '{{ rule_code }}' as rule_code
    {%- elif column == 'source' -%}
    '{{ source }}' as source
    {%- elif column == 'amount_at_risk_minor' -%}
    cast(amount_at_risk_minor as {{ dbt.type_bigint() }}) as amount_at_risk_minor
    {%- else -%}
    {{ column }}
    {%- endif %}{% if not loop.last %},{% endif %}
    {%- endfor %}
from {{ findings_cte }}
{%- endmacro %}
