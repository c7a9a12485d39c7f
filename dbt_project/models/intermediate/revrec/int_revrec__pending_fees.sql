-- A4.4: what rating has priced for service up to the report date but no invoice holds yet (its
-- invoice is issued after the as_of instant: e.g. in the customer's timezone the period has not
-- ended, or an anniversary period is still running: priced on its usage to date), in force by the cutover rule once invoiced. int_revrec__documents accrues each group
-- as a pending invoice whose id is rating's invoice_group_key, the id the invoice gets when it is
-- drafted and finalized, so its POs (<invoice_group_key>:<fee_id>) keep their ids. Priced before
-- coupons and taxes, which the invoice applies; the difference then changes the open period
-- (a closed one through A10 adjustments).
{#- Read from rating's fee models themselves, not int_billing__fees: that one keeps the fees whose
    invoice is issued by the as_of date, while a billing period still running at as_of (an
    anniversary period, or a calendar month not yet over in the customer's timezone) is priced
    here on the usage to date, which is what A4.4 accrues. Pay-in-advance and true-up fees are
    invoiced when they arise, never accrued. #}
with rated as (
    {% set columns = fee_contract_columns() %}
    select {{ columns | join(', ') }} from {{ ref('int_billing__subscription_fees') }}
    union all
    select {{ columns | join(', ') }} from {{ ref('int_billing__charge_fees') }}
),

fees as (
    select
        rated.*,
        cast({{ invoice_group_key('external_customer_id', 'billing_entity_code', 'currency', 'issuing_date') }} as {{ dbt.type_string() }}) as invoice_group_key
    from rated
),

invoices as (
    select invoice_id from {{ ref('fct_invoices') }}
),

report_date as (
    select * from {{ ref('int_revrec__report_date') }}
),

final as (
    select fees.*
    from fees
    cross join report_date
    where fees.is_invoiceable
        and fees.fee_type <> 'wallet_top_up'
        and fees.amount_minor <> 0
        and fees.service_start_date <= report_date.report_date
        and {{ own_invoice_in_force('fees.issuing_date') }}
        and not exists (select 1 from invoices where invoices.invoice_id = fees.invoice_group_key)
)

select * from final
