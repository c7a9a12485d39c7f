-- Every applied credit note stays within the limits of pricing.md 7 (refund <= paid not yet
-- refunded, credit <= fees total not yet credited or offset, offset <= still due, parts and
-- items adding up within one minor unit), nothing beyond what the checks allowed reaches a
-- customer's balance, and a refused (kept out) note pays no invoice. A note applied
-- unchecked (its Lago invoice is not in the warehouse or landed without amounts, listed in
-- fct_credit_note_exceptions) can only be held to adding up. Rows returned = violations.
with checks as (
    select * from {{ ref('int_billing__credit_note_checks') }}
),

credit_notes as (
    select * from {{ ref('int_billing__credit_notes') }}
),

applications as (
    select * from {{ ref('int_billing__credit_note_applications') }}
),

applied as (
    select * from checks
    where credit_amount_minor + refund_amount_minor + offset_amount_minor > 0
)

select credit_note_id, 'parts or items do not add up' as problem
from applied
where resolution = 'applied_unchecked'
  and abs(total_amount_minor - (credit_sub_total_amount_minor + taxes_amount_minor)) > 1
union all
select credit_note_id, 'part above its limit' as problem
from applied
where resolution <> 'applied_unchecked' and (credit_amount_minor > case when credit_limit_minor > 0 then credit_limit_minor else 0 end
   or refund_amount_minor > case when refund_limit_minor > 0 then refund_limit_minor else 0 end
   or offset_amount_minor > case when offset_limit_minor > 0 then offset_limit_minor else 0 end
   or credit_amount_minor + offset_amount_minor > case when credit_limit_minor > 0 then credit_limit_minor else 0 end
   or credit_amount_minor + refund_amount_minor + offset_amount_minor > total_amount_minor + 1
   or abs(total_amount_minor - (credit_sub_total_amount_minor + taxes_amount_minor)) > 1)
union all
select credit_notes.credit_note_id, 'balance credit beyond what the checks allowed' as problem
from credit_notes
inner join checks on credit_notes.credit_note_id = checks.credit_note_id
where credit_notes.credit_amount_minor > checks.credit_amount_minor
union all
select applications.credit_note_id, 'a refused note paid an invoice' as problem
from applications
inner join checks on applications.credit_note_id = checks.credit_note_id
where checks.resolution = 'kept_out'
