-- Thresholds are written with their campaign's file and row: those of the campaign's latest
-- version are the ones in force (a threshold removed in a newer export disappears).
with thresholds as (
    select * from {{ source('lago', 'lago_dunning_campaign_thresholds') }}
),

campaigns as (
    {{ latest_version(source('lago', 'lago_dunning_campaigns'), 'coalesce(lago_id, code)') }}
),

final as (
    select
        coalesce(campaigns.lago_id, campaigns.code) as dunning_campaign_key,
        thresholds.dunning_campaign_code,
        thresholds.currency,
        cast(thresholds.amount_cents as bigint) as threshold_amount_minor,
        thresholds._source_file,
        thresholds._row_number,
        thresholds._ingested_at
    from thresholds
    inner join campaigns
        on thresholds._source_file = campaigns._source_file
        and thresholds._row_number = campaigns._row_number
)

select * from final
