"""Event contract v2: the progress event an agency publishes, its parser and its canonical bytes."""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from shared.domain.decoding import decode_object, shorten
from shared.domain.figures import CountFigure, Figure, MilestoneFigure, RatioFigure
from shared.domain.reasons import ContractViolation, ReasonCode
from shared.domain.temporal import IsoDate, Timestamp, vietnam_date
from shared.domain.violations import violation_from

__all__ = [
    "CountFigure",
    "EventKind",
    "Explanation",
    "Figure",
    "MilestoneFigure",
    "ProgressReported",
    "RatioFigure",
    "Reporter",
    "Signature",
    "canonical_bytes",
    "parse_event",
    "to_json_bytes",
]

SCHEMA_VERSION = 2
EARLIEST_OBSERVATION = date(2020, 1, 1)
EVENT_ID_PATTERN = r"^[!-~]{1,128}$"
AGENCY_ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
TARGET_ID_PATTERN = r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$"
# Year 2020 or later, as a pattern, so a plain JSON Schema validator can enforce the floor too.
OBSERVED_AT_PATTERN = r"^(?:20[2-9][0-9]|2[1-9][0-9]{2}|[3-9][0-9]{3})-[0-9]{2}-[0-9]{2}$"
# "Contains something other than white space": a name of spaces is not a name.
NOT_BLANK = r"\S"


class EventKind(StrEnum):
    """What an event does to the ledger."""

    MEASUREMENT = "measurement"
    MILESTONE = "milestone"
    CORRECTION = "correction"
    RETRACTION = "retraction"
    EXPLANATION = "explanation"


# Closed (no unknown members) and immutable, like every model of the contract.
_CLOSED = ConfigDict(extra="forbid", frozen=True)


class Reporter(BaseModel):
    """Who reported the figure ("rõ người"): a named person and their role."""

    model_config = _CLOSED

    name: StrictStr = Field(min_length=1, max_length=200, pattern=NOT_BLANK, examples=["Nguyễn Thị Lan"])
    role: StrictStr = Field(
        min_length=1, max_length=200, pattern=NOT_BLANK, examples=["Phó Chánh Văn phòng UBND thành phố"]
    )


class Signature(BaseModel):
    """The agency's Ed25519 signature over the event's canonical bytes (docs/contract.md, section 5)."""

    model_config = _CLOSED

    alg: Literal["Ed25519"]
    key_id: StrictStr = Field(pattern=r"^[!-~]{1,128}$", description="Id of the signing key.")
    value: StrictStr = Field(pattern=r"^[0-9a-f]{128}$", description="The signature as 128 lower-case hex digits.")


class Explanation(BaseModel):
    """A late task's explanation (giải trình): why it is late, what the agency is doing
    about it, and the day it commits to complete it by ("rõ trách nhiệm")."""

    model_config = _CLOSED

    cause: StrictStr = Field(
        min_length=1, max_length=2000, pattern=NOT_BLANK,
        description="Nguyên nhân: why the task is late.",
        examples=["Hệ thống phần mềm một cửa điện tử chưa kết nối với Cổng Dịch vụ công quốc gia"],
    )
    action: StrictStr = Field(
        min_length=1, max_length=2000, pattern=NOT_BLANK,
        description="Giải pháp khắc phục: what the agency is doing to complete it.",
        examples=["Ký hợp đồng nâng cấp hệ thống, hoàn thành kết nối trong tháng 8/2025"],
    )
    committed_on: IsoDate = Field(
        description="Thời hạn cam kết hoàn thành: the day the agency commits to complete the task by "
        "(not before observed_at)."
    )


def _kind_rules(schema: dict[str, Any]) -> None:
    """Publish the kind ⇒ figure / amends rules so schema-only validators enforce them too."""

    def when(kind: str, then: dict[str, Any]) -> dict[str, Any]:
        return {"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]}, "then": then}

    def figure_of(*types: str) -> dict[str, Any]:
        return {"type": "object", "properties": {"type": {"enum": list(types)}}}

    no_explanation = {"explanation": {"type": "null"}}
    schema["allOf"] = [
        when(
            "measurement",
            {
                "required": ["figure"],
                "properties": {"figure": figure_of("ratio", "count"), "amends": {"type": "null"}, **no_explanation},
            },
        ),
        when(
            "milestone",
            {
                "required": ["figure"],
                "properties": {"figure": figure_of("milestone"), "amends": {"type": "null"}, **no_explanation},
            },
        ),
        when(
            "correction",
            {
                "required": ["figure", "amends"],
                "properties": {"figure": {"type": "object"}, "amends": {"type": "string"}, **no_explanation},
            },
        ),
        when(
            "retraction",
            {
                "required": ["amends"],
                "properties": {"figure": {"type": "null"}, "amends": {"type": "string"}, **no_explanation},
            },
        ),
        when(
            "explanation",
            {
                "required": ["explanation"],
                "properties": {"figure": {"type": "null"}, "amends": {"type": "null"}},
            },
        ),
    ]


class ProgressReported(BaseModel):
    """One agency's figure for one target on one day, or its explanation of a task it is
    late on (kind ``explanation``), as published on the progress topic."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, title="ProgressReported", json_schema_extra=_kind_rules
    )

    schema_version: Literal[2] = Field(description="Contract version; always 2 for this schema.")
    event_id: StrictStr = Field(
        pattern=EVENT_ID_PATTERN,
        description=(
            "The agency's idempotency key: unique per agency; a resend with the same id is recorded once."
        ),
    )
    agency_id: StrictStr = Field(
        max_length=64,
        pattern=AGENCY_ID_PATTERN,
        description="Registry id of the reporting agency, e.g. ha-noi.",
    )
    target_id: StrictStr = Field(
        max_length=64,
        pattern=TARGET_ID_PATTERN,
        description="Catalogue id of the target, e.g. online_dossier_rate.",
    )
    kind: EventKind = Field(description="measurement, milestone, correction, retraction or explanation.")
    observed_at: IsoDate = Field(
        json_schema_extra={"pattern": OBSERVED_AT_PATTERN},
        description="The day the figure is true for, or the day of an explanation "
        "(2020-01-01 or later, not in the future).",
    )
    reported_at: Timestamp = Field(description="When the agency reported it, with UTC offset.")
    figure: Figure | None = Field(
        default=None, description="The figure; absent in a retraction and in an explanation."
    )
    reporter: Reporter = Field(description="Who reported it.")
    evidence: StrictStr | None = Field(
        default=None,
        min_length=1,
        max_length=1000,
        pattern=NOT_BLANK,
        description="Where the figure can be checked: a document number or URL.",
    )
    amends: StrictStr | None = Field(
        default=None,
        pattern=EVENT_ID_PATTERN,
        description="event_id of the same agency's event that this correction or retraction amends.",
    )
    explanation: Explanation | None = Field(
        default=None,
        description="In an explanation only (giải trình of a late task): cause, remedial action, "
        "committed completion date.",
    )
    signature: Signature | None = Field(
        default=None, description="The agency's signature over the canonical bytes."
    )

    @field_validator("schema_version", mode="before")
    @classmethod
    def _known_version(cls, value: Any) -> Any:
        # Checked by hand: Literal[2] alone would also accept 2.0, which equals 2 in Python.
        if type(value) is not int or value != SCHEMA_VERSION:
            raise PydanticCustomError(
                "unknown_schema_version",
                "{got} is not a supported version; this contract is version 2",
                {"got": shorten(value)},
            )
        return value

    @field_validator("observed_at")
    @classmethod
    def _not_before_2020(cls, value: date) -> date:
        if value < EARLIEST_OBSERVATION:
            raise PydanticCustomError(
                "observed_before_2020",
                "{got} is before 2020-01-01; the ledger starts in 2020",
                {"got": value.isoformat()},
            )
        return value

    @model_validator(mode="after")
    def _kind_rules_hold(self) -> ProgressReported:
        self._check_amends()
        self._check_explanation()
        self._check_figure()
        self._check_dates()
        return self

    def _check_amends(self) -> None:
        amending = self.kind in (EventKind.CORRECTION, EventKind.RETRACTION)
        if amending and self.amends is None:
            raise PydanticCustomError(
                "amends_missing",
                "a {kind} must name the event_id it amends",
                {"kind": self.kind.value, "field": "amends"},
            )
        if self.kind is EventKind.EXPLANATION and self.amends is not None:
            raise PydanticCustomError(
                "amends_not_allowed",
                "an explanation amends nothing and must not carry amends; "
                "send a new explanation instead: the latest one stands",
                {"field": "amends"},
            )
        if not amending and self.amends is not None:
            raise PydanticCustomError(
                "amends_not_allowed",
                "a {kind} reports a new figure and must not carry amends; "
                "send kind correction to amend {amends}",
                {"kind": self.kind.value, "amends": self.amends, "field": "amends"},
            )
        if self.amends == self.event_id:
            raise PydanticCustomError("invalid_value", "an event cannot amend itself", {"field": "amends"})

    def _check_explanation(self) -> None:
        if self.kind is not EventKind.EXPLANATION:
            if self.explanation is not None:
                raise PydanticCustomError(
                    "explanation_not_allowed",
                    "a {kind} carries no explanation; send the explanation as its own event, "
                    "kind explanation",
                    {"kind": self.kind.value, "field": "explanation"},
                )
            return
        if self.explanation is None:
            raise PydanticCustomError(
                "missing_field",
                "is required in an explanation: cause, action and committed_on",
                {"field": "explanation"},
            )
        if self.figure is not None:
            raise PydanticCustomError(
                "explanation_with_figure",
                "an explanation carries no figure; report the figure in its own measurement "
                "or milestone event",
                {"field": "figure"},
            )

    def _check_figure(self) -> None:
        if self.kind is EventKind.EXPLANATION:
            return
        if self.kind is EventKind.RETRACTION:
            if self.figure is not None:
                raise PydanticCustomError(
                    "retraction_with_figure",
                    "a retraction withdraws event {amends} and carries no figure; "
                    "send a correction to replace it",
                    {"amends": self.amends, "field": "figure"},
                )
            return
        if self.figure is None:
            raise PydanticCustomError(
                "missing_field", "is required in a {kind}", {"kind": self.kind.value, "field": "figure"}
            )
        is_milestone = isinstance(self.figure, MilestoneFigure)
        if self.kind is EventKind.MEASUREMENT and is_milestone:
            raise PydanticCustomError(
                "figure_shape_mismatch",
                "a measurement carries a ratio or count figure, got a milestone figure; use kind milestone",
                {"field": "figure"},
            )
        if self.kind is EventKind.MILESTONE and not is_milestone:
            raise PydanticCustomError(
                "figure_shape_mismatch",
                "a milestone event carries a milestone figure, got a {type} figure; use kind measurement",
                {"type": self.figure.type, "field": "figure"},
            )

    def _check_dates(self) -> None:
        reported_on = vietnam_date(self.reported_at)
        if self.observed_at > reported_on:
            raise PydanticCustomError(
                "observed_after_reported",
                "{observed} is later than the day it was reported ({reported} in Vietnam)",
                {
                    "observed": self.observed_at.isoformat(),
                    "reported": reported_on.isoformat(),
                    "field": "observed_at",
                },
            )
        committed_on = self.explanation.committed_on if self.explanation is not None else None
        if committed_on is not None and committed_on < self.observed_at:
            raise PydanticCustomError(
                "committed_before_observed",
                "{committed} is earlier than observed_at {observed}: a completion date committed to "
                "on {observed} cannot be in its past",
                {
                    "committed": committed_on.isoformat(),
                    "observed": self.observed_at.isoformat(),
                    "field": "explanation.committed_on",
                },
            )
        done_on = self.figure.done_on if isinstance(self.figure, MilestoneFigure) else None
        if done_on is not None and done_on > self.observed_at:
            raise PydanticCustomError(
                "done_after_observed",
                "{done} is later than observed_at {observed}: a figure cannot report the future",
                {
                    "done": done_on.isoformat(),
                    "observed": self.observed_at.isoformat(),
                    "field": "figure.done_on",
                },
            )


def parse_event(raw: bytes | str | dict[str, Any], *, today: date) -> ProgressReported:
    """Decode and validate one progress event, or raise :class:`ContractViolation`.

    ``raw`` is the Kafka message value (bytes), its text, or an already-decoded JSON object.
    ``today`` is the current day in Vietnam; an event observed after it is rejected. The
    registry and catalogue are not consulted: see :mod:`shared.domain.validation`.
    """
    obj = decode_object(raw)
    try:
        event = ProgressReported.model_validate(obj)
    except ValidationError as exc:
        raise violation_from(exc) from None
    if event.observed_at > today:
        raise ContractViolation(
            ReasonCode.OBSERVED_IN_FUTURE,
            f"observed_at: {event.observed_at.isoformat()} is after today ({today.isoformat()}); "
            "report a figure once the day it is true for has come",
            field="observed_at",
        )
    return event


def _dump(event: ProgressReported, *, signed: bool) -> bytes:
    members = event.model_dump(mode="json", exclude_none=True, exclude=None if signed else {"signature"})
    return json.dumps(members, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def canonical_bytes(event: ProgressReported) -> bytes:
    """The bytes an agency signs (see docs/contract.md, "Canonical form").

    The event as JSON without ``signature``, null members omitted, keys sorted, no
    insignificant white space, non-ASCII characters written as UTF-8 rather than escaped.
    """
    return _dump(event, signed=False)


def to_json_bytes(event: ProgressReported) -> bytes:
    """The wire form: the canonical form with ``signature`` included when present."""
    return _dump(event, signed=True)
