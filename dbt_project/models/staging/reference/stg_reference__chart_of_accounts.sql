-- INTERFACE STUB (H1 replaces it): typed columns, no rows.
select
    cast(null as varchar) as account_role,
    cast(null as varchar) as account_code,
    cast(null as varchar) as account_name
where 1 = 0
