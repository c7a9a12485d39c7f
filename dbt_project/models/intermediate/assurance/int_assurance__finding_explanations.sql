-- Why a flag is not a fault (docs/assurance.md §5 explained_by), one row per explained finding:
--   contract_upsize: a usage spike or drop (ML) on a subscription whose contracted quantity went
--     up (a Closed Won item above the customer's previous one for the same plan and charge) or
--     whose plan was upgraded to a dearer one, the change starting in the 35 days up to the
--     day the finding was detected: the usage moved because the contract did;
--   credit_note: an over-billing finding on an invoice whose credit notes give back (excl. tax)
--     at least the amount at risk: the customer was already refunded or credited.
-- contract_upsize wins when both hold (it names the cause, the credit note only the remedy).
with findings as (
    select * from {{ ref('int_assurance__findings') }}
),

contracted_items as (
    select * from {{ ref('int_assurance__contracted_items') }}
),

subscriptions as (
    select * from {{ ref('stg_lago__subscriptions') }}
),

plans as (
    select * from {{ ref('stg_lago__plans') }}
),

revhouse_credit_notes as (
    select * from {{ ref('fct_credit_notes') }}
),

billed_credit_notes as (
    select * from {{ ref('stg_billed__credit_notes') }}
),

-- a Closed Won item whose quantity is above the customer's previous item of the same plan and charge
quantity_increases as (
    select external_customer_id, plan_code, start_date as change_date
    from (
        select
            contracted_items.*,
            lag(quantity) over (
                partition by external_customer_id, plan_code, coalesce(charge_code, '')
                order by start_date, close_date, contract_item_id
            ) as previous_quantity
        from contracted_items
    ) as sequenced
    where quantity > previous_quantity
),

subscription_plans as (
    select distinct external_subscription_id, external_customer_id, plan_code from subscriptions
),

plan_upgrades as (
    select
        subscriptions.external_subscription_id,
        cast(coalesce(subscriptions.started_at, subscriptions.subscription_at) as date) as change_date
    from subscriptions
    inner join plans as new_plan on subscriptions.plan_code = new_plan.plan_code
    inner join plans as old_plan on subscriptions.previous_plan_code = old_plan.plan_code
    where new_plan.amount_minor > old_plan.amount_minor
),

contract_changes as (
    select subscription_plans.external_subscription_id, quantity_increases.change_date
    from quantity_increases
    inner join subscription_plans
        on quantity_increases.external_customer_id = subscription_plans.external_customer_id
        and quantity_increases.plan_code = subscription_plans.plan_code
    union all
    select external_subscription_id, change_date from plan_upgrades
),

upsized_findings as (
    select distinct findings.finding_id
    from findings
    inner join contract_changes
        on findings.external_subscription_id = contract_changes.external_subscription_id
        and contract_changes.change_date <= findings.detected_on
        and contract_changes.change_date >= cast({{ dbt.dateadd('day', -35, 'findings.detected_on') }} as date)
    where findings.source = 'ml'
        and findings.reason_code in ('usage_spike', 'usage_drop')
),

-- credited excl. tax per invoice; a note seen both as imported and as billed counts once (the larger)
invoice_credits as (
    select invoice_id, max(credited_minor) as credited_minor
    from (
        select credited_invoice_id as invoice_id, sum(credit_sub_total_amount_minor) as credited_minor
        from revhouse_credit_notes
        where credited_invoice_id is not null
        group by credited_invoice_id
        union all
        select invoice_id, sum(total_amount_minor - coalesce(taxes_amount_minor, 0)) as credited_minor
        from billed_credit_notes
        where invoice_id is not null and coalesce(status, '') <> 'voided'
        group by invoice_id
    ) as by_source
    group by invoice_id
),

credited_findings as (
    select findings.finding_id
    from findings
    inner join invoice_credits on findings.invoice_id = invoice_credits.invoice_id
    where findings.direction = 'over_billed'
        and findings.amount_at_risk_minor > 0
        and invoice_credits.credited_minor >= findings.amount_at_risk_minor
),

final as (
    select finding_id, 'contract_upsize' as explained_by from upsized_findings
    union all
    select finding_id, 'credit_note' as explained_by
    from credited_findings
    where finding_id not in (select finding_id from upsized_findings)
)

select * from final
