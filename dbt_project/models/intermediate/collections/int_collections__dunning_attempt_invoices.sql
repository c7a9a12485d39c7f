-- One row per invoice in a dunning attempt (collections.md 2.5, 8): the attempts are the landed
-- payment requests that name a campaign where any request was landed for the customer, else the
-- replayed ones (one request per currency and billing entity, grouping the customer's invoices
-- overdue at that instant). Attempt numbers of landed requests count the customer's requests
-- in that currency since the last reset: an invoice of an earlier request becoming succeeded
-- (2.6). invoice_amount_minor = total - paid - offset at the attempt (2.5), paid read from the
-- settlement view the rest of collections uses (int_collections__invoice_settlements, its cash
-- rows: applied net of reversals, and what Lago reports paid on an imported invoice).
with replayed as (
    select * from {{ ref('int_collections__dunning_replayed_attempts') }}
),

windows as (
    select * from {{ ref('int_collections__dunning_invoice_windows') }}
),

settlements as (
    select * from {{ ref('int_collections__invoice_settlements') }}
),

requests as (
    select * from {{ ref('stg_lago__payment_requests') }}
    where is_dunning_attempt
),

request_invoices as (
    select * from {{ ref('stg_lago__payment_request_invoices') }}
),

campaigns as (
    select * from {{ ref('stg_lago__dunning_campaigns') }}
),

replayed_invoices as (
    select
        'replayed' as attempt_source,
        cast(null as {{ dbt.type_string() }}) as lago_payment_request_id,
        replayed.external_customer_id,
        replayed.currency,
        windows.billing_entity_code,
        replayed.attempted_at,
        replayed.attempt_number,
        replayed.dunning_campaign_code,
        replayed.is_final_attempt,
        replayed.is_campaign_finished,
        windows.invoice_source,
        windows.invoice_id
    from replayed
    inner join windows
        on replayed.external_customer_id = windows.external_customer_id
        and replayed.currency = windows.currency
        and windows.overdue_from_at <= replayed.attempted_at
        and (windows.overdue_until_at is null or windows.overdue_until_at > replayed.attempted_at)
),

landed_invoices as (
    select
        requests.lago_payment_request_id,
        requests.external_customer_id,
        requests.currency,
        requests.created_at as attempted_at,
        requests.dunning_campaign_code,
        windows.billing_entity_code,
        coalesce(windows.invoice_source, 'lago') as invoice_source,
        request_invoices.lago_invoice_id as invoice_id,
        windows.settled_at
    from requests
    inner join request_invoices on requests.lago_payment_request_id = request_invoices.lago_payment_request_id
    left join windows on request_invoices.lago_invoice_id = windows.invoice_id
),

landed_resets as (
    select external_customer_id, currency, settled_at as reset_at
    from landed_invoices
    where settled_at > attempted_at
),

landed_requests as (
    select
        lago_payment_request_id,
        external_customer_id,
        currency,
        attempted_at,
        dunning_campaign_code,
        min(billing_entity_code) as billing_entity_code
    from landed_invoices
    group by lago_payment_request_id, external_customer_id, currency, attempted_at, dunning_campaign_code
),

landed_cycles as (
    select
        landed_requests.*,
        (
            select max(landed_resets.reset_at) from landed_resets
            where landed_resets.external_customer_id = landed_requests.external_customer_id
                and landed_resets.currency = landed_requests.currency
                and landed_resets.reset_at <= landed_requests.attempted_at
        ) as last_reset_at
    from landed_requests
),

landed_numbered as (
    select
        landed_cycles.*,
        (
            select count(*) from landed_requests as earlier
            where earlier.external_customer_id = landed_cycles.external_customer_id
                and earlier.currency = landed_cycles.currency
                and earlier.attempted_at <= landed_cycles.attempted_at
                and (landed_cycles.last_reset_at is null or earlier.attempted_at > landed_cycles.last_reset_at)
        ) as attempt_number
    from landed_cycles
),

landed as (
    select
        'landed' as attempt_source,
        landed_numbered.lago_payment_request_id,
        landed_numbered.external_customer_id,
        landed_numbered.currency,
        landed_numbered.billing_entity_code,
        landed_numbered.attempted_at,
        cast(landed_numbered.attempt_number as integer) as attempt_number,
        landed_numbered.dunning_campaign_code,
        landed_numbered.attempt_number >= campaigns.max_attempts as is_final_attempt,
        landed_numbered.attempt_number >= campaigns.max_attempts as is_campaign_finished,
        landed_invoices.invoice_source,
        landed_invoices.invoice_id
    from landed_numbered
    inner join landed_invoices on landed_numbered.lago_payment_request_id = landed_invoices.lago_payment_request_id
    left join campaigns
        on landed_numbered.dunning_campaign_code = campaigns.dunning_campaign_code
        and not campaigns.is_deleted
),

attempt_invoices as (
    select * from replayed_invoices
    union all
    select * from landed
),

paid as (
    select
        attempt_invoices.attempt_source,
        attempt_invoices.lago_payment_request_id,
        attempt_invoices.external_customer_id,
        attempt_invoices.attempted_at,
        attempt_invoices.invoice_source,
        attempt_invoices.invoice_id,
        sum(settlements.amount_minor) as paid_amount_minor
    from attempt_invoices
    inner join settlements
        on attempt_invoices.invoice_source = settlements.invoice_source
        and attempt_invoices.invoice_id = settlements.invoice_id
        and settlements.effective_at <= attempt_invoices.attempted_at
        and settlements.is_cash
    group by
        attempt_invoices.attempt_source, attempt_invoices.lago_payment_request_id,
        attempt_invoices.external_customer_id, attempt_invoices.attempted_at,
        attempt_invoices.invoice_source, attempt_invoices.invoice_id
),

final as (
    select
        case
            when attempt_invoices.attempt_source = 'landed' then attempt_invoices.lago_payment_request_id
            else {{ dbt.concat(["'replayed:'", 'attempt_invoices.external_customer_id', "':'",
                'attempt_invoices.currency', "':'", "coalesce(attempt_invoices.billing_entity_code, '')", "':'",
                dbt.safe_cast('attempt_invoices.attempted_at', dbt.type_string())]) }}
        end as dunning_attempt_id,
        attempt_invoices.*,
        windows.total_amount_minor,
        cast(coalesce(paid.paid_amount_minor, 0) as bigint) as paid_amount_minor,
        windows.offset_amount_minor,
        cast(windows.total_amount_minor - coalesce(paid.paid_amount_minor, 0) - windows.offset_amount_minor as bigint)
            as invoice_amount_minor
    from attempt_invoices
    left join windows
        on attempt_invoices.invoice_source = windows.invoice_source
        and attempt_invoices.invoice_id = windows.invoice_id
    left join paid
        on attempt_invoices.attempt_source = paid.attempt_source
        and coalesce(attempt_invoices.lago_payment_request_id, '') = coalesce(paid.lago_payment_request_id, '')
        and attempt_invoices.external_customer_id = paid.external_customer_id
        and attempt_invoices.attempted_at = paid.attempted_at
        and attempt_invoices.invoice_source = paid.invoice_source
        and attempt_invoices.invoice_id = paid.invoice_id
)

select * from final
