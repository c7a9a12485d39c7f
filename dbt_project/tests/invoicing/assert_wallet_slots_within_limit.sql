-- int_billing__wallet_applications unrolls one pass per wallet slot; more wallets per
-- customer than passes would leave a wallet unused silently (raise invoicing_max_wallet_slots).
select external_customer_id, max(wallet_slot) as wallet_slots
from {{ ref('int_billing__wallet_slots') }}
group by external_customer_id
having max(wallet_slot) > {{ var('invoicing_max_wallet_slots', 4) }}
