{#- Coupons (pricing.md 5.3): the sequential allocation, one pass per coupon slot of the
    customer's fixed order, over int_billing__coupon_coverage (which fee each coupon may
    discount, its terms and frozen use, each fee's base net of its progressive credit).
    Within an invoice, coupon k sees the fees net of coupons 1..k-1; across invoices, its own
    state (remainder of a once-fixed coupon, uses of a recurring/once one) depends only on its
    own bases, which pass k knows for every invoice at once. So the whole state machine is
    window functions over invoices per pass: no recursion. A customer with more applied
    coupons than `invoicing_max_coupon_slots` fails the test
    assert_coupon_slots_within_limit (never a silent drop). -#}
{%- set max_slots = var('invoicing_max_coupon_slots', 6) -%}
with coverage as (
    select * from {{ ref('int_billing__coupon_coverage') }}
),

-- Every fee some coupon of its customer may reach, at its amount before any coupon.
net_0 as (
    select distinct
        fee_id,
        invoice_id,
        issuing_date,
        fee_net_amount_minor as net_amount_minor
    from coverage
),

{% for k in range(1, max_slots + 1) %}
fees_{{ k }} as (
    select
        net_{{ k - 1 }}.fee_id,
        net_{{ k - 1 }}.invoice_id,
        net_{{ k - 1 }}.issuing_date,
        net_{{ k - 1 }}.net_amount_minor,
        coverage.lago_applied_coupon_id,
        coverage.coupon_type,
        coverage.coupon_face_amount_minor,
        coverage.percentage_rate,
        coverage.frequency,
        coverage.frequency_duration,
        coverage.frozen_amount_minor,
        coverage.frozen_uses,
        coalesce(coverage.is_covered, 0) as is_covered
    from net_{{ k - 1 }}
    left join coverage
        on net_{{ k - 1 }}.fee_id = coverage.fee_id
        and coverage.coupon_slot = {{ k }}
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
