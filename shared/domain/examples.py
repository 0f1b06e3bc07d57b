"""Example progress events, one per kind, as an agency would publish them.

They appear in docs/contract.md and in the AsyncAPI document, and tests hold them to the
contract. Every example is signed with the published demo secret below: 64 hex digits,
whose 32 bytes are the HMAC key. A real agency secret is issued by the operator
(``tiendo agency key issue``) and never published.
"""

from __future__ import annotations

from typing import Any

DEMO_SECRET = "5f1d2c3b4a59687766554433221100ffeeddccbbaa99887766554433221100aa"

EXAMPLES: dict[str, dict[str, Any]] = {
    "measurement_ratio": {
        "schema_version": 1,
        "event_id": "hn-20250402-0001",
        "agency_id": "ha-noi",
        "target_id": "online_dossier_rate",
        "kind": "measurement",
        "observed_at": "2025-03-31",
        "reported_at": "2025-04-02T09:30:00+07:00",
        "figure": {"type": "ratio", "numerator": 395120, "denominator": 471830},
        "reporter": {"name": "Nguyễn Thị Lan", "role": "Phó Chánh Văn phòng UBND Thành phố Hà Nội"},
        "evidence": "Báo cáo 112/BC-UBND ngày 02/04/2025",
        "signature": {
            "alg": "HMAC-SHA256",
            "key_id": "ha-noi.3fa91c07d2be",
            "value": "4bb7fd45f23dd6ba4acdc927c7aeab3eb6250201f2e324f583ff5a99b2696432",
        },
    },
    "measurement_count": {
        "schema_version": 1,
        "event_id": "btp-20250603-0007",
        "agency_id": "bo-tu-phap",
        "target_id": "procedures_vneid",
        "kind": "measurement",
        "observed_at": "2025-05-31",
        "reported_at": "2025-06-03T16:05:00+07:00",
        "figure": {"type": "count", "count": 17},
        "reporter": {"name": "Trần Văn Minh", "role": "Cục trưởng Cục Kiểm soát thủ tục hành chính"},
        "signature": {
            "alg": "HMAC-SHA256",
            "key_id": "bo-tu-phap.8c41e2f0a5d7",
            "value": "ada94a0cd2c78d1e0b09cbd2b5ac5a2523b32ce7e75db71eb41dc7c0a3a1a9fb",
        },
    },
    "milestone": {
        "schema_version": 1,
        "event_id": "na-20250301-0002",
        "agency_id": "nghe-an",
        "target_id": "r57_plan_issued",
        "kind": "milestone",
        "observed_at": "2025-02-28",
        "reported_at": "2025-03-01T08:15:00+07:00",
        "figure": {"type": "milestone", "done": True, "done_on": "2025-02-25"},
        "reporter": {"name": "Lê Thị Hương", "role": "Giám đốc Sở Khoa học và Công nghệ"},
        "evidence": "Kế hoạch 145/KH-UBND ngày 25/02/2025",
        "signature": {
            "alg": "HMAC-SHA256",
            "key_id": "nghe-an.b27d90c3e16f",
            "value": "12a1fe748818d6b2a5370e8d5c3228a873967fed03054960474efb355da2363c",
        },
    },
    "correction": {
        "schema_version": 1,
        "event_id": "hn-20250403-0002",
        "agency_id": "ha-noi",
        "target_id": "online_dossier_rate",
        "kind": "correction",
        "observed_at": "2025-03-31",
        "reported_at": "2025-04-03T14:00:00+07:00",
        "figure": {"type": "ratio", "numerator": 395210, "denominator": 471830},
        "reporter": {"name": "Nguyễn Thị Lan", "role": "Phó Chánh Văn phòng UBND Thành phố Hà Nội"},
        "evidence": "Văn bản 118/UBND-KSTTHC ngày 03/04/2025 đính chính số liệu",
        "amends": "hn-20250402-0001",
        "signature": {
            "alg": "HMAC-SHA256",
            "key_id": "ha-noi.3fa91c07d2be",
            "value": "72907205964c7e852c38f29bd06d257ec1506cbe1ba4eb15b7d47e1756a2d458",
        },
    },
    "retraction": {
        "schema_version": 1,
        "event_id": "btp-20250605-0001",
        "agency_id": "bo-tu-phap",
        "target_id": "procedures_vneid",
        "kind": "retraction",
        "observed_at": "2025-05-31",
        "reported_at": "2025-06-05T10:00:00+07:00",
        "reporter": {"name": "Trần Văn Minh", "role": "Cục trưởng Cục Kiểm soát thủ tục hành chính"},
        "amends": "btp-20250603-0007",
        "signature": {
            "alg": "HMAC-SHA256",
            "key_id": "bo-tu-phap.8c41e2f0a5d7",
            "value": "d1da8825b7c40d625f7e6f5cb09c84cf4788f1409d35d7f772d35e6dc86b5235",
        },
    },
}
