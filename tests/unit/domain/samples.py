"""Valid events to start from; each test changes one thing."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

TODAY = date(2025, 10, 15)
CONTRACT_MD = Path(__file__).resolve().parents[3] / "docs" / "contract.md"

_MEASUREMENT: dict[str, Any] = {
    "schema_version": 2,
    "event_id": "hn-20250402-0001",
    "agency_id": "ha-noi",
    "target_id": "online_dossier_rate",
    "kind": "measurement",
    "observed_at": "2025-03-31",
    "reported_at": "2025-04-02T09:30:00+07:00",
    "figure": {"type": "ratio", "numerator": 58, "denominator": 76},
    "reporter": {"name": "Nguyễn Thị Lan", "role": "Chánh Văn phòng"},
}


def measurement(**changes: Any) -> dict[str, Any]:
    """A valid ratio measurement by Hà Nội; ``changes`` replace members (``...`` removes one)."""
    event = copy.deepcopy(_MEASUREMENT)
    for name, value in changes.items():
        if value is ...:
            event.pop(name, None)
        else:
            event[name] = value
    return event


def milestone(**changes: Any) -> dict[str, Any]:
    """A valid milestone event by Nghệ An."""
    return measurement(
        **{
            "agency_id": "nghe-an",
            "target_id": "r57_plan_issued",
            "kind": "milestone",
            "observed_at": "2025-02-28",
            "reported_at": "2025-03-01T08:15:00+07:00",
            "figure": {"type": "milestone", "done": True, "done_on": "2025-02-25"},
            **changes,
        }
    )


def count(**changes: Any) -> dict[str, Any]:
    """A valid count measurement by Bộ Tư pháp."""
    return measurement(
        **{
            "agency_id": "bo-tu-phap",
            "target_id": "procedures_vneid",
            "figure": {"type": "count", "count": 17},
            **changes,
        }
    )


def explanation(**changes: Any) -> dict[str, Any]:
    """A valid explanation by Hà Nội of its online dossier rate: cause, action, committed date."""
    return measurement(
        **{
            "event_id": "hn-20250710-0004",
            "kind": "explanation",
            "observed_at": "2025-07-10",
            "reported_at": "2025-07-10T15:00:00+07:00",
            "figure": ...,
            "explanation": {
                "cause": "Hệ thống một cửa điện tử chưa kết nối với Cổng Dịch vụ công quốc gia",
                "action": "Nâng cấp hệ thống, hoàn thành kết nối trong tháng 9/2025",
                "committed_on": "2025-09-30",
            },
            **changes,
        }
    )
