{#- collections.md 6.2: a row of the aging_buckets seed (`bucket`, its alias) holds `days_expr`
    days past due when it lies within the row's bounds, an empty bound being open-ended. The
    aging model and the seed's check join by it; `revhouse collections` writes the same
    condition over the published seed (collections_report.aging_sql). -#}
{% macro aging_bucket_holds(bucket, days_expr) -%}
    ({{ bucket }}.min_days_past_due is null or {{ days_expr }} >= {{ bucket }}.min_days_past_due)
    and ({{ bucket }}.max_days_past_due is null or {{ days_expr }} <= {{ bucket }}.max_days_past_due)
{%- endmacro %}
