"""Words and number formats of the report, in Vietnamese (the default) and English.

Vietnamese writes 395.120 and 83,8 %; English 395,120 and 83.8 %. Names of targets and
agencies come from the catalogue and the registry; everything else a reader sees is here."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from shared.domain.agencies import get_agency
from shared.domain.catalogue import Target, TargetKind
from shared.domain.reasons import describe
from shared.domain.temporal import VIETNAM_TZ
from shared.presentation.labels import STATUS_EN, STATUS_VI

from services.report.period import Period, PeriodKind
from services.report.scoring import Status

LANGUAGES = ("vi", "en")

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")

LABELS: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Báo cáo tiến độ chuyển đổi số",
        "subtitle": "Thực hiện các chỉ tiêu năm 2025 — Đề án 06, Nghị quyết 57-NQ/TW",
        "addressee": "Kính gửi: Ban Chỉ đạo của Chính phủ về phát triển khoa học, công nghệ, đổi mới sáng tạo, "
                     "chuyển đổi số và Đề án 06",
        "period": "Kỳ báo cáo",
        "as_of": "Số liệu tính đến ngày",
        "cutoff": "Thời điểm chốt sổ cái",
        "vietnam_time": "giờ Việt Nam",
        "position": "Vị trí sổ cái",
        "position_text": "đến bút toán số {seq}",
        "dead_letters": "Sự kiện bị từ chối đã xét",
        "dead_letters_text": "đến mã {n} của hàng đợi thư lỗi",
        "tree": "Cây Merkle của sổ cái",
        "tree_text": "{n} lá: các bút toán đến vị trí chốt",
        "tree_root": "Gốc cây (SHA-256)",
        "tree_head": "Đầu cây đã ký",
        "tree_head_text": "cây {size} lá, ký lúc {at}, khóa {key_id}",
        "tree_note": "Đầu cây được ký bằng khóa của sổ cái; bằng chứng nhất quán (RFC 9162) từ cây của báo cáo "
                     "đến đầu cây nằm trong khối số liệu của tệp, và bản thân báo cáo được ký bằng khóa báo cáo",
        "tree_none": "Sổ cái chưa có bút toán nào tại thời điểm chốt.",
        "verify_hint": "Kiểm chứng: tiendo report verify <tệp báo cáo>",
        "summary": "1. Tóm tắt",
        "summary_intro": "Tình hình thực hiện {n} chỉ tiêu năm 2025 tính đến ngày {day}: {counts}. "
                         "Số liệu toàn quốc là Σ tử số ÷ Σ mẫu số (tỷ lệ), Σ số lượng, hoặc tỷ lệ cơ quan đã "
                         "hoàn thành (mốc); cột cuối so với ngày {previous} ({previous_period}).",
        "target": "Chỉ tiêu",
        "goal": "Mục tiêu",
        "deadline": "Hạn",
        "national": "Toàn quốc",
        "completion": "Hoàn thành",
        "status": "Trạng thái",
        "change": "So với kỳ trước",
        "reporting": "Báo cáo",
        "charts": "2. Biểu đồ",
        "chart_progress": "Mức hoàn thành toàn quốc theo chỉ tiêu",
        "chart_distribution": "Phân bố tỉnh, thành phố theo trạng thái",
        "chart_trend": "Diễn biến mức hoàn thành toàn quốc (cuối mỗi tháng)",
        "late": "3. Nhiệm vụ quá hạn và có nguy cơ chậm",
        "late_motto": "Rõ người, rõ việc, rõ thời gian, rõ trách nhiệm, rõ kết quả.",
        "late_intro": "Tính đến ngày {day}: {overdue} lượt cơ quan × nhiệm vụ quá hạn và {at_risk} lượt có nguy "
                      "cơ chậm, nhóm theo nhiệm vụ; nhiệm vụ trễ lâu nhất trước, sau đó là nhiệm vụ sắp đến hạn.",
        "late_none": "Không có nhiệm vụ quá hạn hoặc có nguy cơ chậm.",
        "agency": "Cơ quan",
        "task": "Nhiệm vụ",
        "last_reporter": "Người báo cáo cuối",
        "last_figure": "Số liệu cuối",
        "late_by": "trễ {n} ngày",
        "left": "còn {n} ngày",
        "rolled_up": "cộng dồn từ đơn vị trước sáp nhập",
        "task_no": "Nhiệm vụ {no}",
        "agencies_count": "{n} cơ quan",
        "never_reported": "Chưa báo cáo lần nào",
        "observed": "Ngày số liệu",
        "no_report": "chưa báo cáo",
        "leaderboards": "4. Bảng xếp hạng",
        "leaderboard_intro": "Điểm tổng hợp là bình quân có trọng số mức hoàn thành các chỉ tiêu áp dụng cho "
                             "cơ quan (chưa có số liệu tính 0), thang 100; thay đổi hạng so với ngày {previous}.",
        "provinces": "4.1. Tỉnh, thành phố trực thuộc trung ương ({n})",
        "ministries": "4.2. Bộ, cơ quan ngang bộ ({n})",
        "rank": "Hạng",
        "score": "Điểm",
        "rank_change": "Thay đổi",
        "previous_rank": "Kỳ trước",
        "new_unit": "đơn vị mới",
        "discipline": "5. Kỷ luật báo cáo",
        "silent": "5.1. Cơ quan không gửi báo cáo nào trong kỳ",
        "silent_intro": "{n}/{total} cơ quan không có sự kiện nào được ghi sổ với ngày báo cáo trong kỳ.",
        "silent_none": "Tất cả {total} cơ quan đều đã gửi báo cáo trong kỳ.",
        "rejected": "5.2. Sự kiện bị từ chối theo lý do",
        "rejected_intro": "{n} sự kiện gửi trong kỳ bị từ chối và chuyển vào hàng đợi thư lỗi.",
        "rejected_none": "Không có sự kiện nào gửi trong kỳ bị từ chối.",
        "reason_code": "Mã lý do",
        "reason": "Lý do",
        "events": "Số sự kiện",
        "amendments": "6. Đính chính số liệu trong kỳ",
        "amendments_intro": "{n} đính chính hoặc thu hồi được gửi trong kỳ ({corrections} đính chính, "
                            "{retractions} thu hồi) từ {agencies} cơ quan. Sổ cái giữ nguyên số liệu gốc; số liệu "
                            "mới thay thế từ thời điểm ghi sổ.",
        "amendments_none": "Không có đính chính hoặc thu hồi nào trong kỳ.",
        "amendments_by_target": "6.1. Theo chỉ tiêu",
        "amendments_by_agency": "6.2. Cơ quan đính chính, thu hồi nhiều nhất",
        "amendments_by_agency_intro": "{shown} trong số {n} cơ quan có đính chính hoặc thu hồi trong kỳ, "
                                      "nhiều nhất trước.",
        "amendments_recent": "6.3. Các đính chính, thu hồi gần nhất",
        "amendments_recent_all": "Toàn bộ {n} đính chính, thu hồi trong kỳ, mới nhất trước.",
        "amendments_recent_some": "{shown} đính chính, thu hồi gửi gần nhất, mới nhất trước; {more} đính chính, "
                                  "thu hồi khác không in ở đây. Xem toàn bộ: {command}",
        "corrections": "Đính chính",
        "retractions": "Thu hồi",
        "agencies_col": "Số cơ quan",
        "total": "Tổng",
        "reported_on": "Ngày báo cáo",
        "kind": "Loại",
        "before_after": "Số liệu cũ → mới",
        "reporter": "Người báo cáo",
        "evidence": "Căn cứ",
        "correction": "đính chính",
        "retraction": "thu hồi",
        "withdrawn": "(rút bỏ)",
        "method": "Phụ lục. Phương pháp",
        "done": "đã xong",
        "goal_done": "hoàn thành",
        "not_done": "chưa xong",
        "done_of": "{done}/{of} cơ quan",
        "unchanged": "không đổi",
        "first_figure": "số liệu đầu tiên",
        "none": "—",
        "agencies_unit": "cơ quan",
        "pp": "điểm %",
        "page": "Trang",
    },
    "en": {
        "title": "Digital transformation progress report",
        "subtitle": "The 2025 targets — Project 06, Resolution 57-NQ/TW",
        "addressee": "To: the Government Steering Committee for science, technology, innovation, digital "
                     "transformation and Project 06",
        "period": "Period",
        "as_of": "Figures as of",
        "cutoff": "Ledger cut-off",
        "vietnam_time": "Vietnam time",
        "position": "Ledger position",
        "position_text": "up to entry {seq}",
        "dead_letters": "Rejected events considered",
        "dead_letters_text": "up to dead letter {n}",
        "tree": "Ledger Merkle tree",
        "tree_text": "{n} leaves: the entries up to the cut-off",
        "tree_root": "Tree root (SHA-256)",
        "tree_head": "Signed tree head",
        "tree_head_text": "a tree of {size} leaves, signed {at}, key {key_id}",
        "tree_note": "The head is signed with the ledger's key; the consistency proof (RFC 9162) from the report's "
                     "tree to the head is in the file's figures block, and the report itself is signed with the "
                     "reports key",
        "tree_none": "The ledger held no entry at the cut-off.",
        "verify_hint": "Check it: tiendo report verify <report file>",
        "summary": "1. Executive summary",
        "summary_intro": "The {n} targets for 2025 as of {day}: {counts}. A national figure is Σ numerators ÷ "
                         "Σ denominators (ratios), Σ counts, or the share of agencies done (milestones); the last "
                         "column compares with {previous} ({previous_period}).",
        "target": "Target",
        "goal": "Goal",
        "deadline": "Deadline",
        "national": "National",
        "completion": "Completion",
        "status": "Status",
        "change": "Change",
        "reporting": "Reported",
        "charts": "2. Charts",
        "chart_progress": "National completion by target",
        "chart_distribution": "Provinces by status",
        "chart_trend": "National completion over time (month ends)",
        "late": "3. Overdue and at-risk tasks",
        "late_motto": "Clear owner, clear task, clear deadline, clear responsibility, clear result.",
        "late_intro": "As of {day}: {overdue} overdue and {at_risk} at-risk agency × task pairs, grouped by task; "
                      "the longest overdue first, then the tasks nearest their deadline.",
        "late_none": "No task is overdue or at risk.",
        "agency": "Agency",
        "task": "Task",
        "last_reporter": "Last reporter",
        "last_figure": "Last figure",
        "late_by": "{n} days late",
        "left": "{n} days left",
        "rolled_up": "rolled up from merged units",
        "task_no": "Task {no}",
        "agencies_count": "{n} agencies",
        "never_reported": "Never reported",
        "observed": "Figure date",
        "no_report": "never reported",
        "leaderboards": "4. Leaderboards",
        "leaderboard_intro": "The composite score is the weighted mean completion of the targets that apply to "
                             "the agency (no figure counts as 0), out of 100; rank changes since {previous}.",
        "provinces": "4.1. Provinces and centrally governed cities ({n})",
        "ministries": "4.2. Ministries and ministerial-level agencies ({n})",
        "rank": "Rank",
        "score": "Score",
        "rank_change": "Change",
        "previous_rank": "Before",
        "new_unit": "new unit",
        "discipline": "5. Reporting discipline",
        "silent": "5.1. Agencies that sent no report in the period",
        "silent_intro": "{n} of {total} agencies have no recorded event reported during the period.",
        "silent_none": "All {total} agencies reported during the period.",
        "rejected": "5.2. Rejected events by reason",
        "rejected_intro": "{n} events sent during the period were rejected and sent to the dead-letter queue.",
        "rejected_none": "No event sent during the period was rejected.",
        "reason_code": "Reason code",
        "reason": "Reason",
        "events": "Events",
        "amendments": "6. Corrections made during the period",
        "amendments_intro": "{n} corrections or retractions were sent during the period ({corrections} "
                            "corrections, {retractions} retractions) by {agencies} agencies. The ledger keeps the "
                            "original figure; the new one applies from the moment it was recorded.",
        "amendments_none": "No correction or retraction was sent during the period.",
        "amendments_by_target": "6.1. By target",
        "amendments_by_agency": "6.2. Agencies that amended most",
        "amendments_by_agency_intro": "{shown} of the {n} agencies that sent corrections or retractions during "
                                      "the period, most first.",
        "amendments_recent": "6.3. The most recent corrections and retractions",
        "amendments_recent_all": "All {n} corrections and retractions of the period, newest first.",
        "amendments_recent_some": "The {shown} sent last, newest first; {more} more are not printed here. "
                                  "List them all: {command}",
        "corrections": "Corrections",
        "retractions": "Retractions",
        "agencies_col": "Agencies",
        "total": "Total",
        "reported_on": "Reported on",
        "kind": "Kind",
        "before_after": "Old → new figure",
        "reporter": "Reporter",
        "evidence": "Evidence",
        "correction": "correction",
        "retraction": "retraction",
        "withdrawn": "(withdrawn)",
        "method": "Appendix. Method",
        "done": "done",
        "goal_done": "complete",
        "not_done": "not done",
        "done_of": "{done} of {of} agencies",
        "unchanged": "no change",
        "first_figure": "first figure",
        "none": "—",
        "agencies_unit": "agencies",
        "pp": "pp",
        "page": "Page",
    },
}

METHOD: dict[str, tuple[str, ...]] = {
    "vi": (
        "Nguồn số liệu. Mọi con số được tính lại từ sổ cái chỉ-ghi-thêm của Tiến độ, gồm các bút toán đến vị trí "
        "chốt in ở trang bìa; các sự kiện ghi sổ sau thời điểm chốt không được tính. Báo cáo dựng lại với cùng "
        "kỳ và cùng thời điểm chốt cho kết quả giống hệt từng byte (Markdown, HTML).",
        "Giá trị của một cơ quan đối với một chỉ tiêu vào một ngày là số liệu mới nhất theo ngày số liệu "
        "(observed_at), sau khi áp dụng các đính chính và loại bỏ các sự kiện bị thu hồi. Tỉnh, bộ hình thành do "
        "sáp nhập năm 2025 mang lịch sử cộng dồn của các đơn vị cũ (Σ tử số ÷ Σ mẫu số, không lấy bình quân tỷ lệ).",
        "Mức hoàn thành = min(1, giá trị ÷ mục tiêu); chỉ tiêu dạng mốc tính 0 hoặc 1. Trạng thái: đạt; quá hạn "
        "(đã qua hạn mà chưa đạt); chưa có số liệu (không có số liệu trong 35 ngày); đúng tiến độ hoặc có nguy cơ "
        "chậm theo xu hướng của hai số liệu gần nhất kéo dài đến hạn.",
        "Số liệu toàn quốc: tỷ lệ = Σ tử số ÷ Σ mẫu số; số lượng = Σ; mốc = tỷ lệ cơ quan áp dụng đã hoàn thành. "
        "Điểm tổng hợp = bình quân có trọng số mức hoàn thành các chỉ tiêu áp dụng cho cơ quan, xếp hạng riêng "
        "cho bộ, ngành và cho tỉnh, thành phố (bằng điểm thì cùng hạng).",
        "Hoạt động trong kỳ (cơ quan đã báo cáo, đính chính, sự kiện bị từ chối) được xác định theo thời điểm cơ "
        "quan gửi (reported_at, giờ Việt Nam); sự kiện không đọc được thì theo thời điểm bị từ chối. Số liệu kỳ "
        "trước được tính từ cùng vị trí sổ cái, nên đã gồm cả báo cáo muộn và đính chính.",
        "Tính toàn vẹn. Mỗi cơ quan có một chuỗi băm, và toàn bộ sổ cái là một cây Merkle (RFC 9162) có các lá "
        "là mã băm của các bút toán theo thứ tự ghi sổ. Báo cáo ghi kích thước và gốc của cây gồm đúng các bút "
        "toán được tính, kèm một đầu cây đã ký bằng khóa của sổ cái và bằng chứng rằng cây đó là phần đầu của đầu "
        "cây. Bản thân báo cáo được ký: tệp PDF bằng chữ ký PAdES, tệp Markdown và HTML bằng tệp chữ ký rời (.sig). "
        "Lệnh tiendo report verify kiểm tra các chữ ký và bằng chứng, kiểm tra sổ cái hiện nay vẫn nối tiếp đầu cây "
        "đã ký, rồi dựng lại toàn bộ báo cáo (số liệu, bảng và biểu đồ) từ sổ cái để so sánh.",
    ),
    "en": (
        "Source. Every figure is recomputed from the Tiến độ append-only ledger, up to the position printed on "
        "the cover; events recorded after the cut-off are not counted. Rebuilt for the same period and cut-off, "
        "the report is byte-identical (Markdown, HTML).",
        "An agency's value for a target on a day is its latest figure by observed_at, with corrections applied "
        "and retracted events removed. Provinces and ministries formed by the 2025 mergers carry the rolled-up "
        "history of their predecessors (Σ numerators ÷ Σ denominators, never an average of percentages).",
        "Completion = min(1, value ÷ target); a milestone counts 0 or 1. Status: met; overdue (past the deadline, "
        "not met); no data (no figure within 35 days); on track or at risk by extending the trend of the last two "
        "figures to the deadline.",
        "National figures: ratio = Σ numerators ÷ Σ denominators; count = Σ; milestone = share of applicable "
        "agencies done. Composite score = weighted mean completion of the targets that apply to the agency, "
        "ranked separately for ministries and provinces (equal scores share a rank).",
        "Activity in the period (who reported, corrections, rejected events) is dated by when the agency sent it "
        "(reported_at, Vietnam time); an unreadable rejected message by when it was rejected. The previous "
        "period's figures come from the same ledger position, so they include late reports and corrections.",
        "Integrity. Each agency has one hash chain, and the whole ledger is a Merkle tree (RFC 9162) whose leaves "
        "are the entries' hashes in ledger order. The report names the size and root of the tree of exactly the "
        "entries it counts, with a tree head signed by the ledger's key and the proof that this tree is a prefix "
        "of the head's. The report itself is signed: the PDF with a PAdES signature, Markdown and HTML with a "
        "detached signature file (.sig). tiendo report verify checks the signatures and the proof, that today's "
        "ledger still extends the signed head, and rebuilds the whole report (figures, tables and charts) from "
        "the ledger to compare.",
    ),
}


class Texts:
    """Labels and number, date and figure formats of one language."""

    def __init__(self, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")
        self.lang = lang
        self.labels = LABELS[lang]
        self.method_paragraphs = METHOD[lang]

    def __getitem__(self, key: str) -> str:
        return self.labels[key]

    def fmt(self, key: str, **values: Any) -> str:
        """A label with its ``{placeholders}`` filled in."""
        return self.labels[key].format(**values)

    # ---- numbers ---------------------------------------------------------------------
    def number(self, n: int | float, digits: int = 0) -> str:
        """Grouped thousands, ``digits`` decimals, in the language's separators."""
        text = f"{n:,.{digits}f}"
        if self.lang == "vi":
            text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return text

    def pct(self, share: float | None, digits: int = 1) -> str:
        """A share (0.838) as a percentage ("83,8 %"). A share short of 1 never shows as
        100 %: 99.98 % reads "99,9 %", since "100 %" would say the target is met."""
        if share is None:
            return self["none"]
        percent = share * 100
        if share < 1 and round(percent, digits) >= 100:
            percent = 100 - 10 ** -digits
        return f"{self.number(percent, digits)} %"

    def signed(self, n: float, digits: int = 0) -> str:
        """A change with its sign; a true minus sign, not a hyphen."""
        text = self.number(abs(n), digits)
        return f"+{text}" if n > 0 else (f"−{text}" if n < 0 else text)

    # ---- dates ----------------------------------------------------------------------------
    def day(self, d: date | None) -> str:
        if d is None:
            return self["none"]
        if self.lang == "vi":
            return d.strftime("%d/%m/%Y")
        return f"{d.day} {_MONTHS_EN[d.month - 1][:3]} {d.year}"

    def month(self, d: date) -> str:
        """A month on a chart axis: "06/25", "Jun 25"."""
        if self.lang == "vi":
            return f"{d.month:02d}/{d.year % 100:02d}"
        return f"{_MONTHS_EN[d.month - 1][:3]} {d.year % 100:02d}"

    def instant(self, at: datetime) -> str:
        """An instant in Vietnam time, to the minute."""
        local = at.astimezone(VIETNAM_TZ)
        return f"{self.day(local.date())} {local:%H:%M} ({self['vietnam_time']})"

    def period(self, p: Period) -> str:
        """``Quý II/2025`` / ``Q2 2025``."""
        vi = self.lang == "vi"
        if p.kind is PeriodKind.MONTH:
            return f"Tháng {p.index}/{p.year}" if vi else f"{_MONTHS_EN[p.index - 1]} {p.year}"
        if p.kind is PeriodKind.QUARTER:
            return f"Quý {_ROMAN[p.index]}/{p.year}" if vi else f"Q{p.index} {p.year}"
        return f"Năm {p.year}" if vi else f"Year {p.year}"

    def span(self, p: Period) -> str:
        return f"{self.day(p.start)} – {self.day(p.end)}"

    # ---- names ----------------------------------------------------------------------------
    def status(self, status: str) -> str:
        s = Status(status)
        return STATUS_VI[s] if self.lang == "vi" else STATUS_EN[s]

    def target_name(self, target: Target) -> str:
        return target.name_vi if self.lang == "vi" else target.name_en

    def agency_name(self, agency_id: str) -> str:
        """The agency's name; a unit whose successor took over its very name (Thành phố Đà
        Nẵng before and after the 2025 merger) is told apart by its last day."""
        agency = get_agency(agency_id)
        name = (agency.name_en or agency.name_vi) if self.lang == "en" else agency.name_vi
        if agency.successor is not None and get_agency(agency.successor).name_vi == agency.name_vi:
            until = "đến" if self.lang == "vi" else "until"
            return f"{name} ({until} {self.day(agency.valid_to)})"
        return name

    def reason(self, code: str) -> str:
        """The reason code's description in this language."""
        vietnamese, english = describe(code).split(" — ", 1)
        return vietnamese if self.lang == "vi" else english

    # ---- figures ----------------------------------------------------------------------------
    def unit(self, target: Target) -> str:
        return target.unit if self.lang == "vi" else target.unit_en

    def goal(self, target: Target) -> str:
        """The target value in words: "≥ 80 %", "324 thủ tục", "hoàn thành"."""
        if target.kind is TargetKind.RATIO:
            sign = "≥ " if target.higher_is_better and target.target_value < 1 else ""
            return f"{sign}{self.pct(target.target_value, 0)}"
        if target.kind is TargetKind.COUNT:
            return f"{self.number(target.target_value)} {self.unit(target)}"
        return self["goal_done"]

    def national_value(self, target: Target, value: float | None, numerator: int | None,
                       denominator: int | None) -> str:
        """A national figure: a percentage, a count, or agencies done of applicable."""
        if value is None:
            return self["none"]
        if target.kind is TargetKind.RATIO:
            return self.pct(value)
        if target.kind is TargetKind.COUNT:
            return self.number(value)
        return self.fmt("done_of", done=self.number(numerator), of=self.number(denominator))

    def agency_value(self, target: Target, value: float | None, numerator: int | None,
                     denominator: int | None) -> str:
        """One agency's figure: "62,5 % (125/200)", "17", "đã xong"."""
        if value is None:
            return self["no_report"]
        if target.kind is TargetKind.RATIO:
            return f"{self.pct(value)} ({self.number(numerator)}/{self.number(denominator)})"
        if target.kind is TargetKind.COUNT:
            return self.number(value)
        return self["done"] if value >= 1 else self["not_done"]

    def figure(self, figure: dict[str, Any] | None) -> str:
        """A figure as an event carries it (``{"type": "ratio", ...}``)."""
        if figure is None:
            return self["withdrawn"]
        if figure["type"] == "ratio":
            share = figure["numerator"] / figure["denominator"]
            return f"{self.pct(share)} ({self.number(figure['numerator'])}/{self.number(figure['denominator'])})"
        if figure["type"] == "count":
            return self.number(figure["count"])
        if figure["done"]:
            return f"{self['done']} ({self.day(date.fromisoformat(figure['done_on']))})"
        return self["not_done"]

    def change(self, target: Target, value: float | None, numerator: int | None, previous: float | None,
               previous_numerator: int | None) -> str:
        """The change of a national figure since the previous period: percentage points,
        a count, or agencies done."""
        if value is None:
            return self["none"]
        if previous is None:
            return self["first_figure"]
        if target.kind is TargetKind.RATIO:
            delta = round((value - previous) * 100, 1)
            return self["unchanged"] if delta == 0 else f"{self.signed(delta, 1)} {self['pp']}"
        if target.kind is TargetKind.COUNT:
            delta = value - previous
            return self["unchanged"] if delta == 0 else self.signed(delta)
        delta = (numerator or 0) - (previous_numerator or 0)
        return self["unchanged"] if delta == 0 else f"{self.signed(delta)} {self['agencies_unit']}"

    def rank_change(self, rank: int, previous: int | None) -> str:
        """"▲ 3" (up three places), "▼ 2", "=", or "new unit"."""
        if previous is None:
            return self["new_unit"]
        moved = previous - rank
        if moved > 0:
            return f"▲ {moved}"
        if moved < 0:
            return f"▼ {-moved}"
        return "="
