-- Shadow billing, revhouse's side: every fee revhouse rated onto an invoice (finalized or
-- draft), whatever the cutover, at the comparison grain (customer, subscription, charge key,
-- service period). A voided invoice bills nothing, so its fees are left out.
with fees as (
    select * from {{ ref('fct_invoice_fees') }}
),

invoices as (
    select * from {{ ref('fct_invoices') }}
),

final as (
    select
        fees.fee_id as line_id,
        fees.invoice_id,
        invoices.invoice_number,
        invoices.issuing_date,
        invoices.status = 'finalized' as is_finalized,
        fees.external_customer_id,
        fees.external_subscription_id,
        fees.currency,
        fees.fee_type,
        -- the charge key both systems share: a metric code for a usage charge (its minimum
        -- true-up included, as Lago bills it under the metric), 'plan' for the plan fee
        case
            when fees.fee_type = 'subscription' then 'plan'
            when fees.fee_type = 'commitment_true_up' then 'commitment'
            when fees.fee_type = 'wallet_top_up' then 'prepaid_credits'
            else fees.billable_metric_code
        end as charge_key,
        fees.plan_code,
        fees.units,
        -- a usage charge's units are its quantity; a plan fee's, a true-up's or a top-up's are
        -- each system's own convention (Lago: 1, others: the prorated fraction)
        fees.fee_type = 'charge' as has_comparable_units,
        fees.service_start_date as service_from_date,
        fees.service_end_date as service_to_date,
        fees.amount_minor,
        -- the fee's own tax, rounded on the line (the invoice rounds its total tax once)
        {{ round_minor('fees.precise_tax_amount_minor') }} as tax_amount_minor,
        invoices.taxes_amount_minor as invoice_tax_amount_minor
    from fees
    inner join invoices on fees.invoice_id = invoices.invoice_id
    where {{ shadow_is_revhouse_fee('invoices') }}
)

select * from final
