"""The figure an event reports: a ratio, a count, or a milestone done / not done.

The shape travels as a "type" member inside the figure (``"ratio"``, ``"count"``,
``"milestone"``) so the JSON reads naturally and a JSON Schema ``oneOf`` can pick the branch.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator
from pydantic_core import PydanticCustomError

from shared.domain.temporal import IsoDate

# Largest integer every mainstream JSON stack (JavaScript included) reads exactly.
MAX_FIGURE = 2**53 - 1


def _type_member_required(schema: dict[str, Any]) -> None:
    """Publish ``type`` as required: the parser needs it to pick the figure's shape.

    In Python the member has a default so code can write ``RatioFigure(numerator=…)``.
    """
    schema["required"] = ["type", *schema.get("required", [])]


_FIGURE_CONFIG = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_type_member_required)


class RatioFigure(BaseModel):
    """A share: numerator of denominator (e.g. 395120 dossiers processed online of 471830)."""

    model_config = _FIGURE_CONFIG

    type: Literal["ratio"] = "ratio"
    numerator: StrictInt = Field(ge=0, le=MAX_FIGURE, description="How many meet the criterion.")
    denominator: StrictInt = Field(gt=0, le=MAX_FIGURE, description="How many there are in all; never 0.")

    @model_validator(mode="after")
    def _numerator_within_denominator(self) -> RatioFigure:
        if self.numerator > self.denominator:
            raise PydanticCustomError(
                "numerator_exceeds_denominator",
                "numerator {numerator} is greater than denominator {denominator}",
                {"numerator": self.numerator, "denominator": self.denominator},
            )
        return self


class CountFigure(BaseModel):
    """A number of things (e.g. 324 procedures simplified)."""

    model_config = _FIGURE_CONFIG

    type: Literal["count"] = "count"
    count: StrictInt = Field(ge=0, le=MAX_FIGURE, description="The count; never negative.")


def _done_on_follows_done(schema: dict[str, Any]) -> None:
    """Add the done ⇒ done_on rule to the published schema, then require ``type``."""
    _type_member_required(schema)
    schema["if"] = {"properties": {"done": {"const": True}}, "required": ["done"]}
    schema["then"] = {"required": ["done_on"], "properties": {"done_on": {"type": "string"}}}
    schema["else"] = {"properties": {"done_on": {"type": "null"}}}


class MilestoneFigure(BaseModel):
    """A milestone: done or not, and the day it was done."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_done_on_follows_done)

    type: Literal["milestone"] = "milestone"
    done: StrictBool = Field(description="Whether the milestone is reached.")
    done_on: IsoDate | None = Field(
        default=None, description="The day it was reached; required when done, absent otherwise."
    )

    @model_validator(mode="after")
    def _done_on_matches_done(self) -> MilestoneFigure:
        if self.done and self.done_on is None:
            raise PydanticCustomError(
                "missing_field", "is required when done is true", {"field": "figure.done_on"}
            )
        if not self.done and self.done_on is not None:
            raise PydanticCustomError(
                "invalid_value",
                "must be absent when done is false (got {done_on})",
                {"field": "figure.done_on", "done_on": self.done_on.isoformat()},
            )
        return self


Figure = Annotated[RatioFigure | CountFigure | MilestoneFigure, Field(discriminator="type")]
"""Any one figure, told apart by its ``type`` member."""
