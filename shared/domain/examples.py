"""Example progress events, one per kind (an explanation too), as an agency would publish them.

They appear in docs/contract.md and in the AsyncAPI document, and tests hold them to the
contract. Every example is signed with the published demo key below: the Ed25519 secret
key of RFC 8032's first test vector (public key d75a9801…511a), so anyone can reproduce
the signatures. A real agency generates its own key pair (``tiendo agency key new``) and
never publishes the private key; this one is registered for no agency.
"""

from __future__ import annotations

from typing import Any

DEMO_PRIVATE_KEY = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
"""The raw 32-byte Ed25519 secret key (seed), hex."""
DEMO_PUBLIC_KEY = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"

EXAMPLES: dict[str, dict[str, Any]] = {
    "measurement_ratio": {
        "schema_version": 2,
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
            "alg": "Ed25519",
            "key_id": "ha-noi.21fe31dfa154a261",
            "value": "090bc9281687db5ed1c76924de24d15ebce75a00eedb158a0510905a522f6c5ae3f1352ab70bc4e5fc27aa621a96762c1c353bb216beed3d3e73e5627bf8970b",
        },
    },
    "measurement_count": {
        "schema_version": 2,
        "event_id": "btp-20250603-0007",
        "agency_id": "bo-tu-phap",
        "target_id": "procedures_vneid",
        "kind": "measurement",
        "observed_at": "2025-05-31",
        "reported_at": "2025-06-03T16:05:00+07:00",
        "figure": {"type": "count", "count": 17},
        "reporter": {"name": "Trần Văn Minh", "role": "Cục trưởng Cục Kiểm soát thủ tục hành chính"},
        "signature": {
            "alg": "Ed25519",
            "key_id": "bo-tu-phap.21fe31dfa154a261",
            "value": "eba89a011298d526ba1f24b3c839ee2ad16c4ae0448ee98ff9e4b41e1a55770f510043409333164d70fd85585b316574c263b046819e99e96315f7173de31003",
        },
    },
    "milestone": {
        "schema_version": 2,
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
            "alg": "Ed25519",
            "key_id": "nghe-an.21fe31dfa154a261",
            "value": "7b38cebe3c1ca9efdb3f5ca4422970574cb87d275f57ac679e346604409400daff4cd1cdaed8481abe25a6cebd72ef62dea85fb4087b8cbba83170e7fb90e60d",
        },
    },
    "correction": {
        "schema_version": 2,
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
            "alg": "Ed25519",
            "key_id": "ha-noi.21fe31dfa154a261",
            "value": "c3368600d49576a7ed1251e1404194ae53a70a1fc92163723d66fab06b141178a43a3488037fac1cd8f4aadf97f856ff20063f42c4ea141ea468615925621501",
        },
    },
    "retraction": {
        "schema_version": 2,
        "event_id": "btp-20250605-0001",
        "agency_id": "bo-tu-phap",
        "target_id": "procedures_vneid",
        "kind": "retraction",
        "observed_at": "2025-05-31",
        "reported_at": "2025-06-05T10:00:00+07:00",
        "reporter": {"name": "Trần Văn Minh", "role": "Cục trưởng Cục Kiểm soát thủ tục hành chính"},
        "amends": "btp-20250603-0007",
        "signature": {
            "alg": "Ed25519",
            "key_id": "bo-tu-phap.21fe31dfa154a261",
            "value": "b89b41ac9549c4d9fa8707f5fbbfb43cda72829ddfa7684a3e301b87e71bc8ec26e137fcdc58628e40daf5127857621ad1302587d7d505394bc84493e6928009",
        },
    },
    "explanation": {
        "schema_version": 2,
        "event_id": "cb-20250710-0003",
        "agency_id": "cao-bang",
        "target_id": "land_database",
        "kind": "explanation",
        "observed_at": "2025-07-10",
        "reported_at": "2025-07-10T15:20:00+07:00",
        "explanation": {
            "cause": "Chưa hoàn thành chỉnh lý bản đồ địa chính tại 4 xã vùng cao; "
            "kinh phí số hóa hồ sơ địa chính được bố trí chậm",
            "action": "Sở Nông nghiệp và Môi trường thuê đơn vị tư vấn số hóa phần hồ sơ còn lại, "
            "đồng bộ lên Cơ sở dữ liệu đất đai quốc gia theo từng đợt hằng tháng",
            "committed_on": "2025-09-30",
        },
        "reporter": {"name": "Nông Thị Hạnh", "role": "Chánh Văn phòng UBND tỉnh Cao Bằng"},
        "evidence": "Báo cáo 215/BC-UBND ngày 10/07/2025",
        "signature": {
            "alg": "Ed25519",
            "key_id": "cao-bang.21fe31dfa154a261",
            "value": "ff195e42a19e33a083b775f904eeda2459bd442b67cbc05d506600e619a1a4a8ddd4545bc1d7e243016106acf9ad0a82c3e431070d9ec7b34b3f849d4e7f3d08",
        },
    },
}
