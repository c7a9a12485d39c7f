-- One performance obligation per revenue line of an invoice in force (metrics-and-revrec.md A1)
-- with its allocated amount (A3): allocation group = the document; every line at its SSP →
-- allocation = TP; one residual-method line → it gets TP − Σ SSP of the others, the others
-- their SSP; otherwise relative SSP, round(TP × SSP_i / Σ SSP) per line and the rounding
-- residual to the largest SSP (first line on ties). A document whose lines cannot be posted
-- (int_revrec__po_lines.exception_reason) has no POs here: it is in fct_revrec_exceptions.
with po_lines as (
    select * from {{ ref('int_revrec__po_lines') }}
    where exception_reason is null
),

groups as (
    select
        po_lines.*,
        sum(transaction_price_minor) over (partition by document_id) as group_price_minor,
        sum(ssp_minor) over (partition by document_id) as group_ssp_minor,
        sum(case when ssp_method = 'residual' then 0 else ssp_minor end) over (partition by document_id) as others_ssp_minor,
        max(case when ssp_method = 'residual' then 1 else 0 end) over (partition by document_id) as has_residual_line,
        min(case when transaction_price_minor = ssp_minor then 1 else 0 end) over (partition by document_id) as all_at_ssp,
        row_number() over (partition by document_id order by ssp_minor desc, line_number) as ssp_rank
    from po_lines
),

relative as (
    select
        groups.*,
        case
            when all_at_ssp = 1 or group_ssp_minor = 0 then transaction_price_minor
            when has_residual_line = 1 and ssp_method = 'residual' then group_price_minor - others_ssp_minor
            when has_residual_line = 1 then ssp_minor
            else {{ round_minor(exact_divide('group_price_minor * ssp_minor', 'group_ssp_minor')) }}
        end as share_minor
    from groups
),

allocated as (
    select
        relative.*,
        {{ share_with_residual('share_minor', 'group_price_minor', 'document_id', 'ssp_rank = 1') }} as allocated_amount_minor
    from relative
),

final as (
    select
        po_id,
        contract_id,
        contract_source,
        document_id,
        document_source,
        document_number,
        line_id,
        external_customer_id,
        external_subscription_id,
        billing_entity_code,
        currency,
        currency_exponent,
        billing_timezone,
        issuing_date,
        fee_type,
        product_code,
        pattern,
        is_distinct,
        pattern_source,
        service_start_date,
        service_end_date,
        delivered_on,
        cast(list_amount_minor as bigint) as list_amount_minor,
        cast(discount_amount_minor as bigint) as discount_amount_minor,
        cast(transaction_price_minor as bigint) as transaction_price_minor,
        cast(ssp_minor as bigint) as ssp_minor,
        ssp_source,
        ssp_method,
        cast(allocated_amount_minor as bigint) as allocated_amount_minor,
        crm_opportunity_id,
        crm_line_item_id,
        usage_charge_lago_id,
        usage_charge_filter_index,
        usage_grouped_by,
        line_number,
        is_finalized
    from allocated
)

select * from final
