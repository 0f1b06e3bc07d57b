"""Example progress events, one per kind, as an agency would publish them.

They appear in docs/contract.md and in the AsyncAPI document, and tests hold them to the
contract. Every example is signed with the demo secret ``tien-do-demo-secret`` (UTF-8
bytes); a real agency key is issued by the operator and never published.
"""

from __future__ import annotations

from typing import Any

DEMO_SECRET = "tien-do-demo-secret"

EXAMPLES: dict[str, dict[str, Any]] = {
    "measurement_ratio": {
        "schema_version": 1,
        "event_id": "hn-20250402-0001",
        "agency_id": "ha-noi",
        "target_id": "online_dossier_rate",
        "kind": "measurement",
        "observed_at": "2025-03-31",
        "reported_at": "2025-04-02T09:30:00+07:00",
        "figure": {
            "type": "ratio",
            "numerator": 395120,
            "denominator": 471830
        },
        "reporter": {
            "name": "Nguyễn Thị Lan",
            "role": "Phó Chánh Văn phòng UBND Thành phố Hà Nội"
        },
        "evidence": "Báo cáo 112/BC-UBND ngày 02/04/2025",
        "signature": {
            "alg": "HMAC-SHA256",
            "key_id": "ha-noi-k1",
            "value": "247b1cafcf3a5076794441e565fa9f2cea3db3e0321abe46611dfab419771d15"
        }
    },
    "measurement_count": {
        "schema_version": 1,
        "event_id": "btp-20250603-0007",
        "agency_id": "bo-tu-phap",
        "target_id": "procedures_vneid",
        "kind": "measurement",
        "observed_at": "2025-05-31",
        "reported_at": "2025-06-03T16:05:00+07:00",
        "figure": {
            "type": "count",
            "count": 17
        },
        "reporter": {
            "name": "Trần Văn Minh",
            "role": "Cục trưởng Cục Kiểm soát thủ tục hành chính"
        },
        "signature": {
            "alg": "HMAC-SHA256",
            "key_id": "bo-tu-phap-k1",
            "value": "9f1f44dd4dd9598f555a53558443953c009f9f909bae341f756f9a8aafdb9fd7"
        }
    },
    "milestone": {
        "schema_version": 1,
        "event_id": "na-20250301-0002",
        "agency_id": "nghe-an",
        "target_id": "r57_plan_issued",
        "kind": "milestone",
        "observed_at": "2025-02-28",
        "reported_at": "2025-03-01T08:15:00+07:00",
        "figure": {
            "type": "milestone",
            "done": True,
            "done_on": "2025-02-25"
        },
        "reporter": {
            "name": "Lê Thị Hương",
            "role": "Giám đốc Sở Khoa học và Công nghệ"
        },
        "evidence": "Kế hoạch 145/KH-UBND ngày 25/02/2025",
        "signature": {
            "alg": "HMAC-SHA256",
            "key_id": "nghe-an-k1",
            "value": "7ba07fe30a85c70836bdaa8c40183cb3c7f015b1f6086deaf93e4110e59ab7f2"
        }
    },
    "correction": {
        "schema_version": 1,
        "event_id": "hn-20250403-0002",
        "agency_id": "ha-noi",
        "target_id": "online_dossier_rate",
        "kind": "correction",
        "observed_at": "2025-03-31",
        "reported_at": "2025-04-03T14:00:00+07:00",
        "figure": {
            "type": "ratio",
            "numerator": 395210,
            "denominator": 471830
        },
        "reporter": {
            "name": "Nguyễn Thị Lan",
            "role": "Phó Chánh Văn phòng UBND Thành phố Hà Nội"
        },
        "evidence": "Văn bản 118/UBND-KSTTHC ngày 03/04/2025 đính chính số liệu",
        "amends": "hn-20250402-0001",
        "signature": {
            "alg": "HMAC-SHA256",
            "key_id": "ha-noi-k1",
            "value": "b6bc523caed85fdf1a08c7c4bade9f48749b4ad4fd51f14eee439920b1d23e6d"
        }
    },
    "retraction": {
        "schema_version": 1,
        "event_id": "btp-20250605-0001",
        "agency_id": "bo-tu-phap",
        "target_id": "procedures_vneid",
        "kind": "retraction",
        "observed_at": "2025-05-31",
        "reported_at": "2025-06-05T10:00:00+07:00",
        "reporter": {
            "name": "Trần Văn Minh",
            "role": "Cục trưởng Cục Kiểm soát thủ tục hành chính"
        },
        "amends": "btp-20250603-0007",
        "signature": {
            "alg": "HMAC-SHA256",
            "key_id": "bo-tu-phap-k1",
            "value": "d2a2d855f001f5c2e9adbcff13f26e8dd971030712ff20cb2ad4abef5369792f"
        }
    }
}
