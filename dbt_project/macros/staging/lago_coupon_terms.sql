{#- A Lago coupon's terms, as the coupon defines them and as an applied coupon overrides them
    (int_billing__coupon_slots coalesces one over the other): cast once, the same on both. -#}
{% macro lago_coupon_terms() -%}
    cast(amount_cents as bigint) as amount_minor,
        amount_currency as currency,
        cast(percentage_rate as decimal(18, 6)) as percentage_rate,
        frequency,
        frequency_duration
{%- endmacro %}
