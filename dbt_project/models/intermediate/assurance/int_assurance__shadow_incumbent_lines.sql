-- Shadow billing, the incumbent's side: every line the incumbent billed (`billed`), at the
-- comparison grain (customer, subscription, charge key, service period as customer-local
-- dates), with what its credit notes credited on it. Coupon lines (negative `credit` lines)
-- are invoice-level discounts, not billed items, and are compared as neither side's lines; a
-- voided invoice bills nothing.
with lines as (
    select * from {{ ref('stg_billed__invoice_lines') }}
),

invoices as (
    select * from {{ ref('stg_billed__invoices') }}
),

credit_notes as (
    select * from {{ ref('stg_billed__credit_notes') }}
),

credit_note_items as (
    select * from {{ ref('stg_billed__credit_note_items') }}
),

customers as (
    select * from {{ ref('stg_lago__customers') }}
),

entities as (
    select * from {{ ref('stg_reference__billing_entities') }}
),

-- excl. tax: Stripe's item amount includes its inclusive tax, Lago's never does
credited as (
    select
        credit_note_items.credited_line_id,
        sum(credit_note_items.amount_minor - coalesce(credit_note_items.inclusive_tax_amount_minor, 0))
            as credited_amount_minor,
        {{ dbt.listagg('credit_notes.credit_note_number', "', '", "order by credit_notes.credit_note_number") }}
            as credit_note_numbers
    from credit_note_items
    inner join credit_notes on credit_note_items.credit_note_id = credit_notes.credit_note_id
    where coalesce(credit_notes.status, '') not in ('voided', 'void')
        and credit_note_items.credited_line_id is not null
    group by credit_note_items.credited_line_id
),

billed_lines as (
    select
        {{ shadow_billed_line_id('lines') }} as line_id,
        lines.line_id as billed_line_id,
        lines.invoice_id,
        invoices.invoice_number,
        invoices.issuing_date,
        invoices.external_customer_id,
        coalesce(lines.external_subscription_id, invoices.external_subscription_id) as external_subscription_id,
        coalesce(lines.currency, invoices.currency) as currency,
        lines.fee_type,
        lines.item_code,
        lines.units,
        lines.service_start_at,
        lines.service_end_at,
        lines.amount_minor,
        lines.taxes_amount_minor,
        invoices.taxes_amount_minor as invoice_tax_amount_minor,
        -- A5: the customer's timezone, else the entity's, else UTC
        coalesce(customers.timezone, entities.timezone, 'UTC') as billing_timezone
    from lines
    inner join invoices on lines.invoice_id = invoices.invoice_id
    left join customers on invoices.external_customer_id = customers.external_customer_id
    left join entities on invoices.billing_entity_code = entities.billing_entity_code
    where {{ shadow_is_billed_line('lines', 'invoices') }}
),

final as (
    select
        billed_lines.line_id,
        billed_lines.invoice_id,
        billed_lines.invoice_number,
        billed_lines.issuing_date,
        billed_lines.external_customer_id,
        billed_lines.external_subscription_id,
        billed_lines.currency,
        billed_lines.fee_type,
        -- the same charge key as revhouse's side: 'plan' for the plan fee (its item code is the
        -- plan code), 'prepaid_credits' for a wallet top-up (a positive `credit` line), else
        -- the item code (Lago: the billable metric code of a charge)
        case
            when billed_lines.fee_type = 'subscription' then 'plan'
            when billed_lines.fee_type = 'credit' then 'prepaid_credits'
            else billed_lines.item_code
        end as charge_key,
        case when billed_lines.fee_type = 'subscription' then billed_lines.item_code end as plan_code,
        billed_lines.units,
        -- a usage charge's quantity (a minimum true-up, sent as a charge, is paired with
        -- revhouse's, whose units are not compared)
        billed_lines.fee_type = 'charge' as has_comparable_units,
        -- a top-up line has no service period: its invoice's day
        coalesce(
            {{ utc_to_local_date('billed_lines.service_start_at', 'billed_lines.billing_timezone') }},
            billed_lines.issuing_date
        ) as service_from_date,
        coalesce(
            {{ utc_to_local_date('billed_lines.service_end_at', 'billed_lines.billing_timezone') }},
            billed_lines.issuing_date
        ) as service_to_date,
        billed_lines.amount_minor,
        billed_lines.taxes_amount_minor as tax_amount_minor,
        billed_lines.invoice_tax_amount_minor,
        cast(coalesce(credited.credited_amount_minor, 0) as {{ dbt.type_bigint() }}) as credited_amount_minor,
        credited.credit_note_numbers
    from billed_lines
    left join credited on billed_lines.billed_line_id = credited.credited_line_id
)

select * from final
