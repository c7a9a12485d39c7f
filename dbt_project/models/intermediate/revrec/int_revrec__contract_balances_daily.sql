{{ config(materialized='view') }}
{#- A6 contract balances at the end of every day, from the posted subledger: per contract
    (and currency) from its first posting to the report date, billed_to_date = Σ billed_delta
    (invoices − credit notes − voids, excl. tax) and recognized_to_date = Σ recognized_delta
    (recognition, catch-ups, adjustments: net revenue) of postings dated on or before the day;
    position = billed − recognized; deferred revenue = max(position, 0), unbilled receivable =
    max(−position, 0). A view: fct_contract_balances reads its month ends and the report date. -#}
with postings as (
    select * from {{ ref('int_revrec__postings') }}
),

report_date as (
    select * from {{ ref('int_revrec__report_date') }}
),

contract_days as (
    select
        postings.contract_id,
        postings.currency,
        postings.posting_date,
        max(postings.billing_entity_code) as billing_entity_code,
        max(postings.external_customer_id) as external_customer_id,
        sum(postings.billed_delta_minor) as billed_minor,
        sum(postings.recognized_delta_minor) as recognized_minor
    from postings
    cross join report_date
    where postings.posting_date <= report_date.report_date
    group by postings.contract_id, postings.currency, postings.posting_date
),

contracts as (
    select
        contract_id,
        currency,
        max(billing_entity_code) as billing_entity_code,
        max(external_customer_id) as external_customer_id,
        min(posting_date) as first_posting_date
    from contract_days
    group by contract_id, currency
),

days as (
    select cast({{ dbt.dateadd('day', 'offsets.n', 'first_day.first_posting_date') }} as date) as balance_date
    from (select min(first_posting_date) as first_posting_date from contracts) as first_day
    cross join ({{ integers(5) }}) as offsets
    cross join report_date
    where cast({{ dbt.dateadd('day', 'offsets.n', 'first_day.first_posting_date') }} as date) <= report_date.report_date
),

spine as (
    select contracts.*, days.balance_date
    from contracts
    inner join days on days.balance_date >= contracts.first_posting_date
),

running as (
    select
        spine.contract_id,
        spine.balance_date,
        spine.external_customer_id,
        spine.billing_entity_code,
        spine.currency,
        sum(coalesce(contract_days.billed_minor, 0)) over (
            partition by spine.contract_id, spine.currency order by spine.balance_date rows between unbounded preceding and current row
        ) as billed_to_date_minor,
        sum(coalesce(contract_days.recognized_minor, 0)) over (
            partition by spine.contract_id, spine.currency order by spine.balance_date rows between unbounded preceding and current row
        ) as recognized_to_date_minor
    from spine
    left join contract_days
        on spine.contract_id = contract_days.contract_id
        and spine.currency = contract_days.currency
        and spine.balance_date = contract_days.posting_date
),

final as (
    select
        contract_id,
        balance_date,
        {{ revrec_period('balance_date') }} as period,
        external_customer_id,
        billing_entity_code,
        currency,
        cast(billed_to_date_minor as bigint) as billed_to_date_minor,
        cast(recognized_to_date_minor as bigint) as recognized_to_date_minor,
        cast(billed_to_date_minor - recognized_to_date_minor as bigint) as position_minor,
        cast(case when billed_to_date_minor > recognized_to_date_minor then billed_to_date_minor - recognized_to_date_minor else 0 end as bigint) as deferred_revenue_minor,
        cast(case when recognized_to_date_minor > billed_to_date_minor then recognized_to_date_minor - billed_to_date_minor else 0 end as bigint) as unbilled_receivable_minor,
        balance_date = {{ revrec_month_end('balance_date') }} as is_month_end
    from running
)

select * from final
