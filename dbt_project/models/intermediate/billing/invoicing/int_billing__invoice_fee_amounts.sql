-- One row per invoiced fee with what the invoice did to it (pricing.md 5.2-5.4): its
-- progressive billing credit share, coupon share and taxable base (unrounded), its taxes
-- (unrounded; the invoice rounds once).
with invoice_fees as (
    select * from {{ ref('int_billing__invoice_fees') }}
),

coupon_fee_shares as (
    select * from {{ ref('int_billing__coupon_fee_shares') }}
),

tax_fee_lines as (
    select * from {{ ref('int_billing__tax_fee_lines') }}
),

wallet_credit_invoices as (
    select * from {{ ref('int_billing__wallet_credit_invoices') }}
),

shares as (
    select fee_id, sum(precise_coupon_share_minor) as precise_coupon_share_minor
    from coupon_fee_shares
    group by fee_id
),

taxes as (
    select
        fee_id,
        sum(precise_tax_amount_minor) as precise_tax_amount_minor,
        count(*) as taxes_count,
        {{ dbt.listagg('tax_code', "', '", "order by tax_code") }} as tax_codes
    from tax_fee_lines
    group by fee_id
),

{%- set net_of_credits = 'invoice_fees.amount_minor - coalesce(invoice_fees.precise_progressive_credit_share_minor, 0) - coalesce(shares.precise_coupon_share_minor, 0)' %}

fee_lines as (
    select
        invoice_fees.fee_id,
        invoice_fees.invoice_id,
        invoice_fees.invoice_type,
        invoice_fees.external_customer_id,
        invoice_fees.external_subscription_id,
        invoice_fees.billing_entity_code,
        invoice_fees.currency,
        invoice_fees.currency_exponent,
        invoice_fees.fee_type,
        invoice_fees.lago_fee_type,
        invoice_fees.plan_code,
        invoice_fees.charge_lago_id,
        invoice_fees.billable_metric_code,
        invoice_fees.charge_filter_index,
        invoice_fees.grouped_by,
        invoice_fees.units,
        invoice_fees.events_count,
        invoice_fees.precise_amount_minor,
        invoice_fees.amount_minor,
        invoice_fees.service_start_date,
        invoice_fees.service_end_date,
        invoice_fees.period_from_at,
        invoice_fees.period_to_at,
        invoice_fees.issuing_date,
        invoice_fees.is_pay_in_advance,
        invoice_fees.description,
        cast(coalesce(invoice_fees.precise_progressive_credit_share_minor, 0) as decimal(38, 12)) as precise_progressive_credit_share_minor,
        cast(coalesce(shares.precise_coupon_share_minor, 0) as decimal(38, 12)) as precise_coupon_share_minor,
        cast({{ net_of_credits }} as decimal(38, 12)) as precise_taxable_base_minor,
        cast(coalesce(taxes.precise_tax_amount_minor, 0) as decimal(38, 12)) as precise_tax_amount_minor,
        coalesce(taxes.taxes_count, 0) as taxes_count,
        taxes.tax_codes,
        cast({{ net_of_credits }} + coalesce(taxes.precise_tax_amount_minor, 0) as decimal(38, 12)) as precise_total_amount_minor
    from invoice_fees
    left join shares on invoice_fees.fee_id = shares.fee_id
    left join taxes on invoice_fees.fee_id = taxes.fee_id
),

-- The one line of a credit invoice (paid wallet top-up): no coupon, no tax.
credit_lines as (
    select
        fee_id,
        invoice_id,
        'credit' as invoice_type,
        external_customer_id,
        cast(null as {{ dbt.type_string() }}) as external_subscription_id,
        billing_entity_code,
        currency,
        currency_exponent,
        'wallet_top_up' as fee_type,
        'credit' as lago_fee_type,
        cast(null as {{ dbt.type_string() }}) as plan_code,
        cast(null as {{ dbt.type_string() }}) as charge_lago_id,
        cast(null as {{ dbt.type_string() }}) as billable_metric_code,
        cast(null as integer) as charge_filter_index,
        cast(null as {{ dbt.type_string() }}) as grouped_by,
        cast(credit_amount as decimal(38, 12)) as units,
        cast(1 as bigint) as events_count,
        precise_amount_minor,
        amount_minor,
        issuing_date as service_start_date,
        issuing_date as service_end_date,
        cast(null as timestamp) as period_from_at,
        cast(null as timestamp) as period_to_at,
        issuing_date,
        true as is_pay_in_advance,
        'Prepaid credits' as description,
        cast(0 as decimal(38, 12)) as precise_progressive_credit_share_minor,
        cast(0 as decimal(38, 12)) as precise_coupon_share_minor,
        cast(amount_minor as decimal(38, 12)) as precise_taxable_base_minor,
        cast(0 as decimal(38, 12)) as precise_tax_amount_minor,
        cast(0 as bigint) as taxes_count,
        cast(null as {{ dbt.type_string() }}) as tax_codes,
        cast(amount_minor as decimal(38, 12)) as precise_total_amount_minor
    from wallet_credit_invoices
),

final as (
    select * from fee_lines
    union all
    select * from credit_lines
)

select * from final
