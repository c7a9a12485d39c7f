-- Lago's dunning evaluation (collections.md 2.4, 2.6) replayed up to `as_of` for customers with a
-- campaign and no landed payment request (8: landed requests are the attempts). One row per
-- customer x currency x attempt instant.
--
-- Instants are hourly at :45 UTC, but the state only changes at a few of them, so they are not
-- enumerated: a customer's overdue set (and B(c)) is constant between its *boundaries* (the :45
-- instant at/after each overdue start, settlement or void, and the campaign's creation), giving
-- segments [segment_start_at, segment_end_at). Within a segment the earliest instant an attempt
-- can happen is max(segment start, previous step + 1 h, first :45 strictly after last attempt +
-- days x 24 h); the next attempt is the earliest such instant over the segments where some
-- currency qualifies. That is a state machine (counters per currency, one shared last attempt),
-- so `replay` is a recursive CTE: one step per attempt instant, one row per threshold currency.
-- Recursive CTEs with window functions in the recursive term run on DuckDB and Postgres; Spark
-- has no recursive CTE (a bounded loop would replace it there).
-- Counter reset (2.6): an invoice of a request of c becomes succeeded -> attempts[c] = 0 (the
-- shared last attempt is ignored once every counter is 0). All other resets (campaign or
-- exclusion changes, thresholds edited) need the history of those settings, which is not landed:
-- the current campaign and thresholds are applied throughout.
with settings as (
    select * from {{ ref('stg_reference__settings') }}
),

as_of as (
    select {{ rating_as_of_at('settings') }} as as_of_at
),

assignments as (
    select * from {{ ref('int_collections__dunning_campaign_assignments') }}
    where dunning_campaign_key is not null
),

thresholds as (
    select * from {{ ref('stg_lago__dunning_campaign_thresholds') }}
),

payment_requests as (
    select * from {{ ref('stg_lago__payment_requests') }}
),

windows as (
    select * from {{ ref('int_collections__dunning_invoice_windows') }}
),

replayed_customers as (
    select assignments.*
    from assignments
    where not exists (
        select 1 from payment_requests
        where payment_requests.external_customer_id = assignments.external_customer_id
    )
),

customer_currencies as (
    select
        replayed_customers.external_customer_id,
        replayed_customers.dunning_campaign_code,
        replayed_customers.days_between_attempts,
        replayed_customers.max_attempts,
        replayed_customers.campaign_created_at,
        thresholds.currency,
        thresholds.threshold_amount_minor
    from replayed_customers
    inner join thresholds on replayed_customers.dunning_campaign_key = thresholds.dunning_campaign_key
),

overdue_invoices as (
    select
        windows.*,
        {{ dunning_instant_at_or_after('windows.overdue_from_at') }} as overdue_from_instant,
        {{ dunning_instant_at_or_after('windows.overdue_until_at') }} as overdue_until_instant,
        case when windows.settled_at is not null and windows.overdue_until_at = windows.settled_at
            then windows.settled_at end as succeeded_at
    from windows
    inner join (select distinct external_customer_id, currency from customer_currencies) as scoped
        on windows.external_customer_id = scoped.external_customer_id
        and windows.currency = scoped.currency
    cross join as_of
    where windows.overdue_from_at <= as_of.as_of_at
        and (windows.overdue_until_at is null or windows.overdue_until_at > windows.overdue_from_at)
),

boundaries as (
    select external_customer_id, overdue_from_instant as boundary_at from overdue_invoices
    union
    select external_customer_id, overdue_until_instant from overdue_invoices
    where overdue_until_instant is not null
),

segments as (
    select
        boundaries.external_customer_id,
        boundaries.boundary_at as segment_start_at,
        lead(boundaries.boundary_at) over (
            partition by boundaries.external_customer_id order by boundaries.boundary_at
        ) as segment_end_at
    from boundaries
    cross join as_of
    where boundaries.boundary_at <= as_of.as_of_at
),

-- B(c) = sum of the *totals* of the invoices overdue throughout the segment (2.4.3), and the
-- earliest success among them (the reset a request including them would trigger)
segment_currencies as (
    select
        customer_currencies.external_customer_id,
        customer_currencies.currency,
        segments.segment_start_at,
        segments.segment_end_at,
        cast(coalesce(sum(overdue_invoices.total_amount_minor), 0) as bigint) as overdue_total_minor,
        min(overdue_invoices.succeeded_at) as first_success_at
    from customer_currencies
    inner join segments on customer_currencies.external_customer_id = segments.external_customer_id
    left join overdue_invoices
        on overdue_invoices.external_customer_id = customer_currencies.external_customer_id
        and overdue_invoices.currency = customer_currencies.currency
        and overdue_invoices.overdue_from_instant <= segments.segment_start_at
        and (overdue_invoices.overdue_until_instant is null
            or overdue_invoices.overdue_until_instant > segments.segment_start_at)
    group by
        customer_currencies.external_customer_id, customer_currencies.currency,
        segments.segment_start_at, segments.segment_end_at
),

evaluated as (
    select
        segment_currencies.*,
        customer_currencies.dunning_campaign_code,
        customer_currencies.days_between_attempts,
        customer_currencies.max_attempts,
        customer_currencies.threshold_amount_minor,
        customer_currencies.campaign_created_at
    from segment_currencies
    inner join customer_currencies
        on segment_currencies.external_customer_id = customer_currencies.external_customer_id
        and segment_currencies.currency = customer_currencies.currency
),

replay as (
    {%- set far_future = "cast('9999-12-31 00:00:00' as timestamp)" %}
    with recursive steps as (
        select
            external_customer_id,
            currency,
            0 as step,
            -- instants strictly after this one are evaluated next
            {{ dbt.dateadd('hour', -1, "min(" ~ dunning_instant_at_or_after('coalesce(campaign_created_at, segment_start_at)') ~ ")") }} as evaluated_at,
            cast(0 as integer) as attempts,
            cast(null as timestamp) as pending_reset_at,
            false as is_in_map,
            cast(null as timestamp) as last_attempt_at,
            false as did_attempt
        from evaluated
        group by external_customer_id, currency

        union all

        select
            external_customer_id, currency, step, evaluated_at, attempts, pending_reset_at,
            is_in_map, last_attempt_at, did_attempt
        from (
            select
                candidates.external_customer_id,
                candidates.currency,
                candidates.step + 1 as step,
                candidates.next_at as evaluated_at,
                candidates.effective_attempts + case when candidates.qualifies then 1 else 0 end as attempts,
                case
                    when not candidates.qualifies then candidates.effective_pending_reset_at
                    when candidates.effective_pending_reset_at is null then candidates.first_success_at
                    when candidates.first_success_at is null then candidates.effective_pending_reset_at
                    when candidates.first_success_at < candidates.effective_pending_reset_at then candidates.first_success_at
                    else candidates.effective_pending_reset_at
                end as pending_reset_at,
                candidates.is_in_map or candidates.qualifies as is_in_map,
                candidates.next_at as last_attempt_at,
                candidates.qualifies as did_attempt,
                candidates.earliest_at
            from (
                select
                    timed.*,
                    min(case when timed.is_possible and timed.segment_qualifies then timed.earliest_at end)
                        over (partition by timed.external_customer_id) as next_at
                from (
                    select
                        effective.*,
                        max(case when effective.qualifies then 1 else 0 end)
                            over (partition by effective.external_customer_id, effective.segment_start_at) = 1
                            as segment_qualifies,
                        case when effective.earliest_at < coalesce(effective.segment_end_at, {{ far_future }})
                            and effective.earliest_at <= effective.as_of_at then true else false end as is_possible
                    from (
                        select
                            spaced.*,
                            case
                                when spaced.last_attempt_at is null or spaced.all_counters_zero
                                    or spaced.spacing_release_at <= spaced.start_at then spaced.start_at
                                else spaced.spacing_release_at
                            end as earliest_at
                        from (
                            select
                                reset.*,
                                max(case when reset.is_in_map and reset.effective_attempts > 0 then 1 else 0 end)
                                    over (partition by reset.external_customer_id, reset.segment_start_at) = 0
                                    as all_counters_zero,
                                {{ dunning_instant_after(dbt.dateadd('hour', '24 * reset.days_between_attempts', 'reset.last_attempt_at')) }}
                                    as spacing_release_at,
                                case
                                    when reset.segment_start_at > {{ dbt.dateadd('hour', 1, 'reset.evaluated_at') }} then reset.segment_start_at
                                    else {{ dbt.dateadd('hour', 1, 'reset.evaluated_at') }}
                                end as start_at,
                                reset.threshold_amount_minor <= reset.overdue_total_minor
                                    and reset.effective_attempts < reset.max_attempts as qualifies
                            from (
                                select
                                    steps.*,
                                    evaluated.segment_start_at,
                                    evaluated.segment_end_at,
                                    evaluated.overdue_total_minor,
                                    evaluated.first_success_at,
                                    evaluated.days_between_attempts,
                                    evaluated.max_attempts,
                                    evaluated.threshold_amount_minor,
                                    as_of.as_of_at,
                                    case when steps.pending_reset_at <= evaluated.segment_start_at
                                        then 0 else steps.attempts end as effective_attempts,
                                    case when steps.pending_reset_at <= evaluated.segment_start_at
                                        then null else steps.pending_reset_at end as effective_pending_reset_at
                                from steps
                                inner join evaluated
                                    on steps.external_customer_id = evaluated.external_customer_id
                                    and steps.currency = evaluated.currency
                                cross join as_of
                                where coalesce(evaluated.segment_end_at, {{ far_future }})
                                    > {{ dbt.dateadd('hour', 1, 'steps.evaluated_at') }}
                            ) as reset
                        ) as spaced
                    ) as effective
                ) as timed
            ) as candidates
            where candidates.is_possible and candidates.earliest_at = candidates.next_at
        ) as advanced
    )

    select * from steps
),

attempt_steps as (
    select
        replay.*,
        min(case when not replay.is_in_map or replay.attempts >= customer_currencies.max_attempts then 1 else 0 end)
            over (partition by replay.external_customer_id, replay.step) = 1 as is_campaign_finished
    from replay
    inner join customer_currencies
        on replay.external_customer_id = customer_currencies.external_customer_id
        and replay.currency = customer_currencies.currency
),

final as (
    select
        attempt_steps.external_customer_id,
        attempt_steps.currency,
        attempt_steps.evaluated_at as attempted_at,
        attempt_steps.attempts as attempt_number,
        customer_currencies.dunning_campaign_code,
        customer_currencies.max_attempts,
        attempt_steps.attempts >= customer_currencies.max_attempts as is_final_attempt,
        attempt_steps.is_campaign_finished
    from attempt_steps
    inner join customer_currencies
        on attempt_steps.external_customer_id = customer_currencies.external_customer_id
        and attempt_steps.currency = customer_currencies.currency
    where attempt_steps.did_attempt
)

select * from final
