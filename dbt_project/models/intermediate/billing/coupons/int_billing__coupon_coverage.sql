-- Which fee of an open (not frozen) invoice each applied coupon of its customer may discount
-- (pricing.md 5.3): one row per open invoice fee × coupon slot of its customer, with
-- is_covered (currency of a fixed coupon, applied before the invoice, not terminated or
-- expired by then, limited to the fee's plan or metric or not limited), the coupon's terms and
-- what frozen invoices already used of it, and the fee's amount net of its progressive billing
-- credit (pricing.md 5.2 before 5.3): the base coupons start from. The sequential allocation
-- over slots and the pro-rata spread are in int_billing__coupon_fee_shares.
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

final as (
    select
        open_fees.fee_id,
        open_fees.invoice_id,
        open_fees.issuing_date,
        -- coupons see the fee net of its progressive billing credit
        cast(open_fees.amount_minor - coalesce(open_fees.precise_progressive_credit_share_minor, 0) as decimal(38, 12))
            as fee_net_amount_minor,
        coverage.coupon_slot,
        coverage.lago_applied_coupon_id,
        slot_state.coupon_type,
        slot_state.amount_minor as coupon_face_amount_minor,
        slot_state.percentage_rate,
        slot_state.frequency,
        slot_state.frequency_duration,
        slot_state.frozen_amount_minor,
        slot_state.frozen_uses,
        coverage.is_covered
    from open_fees
    inner join coverage on open_fees.fee_id = coverage.fee_id
    inner join slot_state on coverage.lago_applied_coupon_id = slot_state.lago_applied_coupon_id
)

select * from final
