-- collections.md 4.6: a payment's unapplied part is never below 0, on any date. The dated
-- periods keep every non-zero amount, so a movement dated before the cash it takes (a refund
-- slice taken from an application not yet effective) shows here. Returns the offending periods.
select *
from {{ ref('int_collections__unapplied_cash_periods') }}
where unapplied_minor < 0
