with source as ({{ latest_version(source('lago', 'lago_subscriptions'), 'lago_id') }}),

final as (
    select
        lago_id as lago_subscription_id,
        external_id as external_subscription_id,
        external_customer_id,
        plan_code,
        status,
        coalesce(billing_time, 'calendar') as billing_time,
        subscription_at,
        started_at,
        ending_at,
        terminated_at,
        canceled_at,
        previous_plan_code,
        next_plan_code,
        downgrade_plan_date,
        trial_ended_at,
        coalesce(on_termination_credit_note, 'credit') as on_termination_credit_note,
        created_at,
        {{ lineage_columns() }}
    from source
)

select * from final
