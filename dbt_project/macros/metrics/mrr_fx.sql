{#- A document-currency MRR amount in minor units converted to the reporting currency's minor
    units at `rate_expr` (reporting units per document unit), exponents applied, rounded half
    away from zero once (metrics-and-revrec.md B11). The same rule as the interface's
    closing_mrr_reporting_minor, so an opening revalued at M's rate and M's closing agree. -#}
{% macro mrr_to_reporting_minor(amount_minor_expr, rate_expr, document_exponent_expr, reporting_exponent_expr) -%}
    {{ round_minor(exact_divide(
        'cast(' ~ amount_minor_expr ~ ' as decimal(38, 0)) * cast(' ~ rate_expr ~ ' as decimal(24, 10)) * ' ~ minor_factor(reporting_exponent_expr),
        minor_factor(document_exponent_expr)
    )) }}
{%- endmacro %}
