{#- What each side of shadow billing compares (docs/assurance.md §5), once for the models and
    the invariants that check them. -#}

{#- An incumbent line counts: its invoice is not voided and it is not a coupon (a negative
    `credit` line is an invoice discount, not a billed item). -#}
{% macro shadow_is_billed_line(lines, invoices) -%}
    {{ invoices }}.voided_at is null
    and coalesce({{ invoices }}.status, '') not in ('voided', 'void')
    and not ({{ lines }}.fee_type = 'credit' and {{ lines }}.amount_minor < 0)
{%- endmacro %}

{#- An incumbent line's id: the system's own, else invoice_id#line_number. -#}
{% macro shadow_billed_line_id(lines) -%}
    coalesce({{ lines }}.line_id, {{ lines }}.invoice_id || '#' || cast({{ lines }}.line_number as {{ dbt.type_string() }}))
{%- endmacro %}

{#- A revhouse fee counts unless its invoice was voided (it bills nothing). -#}
{% macro shadow_is_revhouse_fee(invoices) -%}
    {{ invoices }}.status <> 'voided'
{%- endmacro %}

{#- The pairing join: a revhouse line (r) with the incumbent line (i) of the same columns and
    the same rank among its equals. -#}
{% macro shadow_pair_join(ranked, columns) -%}
from {{ ranked }} as r
    inner join {{ ranked }} as i
        on r.side = 'revhouse'
        and i.side = 'incumbent'
        {%- for c in columns %}
        and r.{{ c }} = i.{{ c }}
        {%- endfor %}
        and r.pair_rank = i.pair_rank
{%- endmacro %}

{#- The line of `lines` (either side) is in no pair of `pairs` yet. -#}
{% macro shadow_not_paired(lines, pairs) -%}
    not exists (
        select 1 from {{ pairs }}
        where ({{ lines }}.side = 'revhouse' and {{ pairs }}.revhouse_line_id = {{ lines }}.line_id)
            or ({{ lines }}.side = 'incumbent' and {{ pairs }}.incumbent_line_id = {{ lines }}.line_id)
    )
{%- endmacro %}
