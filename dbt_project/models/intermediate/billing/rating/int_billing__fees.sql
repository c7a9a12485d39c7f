-- The hand-off to invoice assembly (int_billing__fees, its columns in _int_billing__rating_models.yml, the list each producer emits: macros/rating/fee_columns.sql): every fee rating made, issued by
-- the billing "now" (issuing_date <= as_of local date), before progressive credits, coupons,
-- taxes, credit notes and wallets.
with subscription_fees as (
    select * from {{ ref('int_billing__subscription_fees') }}
),

charge_fees as (
    select * from {{ ref('int_billing__charge_fees') }}
),

advance_charge_fees as (
    select * from {{ ref('int_billing__advance_charge_fees') }}
),

charge_min_true_ups as (
    select * from {{ ref('int_billing__charge_min_true_ups') }}
),

commitment_true_ups as (
    select * from {{ ref('int_billing__commitment_true_ups') }}
),

unioned as (
    {% set columns = fee_contract_columns() %}
    select {{ columns | join(', ') }} from subscription_fees
    union all
    select {{ columns | join(', ') }} from charge_fees
    union all
    select {{ columns | join(', ') }} from advance_charge_fees
    union all
    select {{ columns | join(', ') }} from charge_min_true_ups
    union all
    select {{ columns | join(', ') }} from commitment_true_ups
),

final as (
    select
        cast(fee_id as {{ dbt.type_string() }}) as fee_id,
        cast({{ invoice_group_key('external_customer_id', 'billing_entity_code', 'currency', 'issuing_date') }} as {{ dbt.type_string() }}) as invoice_group_key,
        cast(external_customer_id as {{ dbt.type_string() }}) as external_customer_id,
        cast(external_subscription_id as {{ dbt.type_string() }}) as external_subscription_id,
        cast(billing_entity_code as {{ dbt.type_string() }}) as billing_entity_code,
        cast(currency as {{ dbt.type_string() }}) as currency,
        cast(currency_exponent as integer) as currency_exponent,
        cast(fee_type as {{ dbt.type_string() }}) as fee_type,
        cast(plan_code as {{ dbt.type_string() }}) as plan_code,
        cast(charge_lago_id as {{ dbt.type_string() }}) as charge_lago_id,
        cast(billable_metric_code as {{ dbt.type_string() }}) as billable_metric_code,
        cast(charge_filter_index as integer) as charge_filter_index,
        cast(grouped_by as {{ dbt.type_string() }}) as grouped_by,
        cast(units as decimal(38, 12)) as units,
        cast(events_count as bigint) as events_count,
        cast(precise_amount_minor as decimal(38, 12)) as precise_amount_minor,
        cast(amount_minor as bigint) as amount_minor,
        cast(service_start_date as date) as service_start_date,
        cast(service_end_date as date) as service_end_date,
        cast(period_from_at as timestamp) as period_from_at,
        cast(period_to_at as timestamp) as period_to_at,
        cast(issuing_date as date) as issuing_date,
        cast(is_pay_in_advance as boolean) as is_pay_in_advance,
        cast(is_invoiceable as boolean) as is_invoiceable,
        cast(is_prorated as boolean) as is_prorated,
        cast(description as {{ dbt.type_string() }}) as description
    from unioned
    where issuing_date <= as_of_date
)

select * from final
