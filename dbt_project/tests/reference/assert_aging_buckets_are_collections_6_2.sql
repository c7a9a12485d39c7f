{#- Shown in Dagster as an asset check on the aging_buckets seed (reference data the collections marts read). -#}
-- collections.md 6.2 on the aging_buckets seed itself (unit tests give its rows): every number
-- of days past due falls in exactly one bucket, in sort order the first has no lower bound,
-- the last no upper bound and each starts the day after the previous one ends; and the days
-- at every boundary land where 6.2 puts them: <= 0 current, 1-30, 31-60, 61-90, >= 91 90+.
-- Returns the rows that break it.
with buckets as (
    select * from {{ ref('aging_buckets') }}
),

ordered as (
    select
        buckets.*,
        lag(max_days_past_due) over (order by sort_order) as previous_max_days_past_due,
        row_number() over (order by sort_order) as position,
        count(*) over () as bucket_count
    from buckets
),

expected as (
    select -30 as days_past_due, 'current' as label
    union all select 0, 'current'
    union all select 1, '1-30'
    union all select 30, '1-30'
    union all select 31, '31-60'
    union all select 60, '31-60'
    union all select 61, '61-90'
    union all select 90, '61-90'
    union all select 91, '90+'
    union all select 400, '90+'
),

placed as (
    select
        expected.days_past_due,
        expected.label,
        count(buckets.aging_bucket) as bucket_count,
        max(buckets.label) as placed_label
    from expected
    left join buckets
        on {{ aging_bucket_holds('buckets', 'expected.days_past_due') }}
    group by expected.days_past_due, expected.label
),

final as (
    select aging_bucket, 'first bucket has a lower bound' as problem
    from ordered where position = 1 and min_days_past_due is not null
    union all
    select aging_bucket, 'last bucket has an upper bound' as problem
    from ordered where position = bucket_count and max_days_past_due is not null
    union all
    select aging_bucket, 'not contiguous with the previous bucket' as problem
    from ordered
    where position > 1
      and (previous_max_days_past_due is null or min_days_past_due is null
           or min_days_past_due <> previous_max_days_past_due + 1)
    union all
    select aging_bucket, 'empty range' as problem
    from ordered where min_days_past_due > max_days_past_due
    union all
    select
        {{ dbt.safe_cast('days_past_due', dbt.type_string()) }} as aging_bucket,
        'days past due not in exactly the bucket of 6.2' as problem
    from placed
    where bucket_count <> 1 or placed_label <> label
)

select * from final
