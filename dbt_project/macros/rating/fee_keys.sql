{#- Deterministic keys of the fee hand-off contract (int_billing__fees, its columns in _int_billing__rating_models.yml), each once. -#}
{% macro rating_hash(parts) -%}
    {%- set coalesced = [] -%}
    {%- for part in parts -%}
        {%- do coalesced.append("coalesce(cast(" ~ part ~ " as " ~ dbt.type_string() ~ "), '')") -%}
        {%- if not loop.last %}{% do coalesced.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(coalesced)) }}
{%- endmacro %}

{% macro fee_id(external_subscription_id, lago_subscription_id, charge_lago_id, charge_filter_index, grouped_by, service_start_date, fee_type, discriminator="''") -%}
    {{ rating_hash([external_subscription_id, lago_subscription_id, charge_lago_id, charge_filter_index, grouped_by, service_start_date, fee_type, discriminator]) }}
{%- endmacro %}

{% macro invoice_group_key(external_customer_id, billing_entity_code, currency, issuing_date) -%}
    {{ rating_hash([external_customer_id, billing_entity_code, currency, issuing_date]) }}
{%- endmacro %}
