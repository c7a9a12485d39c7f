"""Finance-edited reference CSVs (reference/<kind>/*.csv) → raw.reference_rows, one JSON row each.

Why JSON rows: each kind has its own columns (entities, settings, ssp ...) and dbt overlays them
on the seeds by the kind's key; one generic table keeps ingestion free of per-kind tables.

Validation: a person types these files, so every value dbt later reads with a type is checked
here (ISO 4217 currencies, IANA time zones, `YYYY-MM` periods, real dates and times, the known
settings keys and their types). A row that fails is quarantined with a reason naming the file,
the row and the row's key; nothing that cannot be read later reaches raw. Times are stored in UTC
without offset ("2026-03-05 12:00:00" for "2026-03-05T14:00+02:00"; no offset means UTC) so SQL
never has to read an offset (warehouse timestamps are UTC).

History: every landed file's rows are kept (the natural key is the file's content hash plus the
row's content), so a value changed back to an earlier one (A → B → A in three files) is loaded
again and, being the latest landing of its key, is the one in force (dbt takes the latest by
`_ingested_at`, then file, then row, per business key). Only an identical row repeated inside
one file is a duplicate. A file whose bytes were already loaded is skipped whole by the runner.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache

from dagster_project.ingest.base import LandingFile, Reject, Row, UnreadableFile
from dagster_project.ingest.sources import SOURCES
from dagster_project.ingest.sources._common import iter_csv
from dagster_project.reference.currencies import is_known_currency

# the columns each known kind must have (landing contract, "Reference files")
REQUIRED = {
    "entities": ["entity_id", "name", "currency"],
    "settings": ["key", "value"],
    "period_closes": ["entity_id", "period"],
    "ssp": ["product", "currency", "ssp_minor"],
    "revrec_rules": ["product", "pattern"],
    "crm_product_map": ["crm_product"],
    "chart_of_accounts": ["account_role", "account_code"],
    "invoice_voids": ["invoice_number", "voided_at", "voided_by", "reason"],
    "assurance_review_status": ["finding_id", "status", "note", "reviewed_by", "reviewed_at"],
}

# the columns naming a row of each kind (dbt overlays by these); used in quarantine reasons
KEYS = {
    "entities": ["entity_id"],
    "settings": ["key"],
    "period_closes": ["entity_id", "period"],
    "ssp": ["product", "currency", "valid_from"],
    "revrec_rules": ["product"],
    "crm_product_map": ["crm_product"],
    "chart_of_accounts": ["account_role"],
    "invoice_voids": ["invoice_number"],
    "assurance_review_status": ["finding_id"],
}

# the keys of reference/settings revhouse reads; any other key is quarantined (a typo such as
# `grace_period` would otherwise be loaded and silently ignored while the default stays in force)
SETTING_KEYS = (
    "as_of",
    "cutover_date",
    "grace_period_days",
    "reporting_currency",
    "cash_application.auto_score",
    "cash_application.suggest_score",
    "dso.months",
    "dunning.churn_window_days",
    "ltv_gross_margin",
)
SETTING_OPTIONS = ("encoding", "delimiter", "default_currency")  # `<option>.<source>` keys

PERIOD = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
WHOLE = re.compile(r"[0-9]+")
SCORE = re.compile(r"(0(\.[0-9]+)?|1(\.0+)?|\.[0-9]+)")
REVREC_PATTERNS = ("ratable", "point_in_time", "usage")
REVREC_KINDS = ("setup_fee",)  # product kinds with a policy default (A4.3: a setup fee is not distinct)
SSP_METHODS = ("relative", "residual")  # A3: residual only for a highly variable or uncertain SSP
# the policy's account roles (metrics-and-revrec.md A11) plus prepaid_credits (A2's prepaid credits
# are no revenue when bought: the wallet is a liability to the customer until its credits pay an
# invoice); a typo would leave a journal leg unmapped
ACCOUNT_ROLES = (
    "cash",
    "accounts_receivable",
    "unbilled_receivable",
    "deferred_revenue",
    "tax_payable",
    "revenue",
    "contra_revenue",
    "fx_gain_loss",
    "prepaid_credits",  # A2: prepaid credits sold are a liability until they pay an invoice line
)
# docs/assurance.md §5: what a reviewer may say about a finding (open = reopened)
REVIEW_STATUSES = ("open", "acknowledged", "resolved", "false_positive")
# a finding id is the md5 of reason code and finding key (docs/assurance.md §3)
FINDING_ID = re.compile(r"[0-9a-f]{32}")
BOOLEAN_TEXT = {"true": "true", "false": "false", "1": "true", "0": "false", "yes": "true", "no": "false"}


class Invalid(ValueError):
    """One value of a reference row is not acceptable: `column` and a sentence saying why."""

    def __init__(self, column: str, reason: str):
        super().__init__(reason)
        self.column = column
        self.reason = reason


@cache
def _iana_zones() -> frozenset[str]:
    from zoneinfo import available_timezones

    return frozenset(available_timezones())


def _utc_timestamp(column: str, value: str) -> str:
    """An ISO 8601 date or date-time as UTC text without offset; Invalid otherwise."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(
            column, f"{column} {value!r} is not an ISO 8601 date-time (e.g. 2026-03-05T14:00:00Z)"
        ) from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed.isoformat(sep=" ")


def _date(column: str, value: str) -> str:
    try:
        if not DATE.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise Invalid(column, f"{column} {value!r} is not a date (YYYY-MM-DD, e.g. 2026-03-01)") from None


def _currency(column: str, value: str) -> str:
    if not is_known_currency(value) or len(value) != 3:
        raise Invalid(column, f"{column} {value!r} is not an ISO 4217 currency code (e.g. USD, EUR, JPY)")
    return value.upper()


def _timezone(column: str, value: str) -> str:
    if value not in _iana_zones():
        raise Invalid(column, f"{column} {value!r} is not an IANA time zone (e.g. Europe/Paris, UTC)")
    return value


def _whole(column: str, value: str, what: str) -> str:
    if not WHOLE.fullmatch(value):
        raise Invalid(column, f"{column} {value!r} is not {what}")
    return str(int(value))


def _score(column: str, value: str) -> str:
    if not SCORE.fullmatch(value):
        raise Invalid(column, f"{column} {value!r} is not a score between 0 and 1 (e.g. 0.80)")
    return value


def _required(values: dict, *columns: str) -> None:
    for column in columns:
        if not values.get(column):
            raise Invalid(column, f"{column} is empty")


def _optional(values: dict, column: str, check: Callable[[str, str], str]) -> None:
    """Check and normalise a column when it holds a value; an empty value is stored as empty."""
    if values.get(column):
        values[column] = check(column, values[column])


def _entities(values: dict) -> None:
    # invoice_number_prefix is not among the contract's required columns: an entity without one
    # loads, and the not_null test of stg_reference__billing_entities fails the build by name
    _required(values, "name", "currency")
    values["currency"] = _currency("currency", values["currency"])
    _optional(values, "functional_currency", _currency)
    _optional(values, "timezone", _timezone)
    # collections.md §1.1: the entity's term applies to customers without their own (empty = 0)
    _optional(values, "net_payment_term", lambda c, v: _whole(c, v, "a whole number of days (0 or more)"))


def _settings(values: dict) -> None:
    key, value = values["key"], values.get("value") or ""
    option, _, source = key.partition(".")
    if key == "as_of":
        # empty = the run time (the documented default)
        values["value"] = _utc_timestamp("value", value) if value else ""
    elif key == "cutover_date":
        values["value"] = _date("value", value)
    elif key == "grace_period_days":
        values["value"] = _whole("value", value, "a whole number of days (0 or more)")
    elif key == "reporting_currency":
        values["value"] = _currency("value", value)
    elif key in ("cash_application.auto_score", "cash_application.suggest_score"):
        values["value"] = _score("value", value)
    elif key == "dso.months":
        values["value"] = _whole("value", value, "a whole number of months (1 or more)")
        if values["value"] == "0":
            raise Invalid("value", "value '0' is not a whole number of months (1 or more)")
    elif key == "dunning.churn_window_days":
        values["value"] = _whole("value", value, "a whole number of days (0 or more)")
    elif key == "ltv_gross_margin":
        # metrics-and-revrec.md B8: a margin of 0 would make every LTV 0, not "not measurable"
        if not SCORE.fullmatch(value) or not Decimal(value):
            raise Invalid("value", f"value {value!r} is not a gross margin above 0 and at most 1 (e.g. 0.80)")
    elif option in SETTING_OPTIONS and source in SOURCES:
        if not value:
            return  # empty = the parser's default (UTF-8, comma / sniffed, no default currency)
        if option == "encoding":
            try:
                codecs.lookup(value)
            except LookupError:
                raise Invalid(
                    "value", f"value {value!r} is not a text encoding Python knows (e.g. cp1252)"
                ) from None
        elif option == "delimiter" and len(value) != 1:
            raise Invalid("value", f"value {value!r} is not a single delimiter character (e.g. ;)")
        elif option == "default_currency":
            values["value"] = _currency("value", value)
    else:
        known = ", ".join([*SETTING_KEYS, *(f"{o}.<source>" for o in SETTING_OPTIONS)])
        raise Invalid(
            "key",
            f"unknown settings key {key!r} (known keys: {known}; <source> is one of {', '.join(SOURCES)})",
        )


def _period_closes(values: dict) -> None:
    if not PERIOD.fullmatch(values["period"] or ""):
        raise Invalid("period", f"period {values['period']!r} is not a month YYYY-MM (month 01-12)")
    _optional(values, "closed_at", _utc_timestamp)


def _one_of(options: tuple[str, ...]) -> Callable[[str, str], str]:
    def check(column: str, value: str) -> str:
        if value not in options:
            raise Invalid(column, f"{column} {value!r} is not one of {', '.join(options)}")
        return value

    return check


def _boolean(column: str, value: str) -> str:
    if value.lower() not in BOOLEAN_TEXT:
        raise Invalid(column, f"{column} {value!r} is not true or false")
    return BOOLEAN_TEXT[value.lower()]


def _ssp(values: dict) -> None:
    values["currency"] = _currency("currency", values["currency"] or "")
    values["ssp_minor"] = _whole("ssp_minor", values.get("ssp_minor") or "", "a whole number of minor units")
    _optional(values, "valid_from", _date)
    _optional(values, "valid_to", _date)
    _optional(values, "ssp_method", _one_of(SSP_METHODS))
    if values.get("valid_from") and values.get("valid_to") and values["valid_to"] < values["valid_from"]:
        raise Invalid(
            "valid_to", f"valid_to {values['valid_to']} is before valid_from {values['valid_from']}"
        )


def _revrec_rules(values: dict) -> None:
    values["pattern"] = _one_of(REVREC_PATTERNS)("pattern", values.get("pattern") or "")
    _optional(values, "distinct", _boolean)
    _optional(values, "usage_expedient", _boolean)
    _optional(values, "kind", _one_of(REVREC_KINDS))


def _chart_of_accounts(values: dict) -> None:
    values["account_role"] = _one_of(ACCOUNT_ROLES)("account_role", values.get("account_role") or "")


def _invoice_voids(values: dict) -> None:
    values["voided_at"] = _utc_timestamp("voided_at", values.get("voided_at") or "")


def _assurance_review_status(values: dict) -> None:
    # whether the id names a finding of the review queue is known only after dbt builds the queue:
    # int_assurance__review_statuses refuses an unknown one there, with its reason
    finding_id = (values.get("finding_id") or "").lower()
    if not FINDING_ID.fullmatch(finding_id):
        raise Invalid(
            "finding_id",
            f"finding_id {values['finding_id']!r} is not a finding id (the 32-character id the review queue shows)",
        )
    values["finding_id"] = finding_id
    values["status"] = _one_of(REVIEW_STATUSES)("status", values.get("status") or "")
    values["reviewed_at"] = _utc_timestamp("reviewed_at", values.get("reviewed_at") or "")
    _required(values, "reviewed_by")


CHECKS: dict[str, Callable[[dict], None]] = {
    "entities": _entities,
    "settings": _settings,
    "period_closes": _period_closes,
    "ssp": _ssp,
    "revrec_rules": _revrec_rules,
    "chart_of_accounts": _chart_of_accounts,
    "invoice_voids": _invoice_voids,
    "assurance_review_status": _assurance_review_status,
}


def _where(f: LandingFile, n: int, values: dict) -> str:
    """`reference/settings/s.csv row 3 (key=as_of)`: where a rejected row is, by file, row and key."""
    key = ", ".join(f"{c}={values.get(c) or ''}" for c in KEYS.get(f.entity, []) if c in values)
    return f"{f.rel_path} row {n}" + (f" ({key})" if key else "")


def parse(f: LandingFile) -> Iterator[Row | Reject]:
    if not f.path.name.removesuffix(".gz").endswith(".csv"):
        raise UnreadableFile(f"{f.rel_path}: reference files must be CSV with a header row")
    for n, row in iter_csv(f, required=REQUIRED.get(f.entity, [])):
        values = {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items()}
        as_sent = dict(values)
        text = json.dumps(values, ensure_ascii=False, sort_keys=True)
        try:
            _required(values, *REQUIRED.get(f.entity, [])[:1])
            if f.entity in CHECKS:
                CHECKS[f.entity](values)
        except Invalid as bad:
            yield Reject(
                n, f"{_where(f, n, as_sent)}: {bad.reason}", bad.column, as_sent.get(bad.column) or None, text
            )
            continue
        text = json.dumps(values, ensure_ascii=False, sort_keys=True)
        digest = hashlib.sha256(text.encode()).hexdigest()[:32]
        yield Row(
            "reference_rows",
            n,
            {"reference_kind": f.entity, "row_json": text},
            natural_key=f"{f.entity}|{f.rel_path}|{f.sha256}|{digest}",
        )
