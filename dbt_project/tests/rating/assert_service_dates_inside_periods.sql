-- Service days lie inside their period, and the charge window inside the service days.
select subscription_period_id
from {{ ref('int_billing__subscription_periods') }}
where service_start_date < period_start_date
    or service_end_date > period_end_date
    or service_start_date > service_end_date
    or period_from_at > period_to_at
