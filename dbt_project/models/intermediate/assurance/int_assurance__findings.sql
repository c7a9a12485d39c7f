{#- Every finding of every rule check and of the ML flags in the one shape of docs/assurance.md §3:
    a plain union (each source model selects assurance_finding_columns() in order). -#}
{%- set finding_models = [
    'int_assurance__check_contracts',
    'int_assurance__check_uninvoiced_periods',
    'int_assurance__check_usage_billing',
    'int_assurance__check_proration',
    'int_assurance__check_coupons',
    'int_assurance__check_duplicates',
    'int_assurance__check_invoice_totals',
    'int_assurance__check_payments',
    'int_assurance__ml_findings',
] -%}
{%- set columns = assurance_finding_columns() -%}
with
{% for m in finding_models %}
{{ m | replace('int_assurance__', '') }} as (
    select * from {{ ref(m) }}
),
{% endfor %}

unioned as (
{%- for m in finding_models %}
    select {{ columns | join(', ') }} from {{ m | replace('int_assurance__', '') }}
    {%- if not loop.last %}
    union all
    {%- endif %}
{%- endfor %}
),

final as (
    select {{ columns | join(', ') }} from unioned
)

select * from final
