"""The web view's words in Vietnamese (the default) and English (``?lang=en``), and days
written the way each language writes them (numbers: shared/presentation/figures.py)."""

from __future__ import annotations

from datetime import date, datetime

LANGS = ("vi", "en")

TEXT = {
    "app": ("Tiến độ chuyển đổi số 2025", "Digital transformation progress 2025"),
    "dashboard": ("Tổng quan toàn quốc", "National dashboard"),
    "reports": ("Báo cáo", "Reports"),
    "login": ("Đăng nhập", "Sign in"),
    "logout": ("Đăng xuất", "Sign out"),
    "name": ("Tên đăng nhập", "User name"),
    "password": ("Mật khẩu", "Password"),
    "login_failed": ("Sai tên đăng nhập hoặc mật khẩu.", "Wrong user name or password."),
    "rate_limited": ("Quá nhiều lần đăng nhập sai; vui lòng thử lại sau 15 phút.",
                     "Too many failed sign-ins; try again in 15 minutes."),
    "day": ("Ngày", "Day"),
    "show": ("Xem", "Show"),
    "national": ("Kết quả toàn quốc theo khối", "National figures by block"),
    "late": ("Nhiệm vụ chậm, quá hạn và người chịu trách nhiệm", "Late tasks and who answers for them"),
    "target": ("Nhiệm vụ", "Task"),
    "agency": ("Cơ quan", "Agency"),
    "block": ("Khối", "Block"),
    "figure": ("Kết quả", "Figure"),
    "completion": ("Mức hoàn thành", "Completion"),
    "status": ("Tình trạng", "Status"),
    "deadline": ("Thời hạn", "Deadline"),
    "trend": ("Thay đổi so với cuối tháng trước", "Change since the last month end"),
    "history": ("Diễn biến mức hoàn thành: các cuối tháng và ngày đang xem",
                "Completion at each month end and on the day shown"),
    "chart": ("Biểu đồ mức hoàn thành toàn quốc theo khối, các cuối tháng", "National completion by block, month ends"),
    "upcoming": ("Thời hạn sắp tới", "Upcoming deadlines"),
    "days_left": ("Số ngày còn lại", "Days left"),
    "reached": ("Cơ quan đạt", "Agencies done"),
    "agencies": ("Số cơ quan", "Agencies"),
    "reporting": ("Cơ quan đã báo cáo", "Agencies reporting"),
    "accountable": ("Người chịu trách nhiệm", "Accountable"),
    "rank": ("Hạng", "Rank"),
    "observed": ("Ngày số liệu", "Observed on"),
    "tasks": ("Các nhiệm vụ", "Tasks"),
    "events": ("Sự kiện gần đây trong sổ cái", "Recent ledger events"),
    "seq": ("Số thứ tự", "Seq"),
    "kind": ("Loại", "Kind"),
    "event": ("Mã sự kiện", "Event id"),
    "amends": ("Sửa đổi sự kiện", "Amends"),
    "reporter": ("Người báo cáo", "Reported by"),
    "evidence": ("Minh chứng", "Evidence"),
    "recorded": ("Ghi sổ lúc", "Recorded at"),
    "alerts": ("Cảnh báo thời hạn", "Deadline alerts"),
    "threshold": ("Mức cảnh báo", "Threshold"),
    "rejections": ("Sự kiện bị từ chối", "Rejected events"),
    "reason": ("Mã lý do", "Reason code"),
    "message": ("Thông báo", "Message"),
    "original": ("Bản gốc", "Original"),
    "rejected": ("Từ chối lúc", "Rejected at"),
    "period": ("Kỳ báo cáo", "Period"),
    "lang": ("Ngôn ngữ", "Language"),
    "cutoff": ("Chốt số liệu đến", "Cut-off"),
    "built": ("Lập lúc", "Built at"),
    "files": ("Tệp", "Files"),
    "check": ("Kiểm tra tệp", "File check"),
    "intact": ("Khớp SHA-256 đã ghi", "Matches its recorded SHA-256"),
    "altered": ("KHÔNG khớp SHA-256 đã ghi", "Does NOT match its recorded SHA-256"),
    "absent": ("Không tìm thấy tệp", "File not found"),
    "unbuilt": ("Chưa lập xong", "Not built yet"),
    "source_projections": ("Số liệu từ bảng tổng hợp hiện hành của bộ chấm điểm",
                           "Figures from the scorer's current projections"),
    "source_snapshot": ("Số liệu từ ảnh chụp cuối tháng của bộ chấm điểm",
                        "Figures from the scorer's month-end snapshot"),
    "no_figures": ("Không có số liệu cho ngày này: bộ chấm điểm chỉ lưu số liệu hôm nay và các ngày cuối tháng.",
                   "No figures for this day: the scorer keeps today's figures and month ends only."),
    "position": ("Phản ánh sổ cái đến số thứ tự {seq} ({applied} bút toán), ghi sổ lần cuối lúc {at}.",
                 "Reflects the ledger up to seq {seq} ({applied} entries), last recorded at {at}."),
    "more_rows": ("Trang hiển thị {shown} trong {total} dòng, nghiêm trọng nhất trước; tệp CSV, Excel có đủ.",
                  "The page shows {shown} of {total} rows, the most serious first; the CSV and Excel files have them all."),
    "deliveries": ("Gửi báo cáo qua thư điện tử", "Reports e-mailed"),
    "recipient": ("Người nhận", "Recipient"),
    "delivery_status": ("Trạng thái gửi", "Delivery status"),
    "attempts": ("Số lần thử", "Attempts"),
    "server_answer": ("Trả lời của máy chủ thư", "Mail server's answer"),
    "next_attempt": ("Thử lại lúc", "Next attempt"),
    "sent_at": ("Gửi lúc", "Sent at"),
    "pending": ("Chờ gửi", "Pending"),
    "sent": ("Đã gửi", "Sent"),
    "failed": ("Gửi lỗi", "Failed"),
    "given_up": ("Gửi lỗi, đã dừng thử lại", "Failed, no more attempts"),
    "download": ("Tải về", "Download"),
    "none": ("Không có.", "None."),
    "not_found": ("Không tìm thấy trang.", "Page not found."),
    "switch": ("English", "Tiếng Việt"),
    "refresh_note": ("Trang tự làm mới mỗi phút.", "This page refreshes itself every minute."),
}

# Event kinds (shared/domain/events.py EventKind) and alert thresholds in words.
KINDS = {
    "measurement": ("Số liệu", "Measurement"),
    "milestone": ("Mốc hoàn thành", "Milestone"),
    "correction": ("Đính chính", "Correction"),
    "retraction": ("Thu hồi", "Retraction"),
    "explanation": ("Giải trình", "Explanation"),
    "30d": ("Còn 30 ngày", "30 days left"),
    "7d": ("Còn 7 ngày", "7 days left"),
    "1d": ("Còn 1 ngày", "1 day left"),
    "overdue": ("Quá hạn", "Overdue"),
}



def t(key: str, lang: str) -> str:
    """The phrase ``key`` in ``lang``."""
    vi, en = TEXT[key]
    return vi if lang == "vi" else en


def kind(code: str, lang: str) -> str:
    """An event kind or an alert threshold in words (the code itself if unknown)."""
    vi, en = KINDS.get(code, (code, code))
    return vi if lang == "vi" else en


def day_text(day: date | None, lang: str) -> str:
    """A day as people write it: 31/12/2025 in Vietnamese, 2025-12-31 in English."""
    if day is None:
        return "–"
    return day.strftime("%d/%m/%Y") if lang == "vi" else day.isoformat()


def cell(value: object, lang: str) -> str:
    """A table cell as the page prints it: days and instants as people write them, "–" for nothing."""
    if value is None or value == "":
        return "–"
    if isinstance(value, datetime):
        return value.strftime("%H:%M %d/%m/%Y UTC") if lang == "vi" else value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return day_text(value, lang)
    return str(value)
