{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'int_assurance__review_statuses'}}}) }}
-- A reviewer's decision (reference/assurance_review_status) whose finding id names no finding of
-- the queue is refused, not dropped: warn with the reason, so a mistyped id is seen in the build
-- (and on the Review queue page) instead of a finding silently staying open.
select finding_id, review_status, reviewed_by, source_file, rejection_reason
from {{ ref('int_assurance__review_statuses') }}
where not is_applied
