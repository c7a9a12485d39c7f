-- One row per movement of cash on an invoice after it entered dunning (collections.md 7): the
-- recovery, net (refunds, chargebacks and void releases come off it as negative rows, at their
-- own date; a won dispute restores). Credit-note settlements are not recovery. Each movement is
-- attributed to the latest dunning attempt of the customer in that currency made before it.
with entered as (
    select * from {{ ref('int_collections__dunning_entries') }}
),

applications as (
    select * from {{ ref('int_collections__cash_applications') }}
    where movement_kind <> 'credit_note_settlement'
),

attempts as (
    select distinct external_customer_id, currency, attempted_at, attempt_number
    from {{ ref('int_collections__dunning_attempt_invoices') }}
),

movements as (
    select
        applications.application_id,
        entered.invoice_source,
        entered.invoice_id,
        entered.external_customer_id,
        entered.currency,
        entered.entered_at,
        entered.cohort_month,
        applications.movement_kind,
        applications.amount_minor,
        applications.effective_at
    from entered
    inner join applications
        on entered.invoice_source = applications.invoice_source
        and entered.invoice_id = applications.invoice_id
        and applications.effective_at > entered.entered_at
),

attributed as (
    select
        movements.*,
        (
            select max(attempts.attempted_at) from attempts
            where attempts.external_customer_id = movements.external_customer_id
                and attempts.currency = movements.currency
                and attempts.attempted_at < movements.effective_at
        ) as attributed_attempt_at
    from movements
),

final as (
    select
        attributed.application_id,
        attributed.invoice_source,
        attributed.invoice_id,
        attributed.external_customer_id,
        attributed.currency,
        attributed.cohort_month,
        attributed.movement_kind,
        attributed.amount_minor,
        attributed.effective_at,
        attributed.attributed_attempt_at,
        attempts.attempt_number,
        {{ dbt.datediff('cast(attributed.entered_at as date)', 'cast(attributed.effective_at as date)', 'day') }}
            as days_to_recover
    from attributed
    left join attempts
        on attributed.external_customer_id = attempts.external_customer_id
        and attributed.currency = attempts.currency
        and attributed.attributed_attempt_at = attempts.attempted_at
)

select * from final
