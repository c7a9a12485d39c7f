-- INTERFACE STUB (H3a replaces it): typed columns, no rows.
select
    cast(null as varchar) as contract_id,
    cast(null as date) as balance_date,
    cast(null as varchar) as period,
    cast(null as varchar) as external_customer_id,
    cast(null as varchar) as billing_entity_code,
    cast(null as varchar) as currency,
    cast(null as bigint) as billed_to_date_minor,
    cast(null as bigint) as recognized_to_date_minor,
    cast(null as bigint) as position_minor,
    cast(null as bigint) as deferred_revenue_minor,
    cast(null as bigint) as unbilled_receivable_minor
where 1 = 0
