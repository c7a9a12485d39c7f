-- A11/A12: every journal entry balances, Σ debits = Σ credits, in document currency and in
-- functional currency. An entry with a line that has no rate cannot be checked in functional
-- currency; assert_journal_lines_have_a_functional_rate warns about it instead.
select
    entry_id,
    count(distinct currency) as currencies,
    sum(debit_minor) as debit_minor,
    sum(credit_minor) as credit_minor,
    sum(functional_debit_minor) as functional_debit_minor,
    sum(functional_credit_minor) as functional_credit_minor
from {{ ref('fct_journal_lines') }}
group by entry_id
having count(distinct currency) <> 1
    or sum(debit_minor) <> sum(credit_minor)
    or (count(*) = count(functional_debit_minor) and sum(functional_debit_minor) <> sum(functional_credit_minor))
