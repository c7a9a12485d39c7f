-- One row per report date × customer × billing entity × currency holding open receivables
-- (collections.md 6.2): open amounts (6.1) summed per aging bucket of the `aging_buckets` seed
-- (one column `<aging_bucket>_amount_minor` per seed row, where the boundaries live).
-- Report dates: every month end up to `as_of` and the `as_of` date.
with open_invoices as (
    select * from {{ ref('int_collections__open_invoices_by_date') }}
),

final as (
    select
        report_date,
        is_month_end,
        is_as_of_date,
        external_customer_id,
        billing_entity_code,
        currency,
        currency_exponent,
        cast(sum(case when aging_bucket = 'current' then open_amount_minor else 0 end) as bigint) as current_amount_minor,
        cast(sum(case when aging_bucket = 'days_1_30' then open_amount_minor else 0 end) as bigint) as days_1_30_amount_minor,
        cast(sum(case when aging_bucket = 'days_31_60' then open_amount_minor else 0 end) as bigint) as days_31_60_amount_minor,
        cast(sum(case when aging_bucket = 'days_61_90' then open_amount_minor else 0 end) as bigint) as days_61_90_amount_minor,
        cast(sum(case when aging_bucket = 'days_over_90' then open_amount_minor else 0 end) as bigint) as days_over_90_amount_minor,
        cast(sum(open_amount_minor) as bigint) as open_amount_minor,
        cast(count(*) as bigint) as open_invoices_count
    from open_invoices
    group by report_date, is_month_end, is_as_of_date, external_customer_id, billing_entity_code, currency, currency_exponent
)

select * from final
