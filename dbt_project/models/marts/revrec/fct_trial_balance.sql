-- INTERFACE STUB (H3b replaces it): typed columns, no rows.
select
    cast(null as varchar) as billing_entity_code,
    cast(null as varchar) as period,
    cast(null as date) as period_end,
    cast(null as varchar) as account_role,
    cast(null as varchar) as account_code,
    cast(null as varchar) as currency,
    cast(null as bigint) as debit_minor,
    cast(null as bigint) as credit_minor,
    cast(null as bigint) as balance_minor
where 1 = 0
