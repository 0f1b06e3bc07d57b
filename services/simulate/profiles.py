"""Sizes and people of the simulated agencies: the numbers that make figures plausible.

Province populations are the General Statistics Office's 2023 averages rounded to the
thousand; ministry sizes are orders of magnitude chosen for plausibility, not statistics.
They only scale denominators (dossiers, procedures, officials, records), so national
Σ numerators ÷ Σ denominators weighs provinces roughly as reality does. Pure data.
"""

from __future__ import annotations

from dataclasses import dataclass

# Thousands of inhabitants, 2023 (GSO average population), for the 63 provinces of 2025-01-01.
PROVINCE_POPULATION_K: dict[str, int] = {
    "ha-noi": 8587, "ha-giang": 903, "cao-bang": 548, "bac-kan": 327, "tuyen-quang": 805,
    "lao-cai": 771, "dien-bien": 653, "lai-chau": 482, "son-la": 1300, "yen-bai": 847,
    "hoa-binh": 875, "thai-nguyen": 1336, "lang-son": 802, "quang-ninh": 1363, "bac-giang": 1923,
    "phu-tho": 1516, "vinh-phuc": 1198, "bac-ninh": 1517, "hai-duong": 1956, "hai-phong": 2105,
    "hung-yen": 1291, "thai-binh": 1884, "ha-nam": 878, "nam-dinh": 1887, "ninh-binh": 1011,
    "thanh-hoa": 3740, "nghe-an": 3442, "ha-tinh": 1324, "quang-binh": 915, "quang-tri": 650,
    "hue": 1167, "da-nang": 1245, "quang-nam": 1526, "quang-ngai": 1249, "binh-dinh": 1506,
    "phu-yen": 878, "khanh-hoa": 1253, "ninh-thuan": 599, "binh-thuan": 1258, "kon-tum": 580,
    "gia-lai": 1613, "dak-lak": 1918, "dak-nong": 671, "lam-dong": 1333, "binh-phuoc": 1045,
    "tay-ninh": 1195, "binh-duong": 2763, "dong-nai": 3311, "ba-ria-vung-tau": 1188,
    "ho-chi-minh": 9457, "long-an": 1734, "tien-giang": 1790, "ben-tre": 1298, "tra-vinh": 1019,
    "vinh-long": 1029, "dong-thap": 1600, "an-giang": 1906, "kien-giang": 1755, "can-tho": 1259,
    "hau-giang": 728, "soc-trang": 1199, "bac-lieu": 922, "ca-mau": 1207,
}


@dataclass(frozen=True)
class MinistryProfile:
    """How big a ministry is, for the denominators and the shares of national targets.

    ``essential`` and ``vneid`` weigh how many of the 76 essential services and of the 324
    VNeID procedures fall in the ministry's remit.
    """

    dossiers_per_day: int
    procedures: int
    leaders: int
    essential: float
    vneid: float


MINISTRY_PROFILES: dict[str, MinistryProfile] = {
    "bo-cong-an": MinistryProfile(30000, 330, 260, 14, 40),
    "bo-tai-chinh": MinistryProfile(9000, 420, 180, 7, 30),
    "bo-ke-hoach-va-dau-tu": MinistryProfile(1500, 140, 90, 4, 12),
    "bo-lao-dong-thuong-binh-va-xa-hoi": MinistryProfile(2500, 230, 120, 6, 28),
    "bo-giao-thong-van-tai": MinistryProfile(3500, 380, 140, 6, 26),
    "bo-tu-phap": MinistryProfile(1200, 210, 100, 5, 24),
    "bo-y-te": MinistryProfile(900, 320, 130, 4, 22),
    "bo-giao-duc-va-dao-tao": MinistryProfile(700, 150, 100, 4, 18),
    "bo-tai-nguyen-va-moi-truong": MinistryProfile(500, 180, 110, 3, 16),
    "bo-cong-thuong": MinistryProfile(1100, 300, 120, 3, 20),
    "bo-nong-nghiep-va-phat-trien-nong-thon": MinistryProfile(600, 210, 120, 2, 14),
    "bo-xay-dung": MinistryProfile(300, 120, 90, 2, 10),
    "bo-thong-tin-va-truyen-thong": MinistryProfile(400, 130, 90, 2, 10),
    "bo-noi-vu": MinistryProfile(200, 90, 80, 2, 8),
    "bo-van-hoa-the-thao-va-du-lich": MinistryProfile(350, 170, 100, 2, 10),
    "bo-ngoai-giao": MinistryProfile(600, 60, 110, 3, 12),
    "ngan-hang-nha-nuoc-viet-nam": MinistryProfile(500, 140, 90, 2, 10),
    "bo-khoa-hoc-va-cong-nghe": MinistryProfile(150, 110, 80, 1, 6),
    "bo-quoc-phong": MinistryProfile(100, 90, 120, 2, 6),
    "thanh-tra-chinh-phu": MinistryProfile(30, 20, 40, 0.2, 1),
    "uy-ban-dan-toc": MinistryProfile(20, 15, 40, 1, 1),
    "van-phong-chinh-phu": MinistryProfile(40, 15, 60, 1, 1),
}

FAMILY_NAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
                "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý")
MIDDLE_NAMES = ("Văn", "Thị", "Đức", "Minh", "Thanh", "Quang", "Hữu", "Ngọc", "Thu", "Hồng", "Xuân")
GIVEN_NAMES = ("An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hương", "Hùng", "Lan", "Linh",
               "Long", "Mai", "Nam", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Việt", "Yến")

# Every role carries letters outside ASCII that Windows-1258 can encode ("á", "ó", "ă"),
# so a legacy system's Windows-1258 export of an event is never valid UTF-8 (faults.py).
PROVINCE_ROLES = (
    "Chánh Văn phòng UBND {name}",
    "Phó Chánh Văn phòng UBND {name}",
    "Giám đốc Sở Khoa học và Công nghệ {name}",
    "Giám đốc Trung tâm Phục vụ hành chính công {name}",
)
MINISTRY_ROLES = (
    "Chánh Văn phòng {name}",
    "Giám đốc Trung tâm Thông tin, {name}",
    "Vụ trưởng Vụ Kế hoạch - Tài chính, {name}",
    "Phó Chánh Văn phòng {name}",
)
