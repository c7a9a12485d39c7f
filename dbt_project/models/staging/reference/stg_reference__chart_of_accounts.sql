-- The ERP account of each account role of the policy (metrics-and-revrec.md A11): seed
-- `chart_of_accounts` (one default code per role) overlaid by landed reference/chart_of_accounts
-- rows, the newest landing of a role winning. The reference parser refuses a role outside the
-- policy's eight.
with overlaid as (
    {{ reference_overlay('chart_of_accounts', 'chart_of_accounts',
        ['account_role', 'account_code', 'account_name'], ['account_role']) }}
),

final as (
    select
        account_role,
        account_code,
        coalesce(nullif(account_name, ''), account_role) as account_name,
        _is_seed = 1 as is_from_seed,
        _source_file,
        _ingested_at
    from overlaid
)

select * from final
