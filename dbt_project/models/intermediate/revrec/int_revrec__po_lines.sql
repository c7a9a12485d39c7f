-- Every revenue line of an invoice in force (finalized, or a draft: A4.4), before allocation
-- (metrics-and-revrec.md A1, A2, A3.1, A4.3, A5): its contract, recognition pattern, local service dates, transaction price
-- after its share of the invoice's coupons and progressive-billing credit, and its SSP; plus
-- the reason its allocation group (the document) cannot be posted, if any.
with documents as (
    select * from {{ ref('int_revrec__documents') }}
    where document_kind = 'invoice'
),

finalized_fees as (
    select * from {{ ref('fct_finalized_invoice_fees') }}
),

-- a draft's fees, recomputed every run until it is finalized (same fee_id then)
draft_fees as (
    select * from {{ ref('fct_invoice_fees') }}
    where invoice_status = 'draft'
),

{%- set fee_columns = ['fee_id', 'invoice_id', 'external_subscription_id', 'fee_type', 'plan_code', 'billable_metric_code', 'charge_lago_id', 'charge_filter_index', 'grouped_by', 'service_start_date', 'service_end_date', 'units', 'amount_minor', 'precise_taxable_base_minor'] %}

own_fees as (
    select {{ fee_columns | join(', ') }} from finalized_fees
    union all
    select {{ fee_columns | join(', ') }} from draft_fees
    union all
    -- A4.4: rated, not yet on an invoice (int_revrec__documents holds them as pending invoices
    -- keyed by invoice_group_key): no coupon or progressive credit applied yet
    select
        fee_id, invoice_group_key as invoice_id, external_subscription_id, fee_type, plan_code, billable_metric_code,
        charge_lago_id, charge_filter_index, grouped_by, service_start_date, service_end_date, units, amount_minor,
        cast(amount_minor as {{ dbt.type_numeric() }}) as precise_taxable_base_minor
    from {{ ref('int_revrec__pending_fees') }}
),

billed_lines as (
    select * from {{ ref('stg_billed__invoice_lines') }}
),

billed_invoices as (
    select * from {{ ref('stg_billed__invoices') }}
),

charges as (
    select * from {{ ref('stg_lago__charges') }}
),

subscriptions as (
    select * from {{ ref('stg_lago__subscriptions') }}
),

crm_matches as (
    select * from {{ ref('int_revrec__crm_contract_matches') }}
),

rules as (
    select * from {{ ref('stg_reference__revrec_rules') }}
),

price_book as (
    select * from {{ ref('stg_reference__ssp_price_book') }}
),

-- revhouse's fees (a wallet top-up sells credits, not a service: not a PO, A2)
own_lines as (
    select
        documents.document_id,
        own_fees.fee_id as line_id,
        row_number() over (partition by documents.document_id order by own_fees.fee_id) as line_number,
        own_fees.external_subscription_id,
        own_fees.fee_type,
        case
            when own_fees.fee_type in ('subscription', 'commitment_true_up') then own_fees.plan_code
            else own_fees.billable_metric_code
        end as product_code,
        coalesce(charges.is_pay_in_advance, false) as is_pay_in_advance,
        own_fees.service_start_date,
        own_fees.service_end_date,
        own_fees.units,
        own_fees.amount_minor as list_amount_minor,
        -- Lago's unrounded shares of the progressive credit and coupons (a coupon limited to
        -- some plans or metrics is shared among the fees it applies to, pricing.md 5.3)
        own_fees.amount_minor - own_fees.precise_taxable_base_minor as precise_discount_minor,
        own_fees.charge_lago_id as usage_charge_lago_id,
        cast(own_fees.charge_filter_index as bigint) as usage_charge_filter_index,
        own_fees.grouped_by as usage_grouped_by
    from own_fees
    inner join documents
        on documents.document_source = 'revhouse'
        and own_fees.invoice_id = documents.document_id
    left join charges on own_fees.charge_lago_id = charges.charge_lago_id
    where own_fees.fee_type <> 'wallet_top_up'
),

-- the incumbent's lines (a `credit` line is a coupon or prepaid credits, not a PO); A5: Lago's
-- to_date is the last second of service, Stripe's period.end the first instant after it
imported_raw as (
    select
        documents.document_id,
        documents.billing_timezone,
        billed_lines.invoice_source,
        coalesce(billed_lines.line_id, cast(billed_lines.line_number as {{ dbt.type_string() }})) as line_id,
        billed_lines.line_number,
        coalesce(billed_lines.external_subscription_id, documents.external_subscription_id) as external_subscription_id,
        billed_lines.fee_type,
        billed_lines.item_code as product_code,
        billed_lines.service_start_at,
        case
            when billed_lines.invoice_source = 'stripe' then {{ dbt.dateadd('second', -1, 'billed_lines.service_end_at') }}
            else billed_lines.service_end_at
        end as service_last_at,
        billed_lines.units,
        billed_lines.amount_minor,
        billed_invoices.coupons_amount_minor,
        sum(billed_lines.amount_minor) over (partition by documents.document_id) as lines_amount_minor
    from billed_lines
    inner join documents
        on documents.document_source <> 'revhouse'
        and billed_lines.invoice_id = documents.document_id
    inner join billed_invoices on billed_lines.invoice_id = billed_invoices.invoice_id
    where billed_lines.fee_type <> 'credit'
),

imported_lines as (
    select
        document_id,
        line_id,
        line_number,
        external_subscription_id,
        fee_type,
        product_code,
        false as is_pay_in_advance,
        {{ utc_to_local_date('service_start_at', 'billing_timezone') }} as service_start_date,
        greatest(
            {{ utc_to_local_date('service_last_at', 'billing_timezone') }},
            {{ utc_to_local_date('service_start_at', 'billing_timezone') }}
        ) as service_end_date,
        units,
        amount_minor as list_amount_minor,
        -- A2: the invoice coupon pro rata to the lines' amounts before discount
        coalesce({{ exact_divide('coalesce(coupons_amount_minor, 0) * amount_minor', 'lines_amount_minor') }}, 0)
            as precise_discount_minor,
        cast(null as {{ dbt.type_string() }}) as usage_charge_lago_id,
        cast(null as bigint) as usage_charge_filter_index,
        cast(null as {{ dbt.type_string() }}) as usage_grouped_by
    from imported_raw
),

lines as (
    select * from own_lines
    union all
    select * from imported_lines
),

-- A2: shares rounded per line; the rounding difference to the line with the largest amount
-- before discount (first line on ties), so the lines add up to the document's excl-tax amount
discounts as (
    select
        lines.*,
        documents.excl_tax_amount_minor as document_excl_tax_amount_minor,
        {{ round_minor('lines.precise_discount_minor') }} as rounded_discount_minor,
        sum(lines.list_amount_minor) over (partition by lines.document_id)
            - documents.excl_tax_amount_minor as document_discount_minor,
        row_number() over (
            partition by lines.document_id
            order by lines.list_amount_minor desc, lines.line_number
        ) as list_rank
    from lines
    inner join documents on lines.document_id = documents.document_id
),

priced as (
    select
        discounts.*,
        {{ share_with_residual('rounded_discount_minor', 'document_discount_minor', 'document_id', 'list_rank = 1') }}
            as discount_amount_minor
    from discounts
),

subscription_starts as (
    select
        external_subscription_id,
        min(coalesce(started_at, subscription_at)) as started_at
    from subscriptions
    group by external_subscription_id
),

contracted as (
    select
        priced.*,
        documents.external_customer_id,
        documents.billing_entity_code,
        documents.currency,
        documents.currency_exponent,
        documents.billing_timezone,
        documents.document_source,
        documents.document_number,
        documents.document_date as issuing_date,
        documents.is_finalized,
        crm_matches.salesforce_contract_id,
        crm_matches.salesforce_opportunity_id,
        crm_matches.salesforce_opportunity_line_item_id,
        crm_matches.contract_start_date,
        crm_matches.contract_end_date,
        {{ utc_to_local_date('subscription_starts.started_at', 'documents.billing_timezone') }} as subscription_start_date
    from priced
    inner join documents on priced.document_id = documents.document_id
    left join crm_matches on priced.external_subscription_id = crm_matches.external_subscription_id
    left join subscription_starts on priced.external_subscription_id = subscription_starts.external_subscription_id
),

ruled as (
    select
        contracted.*,
        rules.pattern as rule_pattern,
        rules.product as rule_product,
        coalesce(rules.is_distinct, coalesce(rules.product_kind, '') <> 'setup_fee') as is_distinct,
        rules.usage_expedient,
        -- A1 defaults by fee type; A4.2/A4.4: a pay-in-advance charge is billed on its event
        case
            when contracted.fee_type in ('subscription', 'commitment', 'commitment_true_up', 'charge_min_true_up') then 'ratable'
            when contracted.fee_type = 'charge' and contracted.is_pay_in_advance then 'point_in_time'
            when contracted.fee_type = 'charge' then 'usage'
            else 'point_in_time'
        end as default_pattern
    from contracted
    left join rules on contracted.product_code = rules.product
),

patterned as (
    select
        ruled.*,
        -- A4.3: a fee that is not distinct is an advance for the subscription: ratable over its
        -- initial term (CRM contract term, else 12 months from the subscription's start)
        not ruled.is_distinct and ruled.fee_type not in ('subscription', 'commitment', 'commitment_true_up', 'charge', 'charge_min_true_up')
            as is_over_initial_term,
        coalesce(ruled.contract_start_date, ruled.subscription_start_date) as term_start_date,
        coalesce(
            ruled.contract_end_date,
            cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 12, 'coalesce(ruled.contract_start_date, ruled.subscription_start_date)')) }} as date)
        ) as term_end_date
    from ruled
),

-- A3.1: SSP from the price book effective on the contract date (the latest entry starting on
-- or before it), else the line's list price before discount
contract_dates as (
    select
        patterned.*,
        coalesce(patterned.contract_start_date, patterned.subscription_start_date, patterned.issuing_date) as contract_date
    from patterned
),

book_matches as (
    select
        contract_dates.document_id,
        contract_dates.line_id,
        price_book.ssp_minor,
        price_book.ssp_method,
        row_number() over (
            partition by contract_dates.document_id, contract_dates.line_id
            order by price_book.valid_from desc
        ) as book_rank
    from contract_dates
    inner join price_book
        on contract_dates.product_code = price_book.product
        and contract_dates.currency = price_book.currency
        and (price_book.valid_from is null or price_book.valid_from <= contract_dates.contract_date)
        and (price_book.valid_to is null or price_book.valid_to >= contract_dates.contract_date)
),

with_ssp as (
    select
        contract_dates.*,
        case
            -- the book gives the SSP of one billing unit (a plan's period, one usage unit)
            when book_matches.ssp_minor is not null
                then {{ round_minor('book_matches.ssp_minor * coalesce(contract_dates.units, 1)') }}
            else contract_dates.list_amount_minor
        end as ssp_minor,
        case when book_matches.ssp_minor is not null then 'price_book' else 'list_price' end as ssp_source,
        coalesce(book_matches.ssp_method, 'relative') as ssp_method
    from contract_dates
    left join book_matches
        on contract_dates.document_id = book_matches.document_id
        and contract_dates.line_id = book_matches.line_id
        and book_matches.book_rank = 1
),

shaped as (
    select
        with_ssp.*,
        with_ssp.list_amount_minor - with_ssp.discount_amount_minor as transaction_price_minor,
        case
            when with_ssp.salesforce_contract_id is not null then with_ssp.salesforce_contract_id
            when with_ssp.external_subscription_id is not null then with_ssp.external_subscription_id
            else with_ssp.document_id
        end as contract_id,
        case
            when with_ssp.salesforce_contract_id is not null then 'crm_contract'
            when with_ssp.external_subscription_id is not null then 'subscription'
            else 'invoice'
        end as contract_source
    from with_ssp
),

-- what makes a document's lines unpostable (A3.4, A4.4; a negative line is a credit the
-- policy books as a change of an earlier PO, which cannot be told from the line alone)
group_checks as (
    select
        shaped.*,
        sum(case when ssp_method = 'residual' then 1 else 0 end) over (partition by document_id) as residual_lines,
        sum(transaction_price_minor) over (partition by document_id)
            - sum(case when ssp_method = 'residual' then 0 else ssp_minor end) over (partition by document_id)
            as residual_amount_minor,
        max(case when list_amount_minor < 0 then 1 else 0 end) over (partition by document_id) as has_negative_line,
        max(case when usage_expedient = false and coalesce(rule_pattern, default_pattern) = 'usage' then 1 else 0 end)
            over (partition by document_id) as has_usage_without_expedient
    from shaped
),

final as (
    select
        document_id || ':' || line_id as po_id,
        contract_id,
        contract_source,
        document_id,
        document_source,
        document_number,
        line_id,
        line_number,
        external_customer_id,
        external_subscription_id,
        billing_entity_code,
        currency,
        currency_exponent,
        billing_timezone,
        issuing_date,
        fee_type,
        product_code,
        case when is_over_initial_term then 'ratable' else coalesce(rule_pattern, default_pattern) end as pattern,
        is_distinct,
        case when rule_product is not null then 'revrec_rule' else 'policy_default' end as pattern_source,
        case when is_over_initial_term then term_start_date else service_start_date end as service_start_date,
        case when is_over_initial_term then term_end_date else service_end_date end as service_end_date,
        -- A4.2: a one-off is delivered on its service date, else on the invoice date; a
        -- pay-in-advance charge is invoiced on its event's day
        case
            when is_over_initial_term then cast(null as date)
            when coalesce(rule_pattern, default_pattern) = 'point_in_time'
                then case when is_pay_in_advance then issuing_date else coalesce(service_start_date, issuing_date) end
        end as delivered_on,
        list_amount_minor,
        discount_amount_minor,
        transaction_price_minor,
        ssp_minor,
        ssp_source,
        ssp_method,
        salesforce_opportunity_id as crm_opportunity_id,
        salesforce_opportunity_line_item_id as crm_line_item_id,
        case when coalesce(rule_pattern, default_pattern) = 'usage' then usage_charge_lago_id end as usage_charge_lago_id,
        case when coalesce(rule_pattern, default_pattern) = 'usage' then usage_charge_filter_index end as usage_charge_filter_index,
        case when coalesce(rule_pattern, default_pattern) = 'usage' then usage_grouped_by end as usage_grouped_by,
        residual_amount_minor,
        case
            when has_negative_line = 1 then 'negative_invoice_line'
            when residual_lines > 1 then 'several_residual_ssp'
            when residual_lines = 1 and residual_amount_minor <= 0 then 'residual_ssp_not_positive'
            when has_usage_without_expedient = 1 then 'usage_expedient_not_applicable'
        end as exception_reason,
        is_finalized
    from group_checks
)

select * from final
