"""Explanations (giải trình) of late tasks in the simulated year: "rõ trách nhiệm".

A few days after a deadline, an agency whose true figure had not reached the target by
then, and still has not, may explain: the cause, the remedial action and the day it
commits to complete the task by. About two in five do; some commit to a day that passes
before the year ends with the task still unmet, which the report flags. Decided from the
truth alone, each agency × target with its own random stream, so adding explanations
changes nothing else in a run. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from shared.domain.catalogue import Target, TargetKind, TargetScope
from shared.domain.validation import registry_problem
from shared.keyfiles import SigningKey

from services.simulate.trajectories import Truth
from services.simulate.wire import encode, signed

SHARE_EXPLAINED = 0.4
"""The chance that an agency explains a task it is late on."""

CAUSES = (
    "Hạ tầng kỹ thuật, đường truyền tại cấp xã chưa đáp ứng yêu cầu",
    "Thiếu nhân lực chuyên trách công nghệ thông tin",
    "Kinh phí thực hiện được bố trí chậm",
    "Hệ thống thông tin chưa kết nối, chia sẻ dữ liệu với hệ thống của Trung ương",
    "Việc sắp xếp tổ chức bộ máy làm gián đoạn việc triển khai",
    "Người dân, doanh nghiệp chưa quen sử dụng dịch vụ trực tuyến",
    "Dữ liệu chưa được làm sạch, chuẩn hóa đầy đủ",
)
ACTIONS = (
    "Bổ sung kinh phí, đẩy nhanh tiến độ gói thầu nâng cấp hệ thống",
    "Tăng cường nhân lực, tổ chức tập huấn cho cán bộ, công chức",
    "Phối hợp với Bộ Công an và Văn phòng Chính phủ hoàn thành kết nối, chia sẻ dữ liệu",
    "Giao chỉ tiêu cụ thể cho từng đơn vị; kiểm tra, đôn đốc hằng tuần",
    "Tổ chức làm sạch, chuẩn hóa dữ liệu theo từng đợt",
    "Đẩy mạnh tuyên truyền, hướng dẫn người dân sử dụng dịch vụ công trực tuyến",
)


@dataclass(frozen=True)
class Due:
    """One explanation to send: who explains which task, on which day, saying what."""

    day: date
    agency_id: str
    target_id: str
    number: int
    """The target's place in the catalogue: two explanations of one agency on one day differ by it."""
    cause: str
    action: str
    committed_on: date
    minutes: int
    """When on ``day`` it is sent: minutes after midnight, Vietnam time."""
    document: int
    """The number of the agency's explanation document (its evidence)."""


def reached(truth: Truth, agency_id: str, target: Target, day: date) -> bool:
    """Whether the agency's true figure reaches the target on ``day`` (a milestone: done by then)."""
    if target.kind is TargetKind.MILESTONE:
        done = truth.done_on(agency_id, target.id)
        return done is not None and done <= day
    value = truth.value(agency_id, target.id, day)
    if target.kind is TargetKind.RATIO:
        if not value[1]:
            return False
        figure = value[0] / value[1]
    else:
        figure = value
    return figure >= target.target_value if target.higher_is_better else figure <= target.target_value


def explanations_by_day(truth: Truth) -> dict[date, list[Due]]:
    """Every explanation of the simulated year, by the day it is sent."""
    out: dict[date, list[Due]] = {}
    numbers = {t: i for i, t in enumerate(truth.targets)}
    for agency in truth.agencies:
        first, last = truth.window(agency.id)
        for target in truth.applicable[agency.id]:
            # A task of a national total (a count summed over agencies) is no one agency's to be late on.
            if target.deadline is None or (target.kind is not TargetKind.MILESTONE
                                           and target.scope is not TargetScope.AGENCY):
                continue
            rng = truth.rng("explanation", agency.id, target.id)
            day = target.deadline + timedelta(days=5 + int(rng.random() * 21))
            # The agency existed on the deadline (the task was its own) and still does.
            if (rng.random() >= SHARE_EXPLAINED or not first <= target.deadline < day <= last
                    or reached(truth, agency.id, target, target.deadline)
                    or reached(truth, agency.id, target, day)
                    or registry_problem(agency.id, target.id, None, day) is not None):
                continue
            out.setdefault(day, []).append(Due(
                day=day, agency_id=agency.id, target_id=target.id, number=numbers[target.id],
                cause=rng.choice(CAUSES), action=rng.choice(ACTIONS),
                committed_on=day + timedelta(days=20 + int(rng.random() * 100)),
                minutes=480 + int(rng.random() * 480), document=200 + int(rng.random() * 700),
            ))
    return out


def explanation_event(due: Due, prefix: str, office: str, reporter: dict[str, str], reported_at: str) -> dict[str, Any]:
    """The unsigned explanation event: ``prefix`` starts the agency's event ids, ``office``
    issues its documents, ``reported_at`` is already canonical."""
    day = due.day
    return {
        "schema_version": 2, "event_id": f"{prefix}-{day:%Y%m%d}-gt{due.number:02d}", "agency_id": due.agency_id,
        "target_id": due.target_id, "kind": "explanation", "observed_at": day.isoformat(), "reported_at": reported_at,
        "reporter": reporter, "evidence": f"Báo cáo giải trình {due.document}/BC-{office} ngày {day:%d/%m/%Y}",
        "explanation": {"cause": due.cause, "action": due.action, "committed_on": due.committed_on.isoformat()},
    }


def explanation_bytes(event: dict[str, Any], key: SigningKey) -> bytes:
    """The wire bytes of an explanation signed with ``key`` (the plan's fast encoder
    writes figures' events only)."""
    return encode(signed(event, key))
