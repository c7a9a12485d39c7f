{#- Coupons (pricing.md 5.3), one pass per coupon slot of the customer's fixed order.
    Within an invoice, coupon k sees the fees net of coupons 1..k-1; across invoices, its own
    state (remainder of a once-fixed coupon, uses of a recurring/once one) depends only on its
    own bases, which pass k knows for every invoice at once. So the whole state machine is
    window functions over invoices per pass: no recursion. A customer with more applied
    coupons than `invoicing_max_coupon_slots` fails the test
    assert_coupon_slots_within_limit (never a silent drop). -#}
{%- set max_slots = var('invoicing_max_coupon_slots', 6) -%}
with invoice_fees as (
    select * from {{ ref('int_billing__invoice_fees') }}
),

coupon_slots as (
    select * from {{ ref('int_billing__coupon_slots') }}
),

coupon_targets as (
    select * from {{ ref('int_billing__coupon_targets') }}
),

-- State frozen by earlier runs (macros/invoicing/frozen_state.sql): finalized invoices are
-- not recomputed; each coupon continues from what they used of it.
frozen_invoices as (
    {{ frozen_rows('fct_finalized_invoices', {'invoice_id': dbt.type_string()}) }}
),

frozen_discounts as (
    {{ frozen_rows('fct_finalized_invoice_discounts', {'lago_applied_coupon_id': dbt.type_string(), 'coupon_amount_minor': 'bigint'}) }}
),

open_fees as (
    select invoice_fees.*
    from invoice_fees
    where not exists (select 1 from frozen_invoices where frozen_invoices.invoice_id = invoice_fees.invoice_id)
),

slot_state as (
    select
        coupon_slots.*,
        coalesce(frozen_usage.frozen_amount_minor, 0) as frozen_amount_minor,
        coalesce(frozen_usage.frozen_uses, 0) as frozen_uses
    from coupon_slots
    left join (
        select lago_applied_coupon_id, sum(coupon_amount_minor) as frozen_amount_minor, count(*) as frozen_uses
        from frozen_discounts
        group by lago_applied_coupon_id
    ) as frozen_usage
        on coupon_slots.lago_applied_coupon_id = frozen_usage.lago_applied_coupon_id
),

candidate_pairs as (
    select
        invoice_fees.fee_id,
        invoice_fees.currency as fee_currency,
        invoice_fees.issuing_date,
        invoice_fees.plan_code,
        invoice_fees.billable_metric_code,
        coupon_slots.coupon_slot,
        coupon_slots.lago_applied_coupon_id,
        coupon_slots.coupon_code,
        coupon_slots.coupon_type,
        coupon_slots.currency as coupon_currency,
        coupon_slots.limited_to,
        coupon_slots.applied_at,
        coupon_slots.terminated_at,
        coupon_slots.expiration_at
    from open_fees as invoice_fees
    inner join coupon_slots
        on invoice_fees.external_customer_id = coupon_slots.external_customer_id
),

-- Limited coupons: the fees whose metric (or plan) is in the coupon's list. A join, not a
-- correlated EXISTS, so Spark can run it too.
target_hits as (
    select distinct
        candidate_pairs.fee_id,
        candidate_pairs.lago_applied_coupon_id
    from candidate_pairs
    inner join coupon_targets
        on candidate_pairs.coupon_code = coupon_targets.coupon_code
        and (
            (candidate_pairs.limited_to = 'billable_metrics' and coupon_targets.target_kind = 'billable_metric'
                and coupon_targets.target_code = candidate_pairs.billable_metric_code)
            or (candidate_pairs.limited_to = 'plans' and coupon_targets.target_kind = 'plan'
                and coupon_targets.target_code = candidate_pairs.plan_code)
        )
),

-- Which fee each applied coupon may discount on which invoice (coverage and eligibility).
coverage as (
    select
        candidate_pairs.fee_id,
        candidate_pairs.coupon_slot,
        candidate_pairs.lago_applied_coupon_id,
        case
            when candidate_pairs.coupon_type = 'fixed_amount' and candidate_pairs.coupon_currency <> candidate_pairs.fee_currency then 0
            when cast(candidate_pairs.applied_at as date) > candidate_pairs.issuing_date then 0
            when candidate_pairs.terminated_at is not null
                and candidate_pairs.issuing_date >= cast(candidate_pairs.terminated_at as date) then 0
            when candidate_pairs.expiration_at is not null
                and candidate_pairs.issuing_date > cast(candidate_pairs.expiration_at as date) then 0
            when candidate_pairs.limited_to = 'none' then 1
            when target_hits.fee_id is not null then 1
            else 0
        end as is_covered
    from candidate_pairs
    left join target_hits
        on candidate_pairs.fee_id = target_hits.fee_id
        and candidate_pairs.lago_applied_coupon_id = target_hits.lago_applied_coupon_id
),

-- Coupons see the fees net of the progressive billing credit (pricing.md 5.2 before 5.3).
net_0 as (
    select
        fee_id,
        invoice_id,
        issuing_date,
        cast(amount_minor - coalesce(precise_progressive_credit_share_minor, 0) as decimal(38, 12)) as net_amount_minor
    from open_fees
),

{% for k in range(1, max_slots + 1) %}
fees_{{ k }} as (
    select
        net_{{ k - 1 }}.fee_id,
        net_{{ k - 1 }}.invoice_id,
        net_{{ k - 1 }}.issuing_date,
        net_{{ k - 1 }}.net_amount_minor,
        slot_state.lago_applied_coupon_id,
        slot_state.coupon_type,
        slot_state.amount_minor as coupon_face_amount_minor,
        slot_state.percentage_rate,
        slot_state.frequency,
        slot_state.frequency_duration,
        slot_state.frozen_amount_minor,
        slot_state.frozen_uses,
        coalesce(coverage.is_covered, 0) as is_covered
    from net_{{ k - 1 }}
    left join coverage
        on net_{{ k - 1 }}.fee_id = coverage.fee_id
        and coverage.coupon_slot = {{ k }}
    left join slot_state
        on coverage.lago_applied_coupon_id = slot_state.lago_applied_coupon_id
),

-- Base: the covered fees net of earlier coupons (for a general coupon, what is left of the
-- sub-total). Summed nets are whole minor units up to division dust, so round once.
base_{{ k }} as (
    select
        invoice_id,
        issuing_date,
        lago_applied_coupon_id,
        coupon_type,
        coupon_face_amount_minor,
        percentage_rate,
        frequency,
        frequency_duration,
        -- What frozen invoices left of the coupon: face minus their discounts, and their uses.
        case when coupon_face_amount_minor > frozen_amount_minor then coupon_face_amount_minor - frozen_amount_minor else 0 end
            as remaining_face_amount_minor,
        frozen_uses,
        {{ round_minor('sum(case when is_covered = 1 then net_amount_minor else 0 end)') }} as base_amount_minor
    from fees_{{ k }}
    where lago_applied_coupon_id is not null
    group by invoice_id, issuing_date, lago_applied_coupon_id, coupon_type, coupon_face_amount_minor,
        percentage_rate, frequency, frequency_duration, frozen_amount_minor, frozen_uses
),

-- A use is an invoice where the coupon found something to discount ("stop once nothing is
-- left" means an empty base neither discounts nor counts down).
uses_{{ k }} as (
    select
        base_{{ k }}.*,
        frozen_uses + sum(case when base_amount_minor > 0 then 1 else 0 end) over (
            partition by lago_applied_coupon_id order by issuing_date, invoice_id
            rows between unbounded preceding and current row
        ) as use_number,
        sum(base_amount_minor) over (
            partition by lago_applied_coupon_id order by issuing_date, invoice_id
            rows between unbounded preceding and current row
        ) as cumulative_base_amount_minor
    from base_{{ k }}
),

amount_{{ k }} as (
    select
        invoice_id,
        lago_applied_coupon_id,
        base_amount_minor,
        case
            when base_amount_minor <= 0 then 0
            when coupon_type = 'percentage'
                and (frequency = 'forever'
                    or (frequency = 'once' and use_number = 1)
                    or (frequency = 'recurring' and use_number <= coalesce(frequency_duration, 0)))
                then least({{ round_minor(percent_of('base_amount_minor', 'percentage_rate')) }}, base_amount_minor)
            -- once-fixed: min(remainder, base) on each use; its cumulative use is therefore
            -- min(cumulative base, face amount), the remainder carrying to later invoices.
            when coupon_type = 'fixed_amount' and frequency = 'once'
                then least(cumulative_base_amount_minor, remaining_face_amount_minor)
                    - least(cumulative_base_amount_minor - base_amount_minor, remaining_face_amount_minor)
            when coupon_type = 'fixed_amount'
                and (frequency = 'forever'
                    or (frequency = 'recurring' and use_number <= coalesce(frequency_duration, 0)))
                then least(coupon_face_amount_minor, base_amount_minor)
            else 0
        end as coupon_amount_minor,
        -- The applied coupon's state once this invoice has used it (Lago's AppliedCoupon:
        -- amount_cents_remaining for once-fixed, frequency_duration_remaining for recurring,
        -- status), so an auditor reading one invoice sees what is left.
        case when coupon_type = 'fixed_amount' and frequency = 'once'
            then remaining_face_amount_minor - least(cumulative_base_amount_minor, remaining_face_amount_minor)
        end as remaining_amount_minor,
        case when frequency = 'recurring'
            then greatest(coalesce(frequency_duration, 0) - use_number, 0)
        end as remaining_frequency_duration,
        case
            when frequency = 'once' and coupon_type = 'percentage' and use_number >= 1 then 'terminated'
            when frequency = 'once' and coupon_type = 'fixed_amount'
                and cumulative_base_amount_minor >= remaining_face_amount_minor then 'terminated'
            when frequency = 'recurring' and use_number >= coalesce(frequency_duration, 0) then 'terminated'
            else 'active'
        end as coupon_status
    from uses_{{ k }}
),

-- Spread pro rata over the covered fees, unrounded, so each fee knows its taxable base.
shares_{{ k }} as (
    select
        fees_{{ k }}.fee_id,
        fees_{{ k }}.invoice_id,
        fees_{{ k }}.issuing_date,
        fees_{{ k }}.net_amount_minor,
        fees_{{ k }}.lago_applied_coupon_id,
        {{ k }} as coupon_slot,
        cast(amount_{{ k }}.coupon_amount_minor as bigint) as coupon_amount_minor,
        amount_{{ k }}.base_amount_minor,
        amount_{{ k }}.remaining_amount_minor,
        amount_{{ k }}.remaining_frequency_duration,
        amount_{{ k }}.coupon_status,
        case
            when fees_{{ k }}.is_covered = 1 and amount_{{ k }}.coupon_amount_minor > 0
                then {{ exact_divide('amount_' ~ k ~ '.coupon_amount_minor * fees_' ~ k ~ '.net_amount_minor', 'amount_' ~ k ~ '.base_amount_minor') }}
            else cast(0 as decimal(38, 12))
        end as precise_coupon_share_minor
    from fees_{{ k }}
    left join amount_{{ k }}
        on fees_{{ k }}.invoice_id = amount_{{ k }}.invoice_id
        and fees_{{ k }}.lago_applied_coupon_id = amount_{{ k }}.lago_applied_coupon_id
),

net_{{ k }} as (
    select
        fee_id,
        invoice_id,
        issuing_date,
        net_amount_minor - precise_coupon_share_minor as net_amount_minor
    from shares_{{ k }}
),
{% endfor %}

final as (
    {% for k in range(1, max_slots + 1) %}
    select
        fee_id,
        invoice_id,
        lago_applied_coupon_id,
        coupon_slot,
        base_amount_minor,
        coupon_amount_minor,
        precise_coupon_share_minor,
        cast(remaining_amount_minor as bigint) as remaining_amount_minor,
        cast(remaining_frequency_duration as integer) as remaining_frequency_duration,
        coupon_status
    from shares_{{ k }}
    where lago_applied_coupon_id is not null
      and coupon_amount_minor > 0
      and precise_coupon_share_minor <> 0
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from final
