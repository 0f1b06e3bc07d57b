"""Stable reason codes for rejected progress events, and the exception that carries them.

A code is part of the public contract: agency developers match on it, the dead-letter topic
stores it, and it never changes meaning once published. New codes may be added; existing
ones are never renamed or reused.
"""

from __future__ import annotations

import re
from enum import StrEnum


class ReasonCode(StrEnum):
    """Why an event was rejected. The value is the member name in lower case."""

    # Decoding the bytes.
    NOT_UTF8 = "not_utf8"
    NOT_JSON = "not_json"
    DUPLICATE_FIELD = "duplicate_field"
    NOT_AN_OBJECT = "not_an_object"
    # Shape of the event.
    UNKNOWN_SCHEMA_VERSION = "unknown_schema_version"
    MISSING_FIELD = "missing_field"
    UNKNOWN_FIELD = "unknown_field"
    WRONG_TYPE = "wrong_type"
    INVALID_VALUE = "invalid_value"
    # Impossible figures and dates.
    DENOMINATOR_ZERO = "denominator_zero"
    NUMERATOR_EXCEEDS_DENOMINATOR = "numerator_exceeds_denominator"
    NEGATIVE_FIGURE = "negative_figure"
    OBSERVED_IN_FUTURE = "observed_in_future"
    OBSERVED_BEFORE_2020 = "observed_before_2020"
    OBSERVED_AFTER_REPORTED = "observed_after_reported"
    DONE_AFTER_OBSERVED = "done_after_observed"
    FIGURE_SHAPE_MISMATCH = "figure_shape_mismatch"
    # Corrections and retractions.
    AMENDS_MISSING = "amends_missing"
    AMENDS_NOT_ALLOWED = "amends_not_allowed"
    RETRACTION_WITH_FIGURE = "retraction_with_figure"
    # Explanations of late tasks (giải trình).
    EXPLANATION_WITH_FIGURE = "explanation_with_figure"
    EXPLANATION_NOT_ALLOWED = "explanation_not_allowed"
    COMMITTED_BEFORE_OBSERVED = "committed_before_observed"
    # Registry and catalogue.
    UNKNOWN_TARGET = "unknown_target"
    UNKNOWN_AGENCY = "unknown_agency"
    AGENCY_NOT_ACTIVE = "agency_not_active"
    TARGET_NOT_APPLICABLE = "target_not_applicable"
    # Raised by the ingest service (authentication, idempotency, ledger state, transport).
    MISSING_SIGNATURE = "missing_signature"
    BAD_SIGNATURE = "bad_signature"
    FOREIGN_SIGNATURE = "foreign_signature"
    REVOKED_KEY = "revoked_key"
    UNKNOWN_KEY = "unknown_key"
    KEY_NOT_YET_VALID = "key_not_yet_valid"
    AGENCY_DISSOLVED = "agency_dissolved"
    REPORTED_IN_FUTURE = "reported_in_future"
    KEY_MISMATCH = "key_mismatch"
    MISSING_KEY = "missing_key"
    EVENT_ID_CONFLICT = "event_id_conflict"
    UNKNOWN_AMENDED_EVENT = "unknown_amended_event"
    AMENDED_EVENT_MISMATCH = "amended_event_mismatch"
    ALREADY_RETRACTED = "already_retracted"
    MESSAGE_TOO_LARGE = "message_too_large"


# Codes the pure domain never raises: they need keys, the ledger or the Kafka record.
INGEST_CODES: frozenset[ReasonCode] = frozenset(
    {
        ReasonCode.MISSING_SIGNATURE,
        ReasonCode.BAD_SIGNATURE,
        ReasonCode.FOREIGN_SIGNATURE,
        ReasonCode.REVOKED_KEY,
        ReasonCode.UNKNOWN_KEY,
        ReasonCode.KEY_NOT_YET_VALID,
        ReasonCode.AGENCY_DISSOLVED,
        ReasonCode.REPORTED_IN_FUTURE,
        ReasonCode.KEY_MISMATCH,
        ReasonCode.MISSING_KEY,
        ReasonCode.EVENT_ID_CONFLICT,
        ReasonCode.UNKNOWN_AMENDED_EVENT,
        ReasonCode.AMENDED_EVENT_MISMATCH,
        ReasonCode.ALREADY_RETRACTED,
        ReasonCode.MESSAGE_TOO_LARGE,
    }
)

_DESCRIPTIONS: dict[ReasonCode, tuple[str, str]] = {
    ReasonCode.NOT_UTF8: (
        "Thông điệp không phải văn bản UTF-8 hợp lệ",
        "the message is not valid UTF-8 text",
    ),
    ReasonCode.NOT_JSON: (
        "Thông điệp không phải JSON hợp lệ",
        "the message is not valid JSON",
    ),
    ReasonCode.DUPLICATE_FIELD: (
        "Một trường xuất hiện hai lần trong cùng một đối tượng JSON",
        "a member name appears twice in one JSON object",
    ),
    ReasonCode.NOT_AN_OBJECT: (
        "Thông điệp JSON không phải là một đối tượng",
        "the JSON value is not an object",
    ),
    ReasonCode.UNKNOWN_SCHEMA_VERSION: (
        "Phiên bản lược đồ (schema_version) không được hỗ trợ",
        "schema_version is not a supported version",
    ),
    ReasonCode.MISSING_FIELD: (
        "Thiếu trường bắt buộc",
        "a required field is missing",
    ),
    ReasonCode.UNKNOWN_FIELD: (
        "Có trường không thuộc hợp đồng dữ liệu",
        "a field is not part of the contract",
    ),
    ReasonCode.WRONG_TYPE: (
        "Giá trị sai kiểu dữ liệu",
        "a value has the wrong JSON type",
    ),
    ReasonCode.INVALID_VALUE: (
        "Giá trị không hợp lệ",
        "a value is not allowed",
    ),
    ReasonCode.DENOMINATOR_ZERO: (
        "Mẫu số bằng 0",
        "the denominator is zero",
    ),
    ReasonCode.NUMERATOR_EXCEEDS_DENOMINATOR: (
        "Tử số lớn hơn mẫu số",
        "the numerator is greater than the denominator",
    ),
    ReasonCode.NEGATIVE_FIGURE: (
        "Số liệu âm",
        "a figure is negative",
    ),
    ReasonCode.OBSERVED_IN_FUTURE: (
        "Ngày số liệu (observed_at) ở tương lai",
        "observed_at is in the future",
    ),
    ReasonCode.OBSERVED_BEFORE_2020: (
        "Ngày số liệu (observed_at) trước năm 2020",
        "observed_at is before 2020",
    ),
    ReasonCode.OBSERVED_AFTER_REPORTED: (
        "Ngày số liệu muộn hơn ngày báo cáo",
        "observed_at is later than the date of reported_at",
    ),
    ReasonCode.DONE_AFTER_OBSERVED: (
        "Ngày hoàn thành muộn hơn ngày số liệu",
        "done_on is later than observed_at",
    ),
    ReasonCode.FIGURE_SHAPE_MISMATCH: (
        "Dạng số liệu không khớp với loại sự kiện hoặc loại chỉ tiêu",
        "the figure's shape does not fit the event kind or the target kind",
    ),
    ReasonCode.AMENDS_MISSING: (
        "Sự kiện đính chính/thu hồi không nêu sự kiện được sửa (amends)",
        "a correction or retraction does not name the event it amends",
    ),
    ReasonCode.AMENDS_NOT_ALLOWED: (
        "Sự kiện đo lường/mốc không được có trường amends",
        "a measurement or milestone must not carry amends",
    ),
    ReasonCode.RETRACTION_WITH_FIGURE: (
        "Sự kiện thu hồi không được kèm số liệu",
        "a retraction must not carry a figure",
    ),
    ReasonCode.EXPLANATION_WITH_FIGURE: (
        "Sự kiện giải trình không được kèm số liệu",
        "an explanation must not carry a figure",
    ),
    ReasonCode.EXPLANATION_NOT_ALLOWED: (
        "Chỉ sự kiện giải trình mới được có trường explanation",
        "only an explanation may carry the explanation member",
    ),
    ReasonCode.COMMITTED_BEFORE_OBSERVED: (
        "Thời hạn cam kết hoàn thành sớm hơn ngày giải trình",
        "the committed completion date is earlier than observed_at",
    ),
    ReasonCode.UNKNOWN_TARGET: (
        "Chỉ tiêu không có trong danh mục",
        "the target is not in the catalogue",
    ),
    ReasonCode.UNKNOWN_AGENCY: (
        "Cơ quan không có trong danh bạ",
        "the agency is not in the registry",
    ),
    ReasonCode.AGENCY_NOT_ACTIVE: (
        "Cơ quan không tồn tại vào ngày số liệu",
        "the agency did not exist on observed_at",
    ),
    ReasonCode.TARGET_NOT_APPLICABLE: (
        "Chỉ tiêu không áp dụng cho cơ quan này",
        "the target does not apply to this agency",
    ),
    ReasonCode.MISSING_SIGNATURE: (
        "Thiếu chữ ký",
        "the event is not signed",
    ),
    ReasonCode.BAD_SIGNATURE: (
        "Chữ ký không đúng",
        "the signature does not match the event",
    ),
    ReasonCode.FOREIGN_SIGNATURE: (
        "Chữ ký bằng khóa của cơ quan khác",
        "the event is signed with another agency's key",
    ),
    ReasonCode.REVOKED_KEY: (
        "Khóa ký đã bị thu hồi",
        "the signing key has been revoked",
    ),
    ReasonCode.UNKNOWN_KEY: (
        "Khóa ký không xác định",
        "the signing key is unknown",
    ),
    ReasonCode.KEY_NOT_YET_VALID: (
        "Khóa ký chưa đến ngày có hiệu lực",
        "the signing key is not valid yet",
    ),
    ReasonCode.AGENCY_DISSOLVED: (
        "Cơ quan đã giải thể hoặc hợp nhất, khóa ký hết hiệu lực",
        "the agency has ceased to exist and its keys no longer sign",
    ),
    ReasonCode.REPORTED_IN_FUTURE: (
        "Thời điểm báo cáo (reported_at) muộn hơn thời điểm tiếp nhận",
        "reported_at is later than the time the event was received",
    ),
    ReasonCode.KEY_MISMATCH: (
        "Khóa Kafka khác agency_id",
        "the Kafka message key differs from agency_id",
    ),
    ReasonCode.MISSING_KEY: (
        "Thông điệp Kafka không có khóa",
        "the Kafka message has no key",
    ),
    ReasonCode.EVENT_ID_CONFLICT: (
        "event_id đã dùng cho một sự kiện khác",
        "the event_id was already used for a different event",
    ),
    ReasonCode.UNKNOWN_AMENDED_EVENT: (
        "Sự kiện được sửa không có trong sổ cái",
        "the amended event is not in the ledger",
    ),
    ReasonCode.AMENDED_EVENT_MISMATCH: (
        "Sự kiện được sửa thuộc cơ quan hoặc chỉ tiêu khác",
        "the amended event belongs to another agency or target",
    ),
    ReasonCode.ALREADY_RETRACTED: (
        "Sự kiện được sửa đã bị thu hồi",
        "the amended event has already been retracted",
    ),
    ReasonCode.MESSAGE_TOO_LARGE: (
        "Thông điệp vượt quá kích thước cho phép",
        "the message exceeds the size limit",
    ),
}


def describe(code: ReasonCode | str) -> str:
    """Return the one-line bilingual description of a reason code, Vietnamese first.

    >>> describe("denominator_zero")
    'Mẫu số bằng 0 — the denominator is zero'
    """
    vietnamese, english = _DESCRIPTIONS[ReasonCode(code)]
    return f"{vietnamese} — {english}"


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def storable(message: str) -> str:
    """``message`` as text every database stores: a message quotes what the agency sent,
    and a NUL (PostgreSQL refuses it) or a lone surrogate (not UTF-8 at all) in a dead
    letter would stop ingest on that message at every restart. They are written as the
    escapes JSON uses (``\\u0000``, ``\\ud800``)."""
    message = _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", message)
    return message.encode("utf-8", "backslashreplace").decode("utf-8")


class ContractViolation(ValueError):
    """An event broke the contract. Carries one stable reason code and a specific message.

    ``field`` is the dotted path of the offending member when there is one (e.g.
    ``figure.denominator``); ``also`` holds further problems found in the same pass, so a
    dead letter can tell the agency everything at once while ``code`` stays a single value.
    """

    def __init__(
        self,
        code: ReasonCode,
        message: str,
        *,
        field: str | None = None,
        also: tuple[ContractViolation, ...] = (),
    ) -> None:
        message = storable(message)
        super().__init__(f"{code.value}: {message}")
        self.code = code
        self.message = message
        self.field = field
        self.also = also
