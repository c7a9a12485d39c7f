{#- Column lists of the fee hand-off (int_billing__fees, contract in rating/_int_billing__rating_models.yml).
    Each fee producer (subscription, charge, advance charge, charge minimum and commitment
    true-ups) emits these columns; the union reads them by name, so a column added to the
    contract is added here once. -#}

{#- The columns int_billing__fees reads from every producer, in contract order (plus as_of_date,
    the billing "now" its issuing_date filter compares with). -#}
{% macro fee_contract_columns() -%}
    {{ return(['fee_id', 'external_customer_id', 'external_subscription_id', 'billing_entity_code', 'currency', 'currency_exponent', 'fee_type', 'plan_code', 'charge_lago_id', 'billable_metric_code', 'charge_filter_index', 'grouped_by', 'units', 'events_count', 'precise_amount_minor', 'amount_minor', 'service_start_date', 'service_end_date', 'period_from_at', 'period_to_at', 'issuing_date', 'is_pay_in_advance', 'is_invoiceable', 'is_prorated', 'description', 'as_of_date']) }}
{%- endmacro %}

{#- Whose fee it is: the subscription version, its customer, billing entity and currency, as
    every producer emits them after fee_id and its period id. `prefix` qualifies the columns
    (e.g. 'inputs.'). -#}
{% macro fee_owner_columns(prefix='') -%}
    {{ prefix }}lago_subscription_id,
        {{ prefix }}external_customer_id,
        {{ prefix }}external_subscription_id,
        {{ prefix }}billing_entity_code,
        {{ prefix }}currency,
        {{ prefix }}currency_exponent
{%- endmacro %}

{#- A plan-level fee (plan fee, commitment true-up) is on no charge: no charge, metric,
    filter or group; one unit, no events. -#}
{% macro plan_fee_charge_columns() -%}
    cast(null as {{ dbt.type_string() }}) as charge_lago_id,
        cast(null as {{ dbt.type_string() }}) as billable_metric_code,
        cast(null as integer) as charge_filter_index,
        cast(null as {{ dbt.type_string() }}) as grouped_by,
        cast(1 as decimal(38, 12)) as units,
        cast(0 as bigint) as events_count
{%- endmacro %}

{#- What a charge fee takes from its charge period (int_billing__charge_periods, aliased
    `relation`): who it is for, the plan, the service dates and the charge window. -#}
{% macro charge_period_fee_columns(relation='charge_periods') -%}
    {{ relation }}.external_customer_id,
        {{ relation }}.external_subscription_id,
        {{ relation }}.billing_entity_code,
        {{ relation }}.currency,
        {{ relation }}.currency_exponent,
        {{ relation }}.plan_code,
        {{ relation }}.charge_service_start_date,
        {{ relation }}.charge_service_end_date,
        {{ relation }}.charge_from_at,
        {{ relation }}.charge_to_at
{%- endmacro %}
