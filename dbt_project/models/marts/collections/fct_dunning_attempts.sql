-- Landed requests keep the amount Lago asked for; replayed ones sum their invoices (2.5).
with attempt_invoices as (
    select * from {{ ref('int_collections__dunning_attempt_invoices') }}
),

requests as (
    select * from {{ ref('stg_lago__payment_requests') }}
),

attempts as (
    select
        dunning_attempt_id, attempt_source, lago_payment_request_id, external_customer_id, currency,
        billing_entity_code, attempted_at, attempt_number, dunning_campaign_code, is_final_attempt,
        is_campaign_finished,
        count(*) as invoices_count,
        sum(invoice_amount_minor) as invoices_amount_minor
    from attempt_invoices
    group by
        dunning_attempt_id, attempt_source, lago_payment_request_id, external_customer_id, currency,
        billing_entity_code, attempted_at, attempt_number, dunning_campaign_code, is_final_attempt,
        is_campaign_finished
),

final as (
    select
        attempts.dunning_attempt_id,
        attempts.attempt_source,
        attempts.lago_payment_request_id,
        attempts.external_customer_id,
        attempts.currency,
        attempts.billing_entity_code,
        attempts.attempted_at,
        cast(attempts.attempted_at as date) as attempted_date,
        cast(attempts.attempt_number as integer) as attempt_number,
        attempts.dunning_campaign_code,
        attempts.is_final_attempt,
        attempts.is_campaign_finished,
        cast(attempts.invoices_count as integer) as invoices_count,
        cast(coalesce(requests.amount_minor, attempts.invoices_amount_minor) as bigint) as amount_minor
    from attempts
    left join requests on attempts.lago_payment_request_id = requests.lago_payment_request_id
)

select * from final
