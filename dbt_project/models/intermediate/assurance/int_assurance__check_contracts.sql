-- Contract → subscription → invoice (docs/assurance.md §3, rule `contracts`). A contracted
-- plan item (int_assurance__contracted_items) is followed to the customer's billing
-- subscription on that plan (any version: an upgrade keeps the sold plan on the old version;
-- several: the one starting nearest the contract) and to the plan-fee lines under review:
-- * contract_not_billed: the customer has no subscription and no plan-fee line for the plan
--   since the start; amount = the contracted plan fees that should have been issued by the
--   report date (int_assurance__contracted_periods; excl. usage and tax).
-- * contract_plan_mismatch: the customer is billed, never on the sold plan; sized over the
--   periods billed: |plan fees billed on the nearest subscription since the contract start, on
--   invoices issued by the report date − the contracted plan's fees of the contracted periods
--   those lines serve (any day in common)|; period = the first billed period concerned.
--   Contracted periods nobody billed (before the first imported invoice, not yet invoiced) are
--   not sized here: the history before the window was never imported.
-- * contract_start_mismatch: billing starts after the contract: the contracted fee of the
--   days before the subscription's start (per period: round(unit price × days ÷ period days)).
-- * contract_price_mismatch: whole-period plan fees billed ≠ the contracted unit price (the
--   price of one billing period); one finding per contract item and direction, amount =
--   Σ |billed − contracted| over those fees, over_billed when above; it sits on the first
--   such line's invoice and period, every line in its evidence. Partial periods are left to
--   the proration check.
-- * contract_quantity_mismatch: a contracted charge item (charge_code set: seats, devices)
--   billed for fewer units than sold in whole periods; one finding per contract item, amount =
--   Σ round((sold − billed units) × unit price) over those periods, on the first one's invoice
--   and period, every line in its evidence. More units than sold is overage, not a fault.
-- Discounts given as coupons are not netted (lines are before coupons).
with items as (
    select * from {{ ref('int_assurance__contracted_items') }}
    where plan_code is not null or charge_code is not null
),

contracted_periods as (
    select * from {{ ref('int_assurance__contracted_periods') }}
),

subscription_starts as (
    {{ subscription_local_starts() }}
),

plans as (
    select * from {{ ref('stg_lago__plans') }}
),

lines as (
    select * from {{ ref('int_assurance__review_invoice_lines') }}
),

review_invoices as (
    select * from {{ ref('int_assurance__review_invoices') }}
),

report_date as (
    select * from {{ ref('int_revrec__report_date') }}
),

currencies as (
    select * from {{ ref('iso_4217_currencies') }}
),

plan_items as (
    select
        items.*,
        currencies.minor_unit_exponent as currency_exponent
    from items
    left join currencies on items.currency = currencies.currency
    where items.plan_code is not null and items.charge_code is null
),

-- the customer's subscription on the sold plan, and failing that on any plan: the one
-- starting nearest the contract start, then the earliest, then by id
ranked_subscriptions as (
    select
        plan_items.contract_item_id,
        subscription_starts.lago_subscription_id,
        subscription_starts.external_subscription_id,
        subscription_starts.plan_code,
        subscription_starts.start_date,
        subscription_starts.plan_code = plan_items.plan_code as is_sold_plan,
        row_number() over (
            partition by plan_items.contract_item_id
            order by
                case when subscription_starts.plan_code = plan_items.plan_code then 0 else 1 end,
                abs({{ dbt.datediff('plan_items.start_date', 'subscription_starts.start_date', 'day') }}),
                subscription_starts.start_date,
                subscription_starts.lago_subscription_id
        ) as subscription_rank
    from plan_items
    inner join subscription_starts on plan_items.external_customer_id = subscription_starts.external_customer_id
),

matched as (
    select * from ranked_subscriptions
    where subscription_rank = 1
),

plan_fee_lines as (
    select * from lines
    where fee_type = 'subscription'
),

-- any plan-fee line of the customer for the sold plan since the contract start
sold_plan_billed as (
    select distinct plan_items.contract_item_id
    from plan_items
    inner join plan_fee_lines
        on plan_items.external_customer_id = plan_fee_lines.external_customer_id
        and plan_items.plan_code = plan_fee_lines.plan_code
        and plan_fee_lines.service_to_date >= plan_items.start_date
),

owed as (
    select
        contract_item_id,
        sum(contracted_amount_minor) as owed_minor,
        count(*) as owed_periods
    from contracted_periods
    where issuing_date <= report_date
    group by contract_item_id
),

-- plan-fee lines billed on the matched subscription since the contract start, on invoices
-- issued by the report date (a draft issued later is not billed yet)
billed_match_lines as (
    select
        matched.contract_item_id,
        plan_fee_lines.line_id,
        plan_fee_lines.service_from_date,
        plan_fee_lines.service_to_date,
        plan_fee_lines.amount_minor
    from matched
    inner join plan_items on matched.contract_item_id = plan_items.contract_item_id
    inner join plan_fee_lines
        on matched.external_subscription_id = plan_fee_lines.external_subscription_id
        and plan_fee_lines.service_from_date >= plan_items.start_date
    inner join review_invoices on plan_fee_lines.invoice_id = review_invoices.invoice_id
    cross join report_date
    where review_invoices.issuing_date <= report_date.report_date
),

billed_on_match as (
    select
        contract_item_id,
        sum(amount_minor) as billed_minor,
        count(*) as billed_lines,
        min(service_from_date) as first_service_date
    from billed_match_lines
    group by contract_item_id
),

-- the contracted plan's fees of the contracted periods those lines serve
contracted_for_billed as (
    select
        contracted_periods.contract_item_id,
        sum(contracted_periods.contracted_amount_minor) as contracted_minor,
        count(*) as contracted_periods_count
    from contracted_periods
    where exists (
        select 1 from billed_match_lines
        where billed_match_lines.contract_item_id = contracted_periods.contract_item_id
            and billed_match_lines.service_from_date <= contracted_periods.service_end_date
            and billed_match_lines.service_to_date >= contracted_periods.service_start_date
    )
    group by contracted_periods.contract_item_id
),

not_billed as (
    select
        'contract_not_billed' as reason_code,
        'high' as severity,
        plan_items.contract_item_id as finding_key,
        plan_items.external_customer_id,
        cast(null as {{ dbt.type_string() }}) as external_subscription_id,
        cast(null as {{ dbt.type_string() }}) as line_id,
        plan_items.start_date as period_date,
        plan_items.currency,
        plan_items.currency_exponent,
        owed.owed_minor as amount_minor,
        'under_billed' as direction,
        'Closed Won contract item ' || plan_items.contract_item_id || ' sells plan ' || plan_items.plan_code
            || ' from ' || cast(plan_items.start_date as {{ dbt.type_string() }})
            || ' but the customer has no subscription and no invoice line for it: '
            || cast(owed.owed_periods as {{ dbt.type_string() }}) || ' plan fees, '
            || {{ assurance_amount_text('owed.owed_minor', 'plan_items.currency_exponent', 'plan_items.currency') }}
            || ', should have been issued by the report date' as reason_text,
        plan_items.contract_item_id,
        plan_items.contract_id,
        cast(null as {{ dbt.type_string() }}) as lines_evidence
    from plan_items
    inner join owed on plan_items.contract_item_id = owed.contract_item_id
    left join matched on plan_items.contract_item_id = matched.contract_item_id
    left join sold_plan_billed on plan_items.contract_item_id = sold_plan_billed.contract_item_id
    where matched.contract_item_id is null
        and sold_plan_billed.contract_item_id is null
        and owed.owed_minor > 0
),

plan_mismatch as (
    select
        'contract_plan_mismatch' as reason_code,
        'high' as severity,
        plan_items.contract_item_id as finding_key,
        plan_items.external_customer_id,
        matched.external_subscription_id,
        cast(null as {{ dbt.type_string() }}) as line_id,
        billed_on_match.first_service_date as period_date,
        plan_items.currency,
        plan_items.currency_exponent,
        abs(coalesce(contracted_for_billed.contracted_minor, 0) - coalesce(billed_on_match.billed_minor, 0)) as amount_minor,
        case
            when coalesce(billed_on_match.billed_minor, 0) < coalesce(contracted_for_billed.contracted_minor, 0) then 'under_billed'
            when coalesce(billed_on_match.billed_minor, 0) > coalesce(contracted_for_billed.contracted_minor, 0) then 'over_billed'
            else 'none'
        end as direction,
        'Contract item ' || plan_items.contract_item_id || ' sells plan ' || plan_items.plan_code
            || ' but subscription ' || matched.external_subscription_id || ' bills plan ' || matched.plan_code
            || ': plan fees billed ' || {{ assurance_amount_text('coalesce(billed_on_match.billed_minor, 0)', 'plan_items.currency_exponent', 'plan_items.currency') }}
            || ' against ' || {{ assurance_amount_text('coalesce(contracted_for_billed.contracted_minor, 0)', 'plan_items.currency_exponent', 'plan_items.currency') }}
            || ' for the same ' || cast(contracted_for_billed.contracted_periods_count as {{ dbt.type_string() }})
            || ' periods at the contracted plan (' || cast(billed_on_match.billed_lines as {{ dbt.type_string() }})
            || ' plan fees billed from ' || cast(billed_on_match.first_service_date as {{ dbt.type_string() }}) || ')' as reason_text,
        plan_items.contract_item_id,
        plan_items.contract_id,
        cast(null as {{ dbt.type_string() }}) as lines_evidence
    from plan_items
    inner join matched on plan_items.contract_item_id = matched.contract_item_id
    left join sold_plan_billed on plan_items.contract_item_id = sold_plan_billed.contract_item_id
    inner join billed_on_match on plan_items.contract_item_id = billed_on_match.contract_item_id
    left join contracted_for_billed on plan_items.contract_item_id = contracted_for_billed.contract_item_id
    where not matched.is_sold_plan
        and sold_plan_billed.contract_item_id is null
),

-- contracted days before the billing subscription started, per contracted period
late_start_days as (
    select
        matched.contract_item_id,
        matched.start_date as billing_start_date,
        contracted_periods.unit_price_minor,
        contracted_periods.full_period_days,
        {{ dbt.datediff('contracted_periods.service_start_date', dbt.dateadd('day', -1, 'matched.start_date'), 'day') }} + 1 as unbilled_days_raw,
        contracted_periods.service_days
    from matched
    inner join contracted_periods on matched.contract_item_id = contracted_periods.contract_item_id
    where matched.is_sold_plan
        and contracted_periods.issuing_date <= contracted_periods.report_date
        and contracted_periods.service_start_date < matched.start_date
),

late_start_amounts as (
    select
        contract_item_id,
        billing_start_date,
        sum(
            {{ round_minor(exact_divide('unit_price_minor * case when unbilled_days_raw > service_days then service_days else unbilled_days_raw end', 'full_period_days')) }}
        ) as unbilled_minor
    from late_start_days
    group by contract_item_id, billing_start_date
),

start_mismatch as (
    select
        'contract_start_mismatch' as reason_code,
        'medium' as severity,
        plan_items.contract_item_id as finding_key,
        plan_items.external_customer_id,
        matched.external_subscription_id,
        cast(null as {{ dbt.type_string() }}) as line_id,
        plan_items.start_date as period_date,
        plan_items.currency,
        plan_items.currency_exponent,
        coalesce(late_start_amounts.unbilled_minor, 0) as amount_minor,
        case when coalesce(late_start_amounts.unbilled_minor, 0) > 0 then 'under_billed' else 'none' end as direction,
        'Contract item ' || plan_items.contract_item_id || ' starts ' || cast(plan_items.start_date as {{ dbt.type_string() }})
            || ' but subscription ' || matched.external_subscription_id || ' starts billing '
            || cast(matched.start_date as {{ dbt.type_string() }}) || ': '
            || {{ assurance_amount_text('coalesce(late_start_amounts.unbilled_minor, 0)', 'plan_items.currency_exponent', 'plan_items.currency') }}
            || ' of contracted plan fees never billed' as reason_text,
        plan_items.contract_item_id,
        plan_items.contract_id,
        cast(null as {{ dbt.type_string() }}) as lines_evidence
    from plan_items
    inner join matched on plan_items.contract_item_id = matched.contract_item_id
    left join late_start_amounts on plan_items.contract_item_id = late_start_amounts.contract_item_id
    where matched.is_sold_plan
        and matched.start_date > plan_items.start_date
),

-- a line covers a whole period when it ends no earlier than the day before the same day one
-- interval later (later: an anniversary clamped to a short month, Feb 28..Mar 28 of a period
-- anchored on the 29th)
whole_period_lines as (
    select
        lines.*,
        plans.plan_interval
    from lines
    inner join plans on lines.plan_code = plans.plan_code
    where lines.service_to_date >= {{ billing_period_end('plans.plan_interval', 'lines.service_from_date', '1') }}
),

price_compared as (
    select
        plan_items.contract_item_id,
        plan_items.contract_id,
        plan_items.external_customer_id,
        plan_items.currency,
        plan_items.currency_exponent,
        whole_period_lines.external_subscription_id,
        whole_period_lines.line_id,
        whole_period_lines.invoice_number,
        whole_period_lines.service_from_date,
        whole_period_lines.service_to_date,
        whole_period_lines.amount_minor as billed_minor,
        {{ round_minor('plan_items.unit_price_minor') }} as contracted_minor
    from plan_items
    inner join matched on plan_items.contract_item_id = matched.contract_item_id
    inner join whole_period_lines
        on matched.external_subscription_id = whole_period_lines.external_subscription_id
        and plan_items.plan_code = whole_period_lines.plan_code
        and whole_period_lines.fee_type = 'subscription'
        and whole_period_lines.service_from_date >= plan_items.start_date
        and (plan_items.end_date is null or whole_period_lines.service_from_date <= plan_items.end_date)
    where matched.is_sold_plan
),

price_differences as (
    select
        price_compared.*,
        case when billed_minor > contracted_minor then 'over_billed' else 'under_billed' end as direction,
        row_number() over (
            partition by contract_item_id, case when billed_minor > contracted_minor then 1 else 0 end
            order by service_from_date, line_id
        ) as line_rank
    from price_compared
    where billed_minor <> contracted_minor
),

price_totals as (
    select
        contract_item_id,
        direction,
        count(*) as lines_count,
        sum(case when billed_minor > contracted_minor then billed_minor - contracted_minor else contracted_minor - billed_minor end) as amount_minor,
        {{ dbt.listagg("'invoice_lines:' || line_id", "'; '", "order by service_from_date, line_id") }} as lines_evidence
    from price_differences
    group by contract_item_id, direction
),

price_mismatch as (
    select
        'contract_price_mismatch' as reason_code,
        'medium' as severity,
        price_differences.contract_item_id || '|' || price_differences.direction as finding_key,
        price_differences.external_customer_id,
        price_differences.external_subscription_id,
        price_differences.line_id,
        price_differences.service_from_date as period_date,
        price_differences.currency,
        price_differences.currency_exponent,
        price_totals.amount_minor,
        price_differences.direction,
        cast(price_totals.lines_count as {{ dbt.type_string() }}) || ' whole-period plan fees from '
            || cast(price_differences.service_from_date as {{ dbt.type_string() }})
            || ' (first on invoice ' || coalesce(price_differences.invoice_number, '?') || ', at '
            || {{ assurance_amount_text('price_differences.billed_minor', 'price_differences.currency_exponent', 'price_differences.currency') }}
            || ') are billed at another price than contract item ' || price_differences.contract_item_id || ' sells ('
            || {{ assurance_amount_text('price_differences.contracted_minor', 'price_differences.currency_exponent', 'price_differences.currency') }}
            || '): ' || {{ assurance_amount_text('price_totals.amount_minor', 'price_differences.currency_exponent', 'price_differences.currency') }}
            || ' in all' as reason_text,
        price_differences.contract_item_id,
        price_differences.contract_id,
        price_totals.lines_evidence
    from price_differences
    inner join price_totals
        on price_differences.contract_item_id = price_totals.contract_item_id
        and price_differences.direction = price_totals.direction
    where price_differences.line_rank = 1
),

charge_items as (
    select
        items.*,
        currencies.minor_unit_exponent as currency_exponent
    from items
    left join currencies on items.currency = currencies.currency
    where items.charge_code is not null and items.quantity is not null
),

quantity_compared as (
    select
        charge_items.contract_item_id,
        charge_items.contract_id,
        charge_items.external_customer_id,
        charge_items.currency,
        charge_items.currency_exponent,
        charge_items.charge_code,
        charge_items.quantity,
        charge_items.unit_price_minor,
        whole_period_lines.external_subscription_id,
        whole_period_lines.line_id,
        whole_period_lines.invoice_number,
        whole_period_lines.service_from_date,
        whole_period_lines.units
    from charge_items
    inner join whole_period_lines
        on charge_items.external_customer_id = whole_period_lines.external_customer_id
        and charge_items.charge_code = whole_period_lines.charge_key
        and whole_period_lines.fee_type = 'charge'
        and (charge_items.plan_code is null or charge_items.plan_code = whole_period_lines.plan_code)
        and whole_period_lines.service_from_date >= charge_items.start_date
        and (charge_items.end_date is null or whole_period_lines.service_from_date <= charge_items.end_date)
    where whole_period_lines.units < charge_items.quantity
),

quantity_differences as (
    select
        quantity_compared.*,
        {{ round_minor('(quantity - units) * unit_price_minor') }} as line_amount_minor,
        row_number() over (partition by contract_item_id order by service_from_date, line_id) as line_rank
    from quantity_compared
),

quantity_totals as (
    select
        contract_item_id,
        count(*) as lines_count,
        sum(line_amount_minor) as amount_minor,
        {{ dbt.listagg("cast(cast(units as decimal(38, 4)) as " ~ dbt.type_string() ~ ")", "', '", "order by service_from_date, line_id") }} as units_text,
        {{ dbt.listagg("'invoice_lines:' || line_id", "'; '", "order by service_from_date, line_id") }} as lines_evidence
    from quantity_differences
    group by contract_item_id
),

quantity_mismatch as (
    select
        'contract_quantity_mismatch' as reason_code,
        'high' as severity,
        quantity_differences.contract_item_id as finding_key,
        quantity_differences.external_customer_id,
        quantity_differences.external_subscription_id,
        quantity_differences.line_id,
        quantity_differences.service_from_date as period_date,
        quantity_differences.currency,
        quantity_differences.currency_exponent,
        quantity_totals.amount_minor,
        'under_billed' as direction,
        'Contract item ' || quantity_differences.contract_item_id || ' sells '
            || cast(cast(quantity_differences.quantity as decimal(38, 4)) as {{ dbt.type_string() }}) || ' '
            || quantity_differences.charge_code || ' at '
            || {{ assurance_amount_text(round_minor('quantity_differences.unit_price_minor'), 'quantity_differences.currency_exponent', 'quantity_differences.currency') }}
            || ' but ' || cast(quantity_totals.lines_count as {{ dbt.type_string() }}) || ' whole periods from '
            || cast(quantity_differences.service_from_date as {{ dbt.type_string() }})
            || ' (first on invoice ' || coalesce(quantity_differences.invoice_number, '?') || ') bill '
            || quantity_totals.units_text || ': '
            || {{ assurance_amount_text('quantity_totals.amount_minor', 'quantity_differences.currency_exponent', 'quantity_differences.currency') }}
            || ' not billed' as reason_text,
        quantity_differences.contract_item_id,
        quantity_differences.contract_id,
        quantity_totals.lines_evidence
    from quantity_differences
    inner join quantity_totals on quantity_differences.contract_item_id = quantity_totals.contract_item_id
    where quantity_differences.line_rank = 1
),

findings as (
    select * from not_billed
    union all
    select * from plan_mismatch
    union all
    select * from start_mismatch
    union all
    select * from price_mismatch
    union all
    select * from quantity_mismatch
),

final as (
    select
        {{ assurance_finding_id('findings.reason_code', 'findings.finding_key') }} as finding_id,
        'contracts' as rule_code,
        findings.reason_code,
        findings.severity,
        'rule' as source,
        findings.external_customer_id,
        findings.external_subscription_id,
        lines.invoice_id,
        lines.invoice_number,
        lines.is_finalized as invoice_is_finalized,
        cast({{ dbt.date_trunc('month', 'findings.period_date') }} as date) as period_month,
        findings.currency,
        cast(findings.amount_minor as {{ dbt.type_bigint() }}) as amount_at_risk_minor,
        findings.direction,
        findings.reason_text,
        'sf_opportunity_line_items:' || findings.contract_item_id
            || coalesce('; sf_contracts:' || findings.contract_id, '')
            || coalesce('; lago_subscriptions:' || findings.external_subscription_id, '')
            || coalesce('; ' || findings.lines_evidence, coalesce('; invoice_lines:' || findings.line_id, '')) as evidence,
        report_date.report_date as detected_on
    from findings
    left join lines on findings.line_id = lines.line_id
    cross join report_date
)

select * from final
