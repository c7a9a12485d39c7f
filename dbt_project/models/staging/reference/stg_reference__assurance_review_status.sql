-- Reviewers' decisions on review-queue findings (reference/assurance_review_status, docs/assurance.md
-- §5): landed rows only (no seed), the newest landing of a finding_id winning, so a finding
-- reopened later is open again. The parser has checked the id's form, the status and the time;
-- whether the id names a finding is decided against the queue (int_assurance__review_statuses).
with overlaid as (
    {{ reference_overlay(none, 'assurance_review_status',
        ['finding_id', 'status', 'note', 'reviewed_by', 'reviewed_at'], ['finding_id']) }}
),

final as (
    select
        finding_id,
        status as review_status,
        nullif(note, '') as review_note,
        reviewed_by,
        {{ reference_try_cast('reviewed_at', dbt.type_timestamp()) }} as reviewed_at,
        _source_file,
        _ingested_at
    from overlaid
)

select * from final
