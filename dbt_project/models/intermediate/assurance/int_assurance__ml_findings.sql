-- STUB (issue #15): replaced by the ML findings (source ml.anomaly_scores)
{{ assurance_no_findings() }}
