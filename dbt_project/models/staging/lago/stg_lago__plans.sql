with source as ({{ latest_version(source('lago', 'lago_plans'), 'lago_id') }}),

final as (
    select
        lago_id as lago_plan_id,
        code as plan_code,
        name as plan_name,
        invoice_display_name,
        interval as plan_interval,
        cast(amount_cents as bigint) as amount_minor,
        amount_currency as currency,
        coalesce(pay_in_advance, false) as is_pay_in_advance,
        coalesce(bill_charges_monthly, false) as is_bill_charges_monthly,
        cast(coalesce(trial_period, 0) as decimal(18, 6)) as trial_period_days,
        cast(minimum_commitment_amount_cents as bigint) as minimum_commitment_amount_minor,
        minimum_commitment_invoice_display_name,
        created_at,
        {{ lineage_columns() }}
    from source
)

select * from final
