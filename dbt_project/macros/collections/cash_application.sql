{#- Cash application (collections.md 4.3): several payments claiming one invoice are served in
    payment-time order (ties: payment id) and never above what the invoice still has due; what a
    later claim cannot get stays unapplied on its payment. Set-based: the claims before this one
    on the same invoice are a running sum, so no loop over payments. -#}
{% macro applied_within_due(claimed_expr, due_expr, invoice_key_exprs, payment_order_exprs) -%}
    least(
        {{ claimed_expr }},
        greatest(
            0,
            {{ due_expr }} - coalesce(sum({{ claimed_expr }}) over (
                partition by {{ invoice_key_exprs | join(', ') }}
                order by {{ payment_order_exprs | join(', ') }}
                rows between unbounded preceding and 1 preceding
            ), 0)
        )
    )
{%- endmacro %}

{#- Part of the interval [lo_a, hi_a) that lies inside [lo_b, hi_b), ≥ 0: how a refund,
    chargeback or reinstatement (an interval of a payment's cash) splits over the payment's
    unapplied part and its applications (4.4, 4.5). -#}
{% macro interval_overlap(lo_a, hi_a, lo_b, hi_b) -%}
    greatest(0, least({{ hi_a }}, {{ hi_b }}) - greatest({{ lo_a }}, {{ lo_b }}))
{%- endmacro %}

{#- Events of one payment laid end to end in event order, as [lo, hi) on an axis that stops
    at cap: a refund or chargeback on the payment's cash (cap = its amount), a reinstatement
    on what chargebacks took (cap = that). What lies beyond cap has length 0 here. -#}
{% macro capped_running_interval(amount_expr, partition_expr, order_exprs, cap_expr, lo_name, hi_name) -%}
    least(coalesce(sum({{ amount_expr }}) over (
        partition by {{ partition_expr }} order by {{ order_exprs | join(', ') }}
        rows between unbounded preceding and 1 preceding
    ), 0), {{ cap_expr }}) as {{ lo_name }},
    least(sum({{ amount_expr }}) over (
        partition by {{ partition_expr }} order by {{ order_exprs | join(', ') }}
        rows between unbounded preceding and current row
    ), {{ cap_expr }}) as {{ hi_name }}
{%- endmacro %}
