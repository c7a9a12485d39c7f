-- The money division and rounding macros on figures worked out by hand (pricing.md 0,
-- metrics-and-revrec.md conventions). Returns the cases that come out wrong.
--   60,000 × 12 / 31 = 23,225.806… → 23,226 (A4.1 example)
--   3,000 × 22 / 31  = 2,129.03…   → 2,129  (30.00/month from 10 March → 21.29)
--   1 / 8            = 0.125        → 0       (below half)
--   5 / 2            = 2.5          → 3       (half goes away from zero, not to even)
--   −5 / 2           = −2.5         → −3
--   −7 / 3           = −2.333…      → −2
--   10,000 / 3       = 3,333.333333333333 (truncated at 12 decimals, toward zero)
--   1 / 0            → NULL (no division by zero error, no infinity)
with cases as (
    select 1 as case_id, {{ round_minor(exact_divide('60000 * 12', '31')) }} as got, 23226 as expected
    union all select 2, {{ round_minor(exact_divide('3000 * 22', '31')) }}, 2129
    union all select 3, {{ round_minor(exact_divide('1', '8')) }}, 0
    union all select 4, {{ round_minor(exact_divide('5', '2')) }}, 3
    union all select 5, {{ round_minor(exact_divide('-5', '2')) }}, -3
    union all select 6, {{ round_minor(exact_divide('-7', '3')) }}, -2
),

exact as (
    select
        {{ exact_divide('10000', '3') }} as third,
        {{ exact_divide('1', '0') }} as by_zero
)

select cast(case_id as {{ dbt.type_string() }}) as failing_case from cases where got <> expected
union all
select 'third' from exact where third <> cast('3333.333333333333' as decimal(38, 12))
union all
select 'by_zero' from exact where by_zero is not null
