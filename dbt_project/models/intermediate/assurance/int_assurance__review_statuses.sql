-- Reviewers' decisions (reference/assurance_review_status) against the findings: a decision on a
-- finding the queue holds is applied; one naming no finding is refused with its reason, never
-- dropped in silence (a mistyped id, or a finding no longer raised because its data changed).
with decisions as (
    select * from {{ ref('stg_reference__assurance_review_status') }}
),

findings as (
    select * from {{ ref('int_assurance__findings') }}
),

final as (
    select
        decisions.finding_id,
        decisions.review_status,
        decisions.review_note,
        decisions.reviewed_by,
        decisions.reviewed_at,
        findings.finding_id is not null as is_applied,
        case
            when findings.finding_id is null
                then 'finding_id ' || decisions.finding_id || ' in ' || decisions._source_file
                    || ' names no finding of the review queue (mistyped, or no longer raised)'
        end as rejection_reason,
        decisions._source_file as source_file
    from decisions
    left join findings on decisions.finding_id = findings.finding_id
)

select * from final
