-- One row per report date × customer × billing entity × currency holding open receivables or
-- unapplied cash (collections.md 6.2): open amounts (6.1) summed per aging bucket of the
-- `aging_buckets` seed (one column `<aging_bucket>_amount_minor` per seed row, where the
-- boundaries live), and the unapplied cash at that date in its own column, never netted.
-- Report dates: every month end up to `as_of` and the `as_of` date.
with open_invoices as (
    select * from {{ ref('int_collections__open_invoices_by_date') }}
),

report_dates as (
    select * from {{ ref('int_collections__report_dates') }}
),

unapplied_periods as (
    select * from {{ ref('int_collections__unapplied_cash_periods') }}
),

receivables as (
    select
        report_date,
        is_month_end,
        is_as_of_date,
        external_customer_id,
        billing_entity_code,
        currency,
        currency_exponent,
        case when aging_bucket = 'current' then open_amount_minor else 0 end as current_amount_minor,
        case when aging_bucket = 'days_1_30' then open_amount_minor else 0 end as days_1_30_amount_minor,
        case when aging_bucket = 'days_31_60' then open_amount_minor else 0 end as days_31_60_amount_minor,
        case when aging_bucket = 'days_61_90' then open_amount_minor else 0 end as days_61_90_amount_minor,
        case when aging_bucket = 'days_over_90' then open_amount_minor else 0 end as days_over_90_amount_minor,
        open_amount_minor,
        1 as open_invoices_count,
        0 as unapplied_cash_minor
    from open_invoices
),

-- a payment has no entity: its cash sits with its customer's (int_collections__unapplied_cash_periods)
unapplied as (
    select
        report_dates.report_date,
        report_dates.is_month_end,
        report_dates.is_as_of_date,
        unapplied_periods.customer_key as external_customer_id,
        unapplied_periods.billing_entity_code,
        unapplied_periods.currency,
        unapplied_periods.currency_exponent,
        0 as current_amount_minor,
        0 as days_1_30_amount_minor,
        0 as days_31_60_amount_minor,
        0 as days_61_90_amount_minor,
        0 as days_over_90_amount_minor,
        0 as open_amount_minor,
        0 as open_invoices_count,
        unapplied_periods.unapplied_minor as unapplied_cash_minor
    from report_dates
    inner join unapplied_periods
        on unapplied_periods.unapplied_from_date <= report_dates.report_date
        and (unapplied_periods.unapplied_until_date is null or report_dates.report_date < unapplied_periods.unapplied_until_date)
),

positions as (
    select * from receivables
    union all
    select * from unapplied
),

final as (
    select
        report_date,
        is_month_end,
        is_as_of_date,
        external_customer_id,
        billing_entity_code,
        currency,
        cast(max(currency_exponent) as integer) as currency_exponent,
        cast(sum(current_amount_minor) as bigint) as current_amount_minor,
        cast(sum(days_1_30_amount_minor) as bigint) as days_1_30_amount_minor,
        cast(sum(days_31_60_amount_minor) as bigint) as days_31_60_amount_minor,
        cast(sum(days_61_90_amount_minor) as bigint) as days_61_90_amount_minor,
        cast(sum(days_over_90_amount_minor) as bigint) as days_over_90_amount_minor,
        cast(sum(open_amount_minor) as bigint) as open_amount_minor,
        cast(sum(open_invoices_count) as bigint) as open_invoices_count,
        cast(sum(unapplied_cash_minor) as bigint) as unapplied_cash_minor
    from positions
    group by report_date, is_month_end, is_as_of_date, external_customer_id, billing_entity_code, currency
)

select * from final
