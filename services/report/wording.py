"""The report's words in Vietnamese (the default) and English, as the Government Office
writes a progress report: unit types in lower case in running text, "77,6%", differences
of percentages in "điểm phần trăm", the statuses of shared.presentation.labels. The
English report says the same things in the same places.

Technical words (ledger positions, Merkle trees, reason codes, commands) appear only in
the labels of the appendix."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Báo cáo tình hình thực hiện các chỉ tiêu chuyển đổi số năm 2025",
        "subject": "Tình hình thực hiện các chỉ tiêu chuyển đổi số năm 2025 (Nghị quyết số 57-NQ/TW, Đề án 06), "
                   "{period}",
        "subject_short": "V/v tình hình thực hiện các chỉ tiêu chuyển đổi số năm 2025, {period}",
        "opening": "Thực hiện Nghị quyết số 57-NQ/TW của Bộ Chính trị, Đề án 06 và các kết luận của Ban Chỉ đạo, "
                   "trên cơ sở số liệu các bộ, ngành, địa phương báo cáo qua hệ thống Tiến độ tính đến ngày {day}, "
                   "Ban Chỉ đạo báo cáo tình hình thực hiện các chỉ tiêu năm 2025 trong {period} ({span}) như sau:",
        # I. Results
        "summary": "I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU",
        "summary_intro": "Tính đến ngày {day}, trong {n} chỉ tiêu năm 2025: {counts}. Số liệu được tính riêng "
                         "cho khối bộ, ngành và khối địa phương; chỉ tiêu áp dụng cho cả hai khối có thêm số "
                         "liệu chung. Cột «So với kỳ trước» so với ngày {previous} ({previous_period}).",
        "block_ministry": "Khối bộ, ngành",
        "block_province": "Khối địa phương",
        "block_all": "Chung hai khối",
        "block_heading": "{no}. {block}",
        "target": "Chỉ tiêu",
        "goal": "Mục tiêu",
        "deadline": "Thời hạn",
        "no_deadline": "Không có thời hạn",
        "result": "Kết quả",
        "completion": "Mức đạt so với mục tiêu",
        "status": "Đánh giá",
        "change": "So với kỳ trước",
        "reporting": "Cơ quan có số liệu trong 35 ngày",
        "agencies_met": "{met}/{of} cơ quan đạt",
        "met_change": "{delta} cơ quan đạt",
        # II. Charts
        "charts": "II. BIỂU ĐỒ",
        "chart_progress": "Mức đạt so với mục tiêu của từng chỉ tiêu",
        "chart_distribution": "Số tỉnh, thành phố theo đánh giá, từng chỉ tiêu",
        "chart_trend": "Diễn biến mức đạt so với mục tiêu (cuối mỗi tháng)",
        # Tables' captions: "Bảng 3. Xếp hạng: Khối địa phương (34 tỉnh, thành phố)".
        "table_no": "Bảng {n}",
        "caption_summary": "Kết quả thực hiện các chỉ tiêu",
        "caption_late": "Cơ quan chưa hoàn thành chỉ tiêu {no}",
        "caption_board": "Xếp hạng",
        "caption_amendments": "Đính chính, thu hồi số liệu",
        # III. Late tasks
        "late": "III. NHIỆM VỤ QUÁ HẠN, CÓ NGUY CƠ CHẬM TIẾN ĐỘ",
        "late_request": "Đề nghị các cơ quan dưới đây khẩn trương hoàn thành, báo cáo trước ngày {day}, bảo đảm "
                        "rõ người, rõ việc, rõ thời gian, rõ trách nhiệm, rõ kết quả.",
        "late_intro": "Tính đến ngày {day}: {overdue} nhiệm vụ của các cơ quan quá hạn, chưa hoàn thành và "
                      "{at_risk} nhiệm vụ chậm so với lộ trình, nhóm theo nhiệm vụ; nhiệm vụ quá hạn lâu nhất "
                      "trước, sau đó là nhiệm vụ gần đến hạn.",
        "late_none": "Không có nhiệm vụ quá hạn hoặc có nguy cơ chậm tiến độ.",
        "task_no": "Chỉ tiêu {no}",
        "agencies_count": "{n} cơ quan",
        "left": "còn {n} ngày",
        "agency": "Cơ quan",
        "head": "Người đứng đầu chịu trách nhiệm",
        "latest_figure": "Số liệu gần nhất",
        "latest_reporter": "Người báo cáo gần nhất",
        "figure_on": "ngày {day}",
        "rolled_up": "cộng dồn số liệu các đơn vị trước sắp xếp",
        "explanation": "Giải trình",
        "no_explanation": "Chưa giải trình",
        "cause": "Nguyên nhân",
        "action": "Giải pháp",
        "committed": "Cam kết hoàn thành",
        "committed_passed": "đã quá ngày cam kết, chưa hoàn thành",
        "never_reported": "Chưa có báo cáo",
        "never_heading": "Chưa có báo cáo, chưa giải trình ({n} cơ quan; người đứng đầu từng cơ quan chịu trách "
                         "nhiệm):",
        # IV. Rankings
        "leaderboards": "IV. XẾP HẠNG THEO ĐIỂM TỔNG HỢP CỦA TIẾN ĐỘ",
        "leaderboard_intro": "Điểm tổng hợp của Tiến độ là chỉ số riêng của hệ thống Tiến độ, không phải Bộ chỉ "
                             "số 766 hay Chỉ số chuyển đổi số (DTI): bình quân có trọng số mức đạt so với mục "
                             "tiêu của các chỉ tiêu áp dụng cho cơ quan (chưa báo cáo tính 0), thang điểm 100, "
                             "xếp hạng riêng từng khối; thay đổi hạng so với ngày {previous}.",
        "ministries": "1. Khối bộ, ngành ({n} cơ quan)",
        "provinces": "2. Khối địa phương ({n} tỉnh, thành phố)",
        "rank": "Hạng",
        "score": "Điểm tổng hợp",
        "rank_change": "Thay đổi hạng",
        "previous_rank": "Hạng kỳ trước",
        "new_unit": "đơn vị mới",
        # V. Reporting discipline
        "discipline": "V. CHẤP HÀNH CHẾ ĐỘ BÁO CÁO",
        "silent": "1. Cơ quan chưa gửi báo cáo trong kỳ",
        "silent_intro": "{n}/{total} cơ quan chưa gửi báo cáo nào trong kỳ:",
        "silent_none": "Tất cả {total} cơ quan đã gửi báo cáo trong kỳ.",
        "rejected": "2. Báo cáo không hợp lệ",
        "rejected_intro": "{n} báo cáo gửi trong kỳ không hợp lệ và đã bị trả lại để cơ quan gửi lại; chi tiết "
                          "theo lý do tại Phụ lục I.",
        "rejected_none": "Không có báo cáo nào gửi trong kỳ bị trả lại.",
        # VI. Corrections
        "amendments": "VI. ĐÍNH CHÍNH SỐ LIỆU TRONG KỲ",
        "amendments_intro": "Trong kỳ có {n} lượt đính chính hoặc thu hồi số liệu ({corrections} đính chính, "
                            "{retractions} thu hồi) của {agencies} cơ quan. Số liệu gốc được lưu giữ; số liệu "
                            "mới thay thế kể từ khi được ghi nhận.",
        "amendments_none": "Không có đính chính hoặc thu hồi số liệu nào trong kỳ.",
        "amendments_by_target": "1. Theo chỉ tiêu",
        "amendments_by_agency": "2. Cơ quan đính chính, thu hồi nhiều nhất",
        "amendments_by_agency_intro": "{shown} trong số {n} cơ quan có đính chính hoặc thu hồi trong kỳ, "
                                      "nhiều nhất trước.",
        "amendments_recent": "3. Các đính chính, thu hồi gần nhất",
        "amendments_recent_all": "Toàn bộ {n} lượt đính chính, thu hồi trong kỳ, mới nhất trước.",
        "amendments_recent_some": "{shown} lượt gửi gần nhất, mới nhất trước; {more} lượt khác không in ở đây "
                                  "(cách lấy danh sách đầy đủ: Phụ lục I).",
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
        # Appendices
        "appendix_tech": "PHỤ LỤC I. THÔNG TIN KIỂM CHỨNG SỐ LIỆU",
        "appendix_tech_intro": "Kèm theo Báo cáo; dành cho bộ phận kỹ thuật và kiểm toán.",
        "cutoff_heading": "1. Thời điểm chốt số liệu",
        "rejected_codes": "2. Báo cáo không hợp lệ theo mã lý do",
        "amendments_command": "3. Danh sách đầy đủ các đính chính, thu hồi",
        "appendix_method": "PHỤ LỤC II. PHƯƠNG PHÁP TÍNH",
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
        "reason_code": "Mã lý do",
        "reason": "Lý do",
        "events": "Số sự kiện",
        "list_command": "Lệnh liệt kê toàn bộ {n} lượt đính chính, thu hồi của kỳ: {command}",
        # Figures
        "done": "đã hoàn thành",
        "goal_done": "hoàn thành",
        "not_done": "chưa hoàn thành",
        "done_of": "{done}/{of} cơ quan",
        "unchanged": "không đổi",
        "first_figure": "kỳ trước chưa có số liệu",
        "none": "—",
        "agencies_unit": "cơ quan",
        "pp": "điểm phần trăm",
        "until": "đến",
        "page": "Trang",
    },
    "en": {
        "title": "Report on the 2025 digital transformation targets",
        "subject": "Progress on the 2025 digital transformation targets (Resolution 57-NQ/TW, Project 06), "
                   "{period}",
        "subject_short": "Re: progress on the 2025 digital transformation targets, {period}",
        "opening": "Pursuant to Politburo Resolution 57-NQ/TW, Project 06 and the conclusions of the Steering "
                   "Committee, on the figures ministries, sectors and localities reported through the Tiến độ "
                   "system up to {day}, the Steering Committee reports on the 2025 targets in {period} ({span}) "
                   "as follows:",
        "summary": "I. RESULTS BY TARGET",
        "summary_intro": "As of {day}, of the {n} targets for 2025: {counts}. Figures are given separately for "
                         "the ministries and sectors and for the localities; a target that applies to both also "
                         "has a figure for both together. \u201cChange\u201d compares with {previous} "
                         "({previous_period}).",
        "block_ministry": "Ministries and sectors",
        "block_province": "Localities",
        "block_all": "Both blocks together",
        "block_heading": "{no}. {block}",
        "target": "Target",
        "goal": "Goal",
        "deadline": "Deadline",
        "no_deadline": "No deadline",
        "result": "Result",
        "completion": "Achieved against the goal",
        "status": "Assessment",
        "change": "Change",
        "reporting": "Agencies with a figure in the last 35 days",
        "agencies_met": "{met} of {of} agencies met it",
        "met_change": "{delta} agencies meeting it",
        "charts": "II. CHARTS",
        "chart_progress": "Achievement against the goal, by target",
        "chart_distribution": "Provinces by assessment, per target",
        "chart_trend": "Achievement against the goal over time (month ends)",
        "table_no": "Table {n}",
        "caption_summary": "Results by target",
        "caption_late": "Agencies that have not met target {no}",
        "caption_board": "Ranking",
        "caption_amendments": "Corrections and retractions",
        "late": "III. OVERDUE TASKS AND TASKS AT RISK OF DELAY",
        "late_request": "The agencies below are requested to complete these tasks urgently and report before "
                        "{day}, with a clear owner, clear task, clear deadline, clear responsibility and clear "
                        "result.",
        "late_intro": "As of {day}: {overdue} agency tasks overdue and not completed and {at_risk} behind the "
                      "required path, grouped by task; the longest overdue first, then those nearest their "
                      "deadline.",
        "late_none": "No task is overdue or at risk of delay.",
        "task_no": "Target {no}",
        "agencies_count": "{n} agencies",
        "left": "{n} days left",
        "agency": "Agency",
        "head": "Accountable head",
        "latest_figure": "Latest figure",
        "latest_reporter": "Latest reporter",
        "figure_on": "on {day}",
        "rolled_up": "rolled up from the units before the reorganisation",
        "explanation": "Explanation",
        "no_explanation": "No explanation given",
        "cause": "Cause",
        "action": "Action",
        "committed": "Committed completion",
        "committed_passed": "committed date passed, not completed",
        "never_reported": "No report yet",
        "never_heading": "No report yet and no explanation ({n} agencies; the head of each answers for it):",
        "leaderboards": "IV. RANKING BY THE TIẾN ĐỘ COMPOSITE SCORE",
        "leaderboard_intro": "The Tiến độ composite score is this system's own measure, not the 766 index or the "
                             "Digital Transformation Index (DTI): the weighted mean achievement of the targets that "
                             "apply to the agency (not reported counts as 0), out of 100, ranked within each "
                             "block; rank changes since {previous}.",
        "ministries": "1. Ministries and sectors ({n} agencies)",
        "provinces": "2. Localities ({n} provinces and cities)",
        "rank": "Rank",
        "score": "Composite score",
        "rank_change": "Rank change",
        "previous_rank": "Previous rank",
        "new_unit": "new unit",
        "discipline": "V. REPORTING DISCIPLINE",
        "silent": "1. Agencies that sent no report in the period",
        "silent_intro": "{n} of {total} agencies sent no report in the period:",
        "silent_none": "All {total} agencies reported in the period.",
        "rejected": "2. Invalid reports",
        "rejected_intro": "{n} reports sent in the period were invalid and returned to be sent again; by reason in "
                          "Appendix I.",
        "rejected_none": "No report sent in the period was returned.",
        "amendments": "VI. CORRECTIONS MADE IN THE PERIOD",
        "amendments_intro": "{n} corrections or retractions were made in the period ({corrections} corrections, "
                            "{retractions} retractions) by {agencies} agencies. The original figures are kept; a "
                            "new figure applies from when it was recorded.",
        "amendments_none": "No figure was corrected or retracted in the period.",
        "amendments_by_target": "1. By target",
        "amendments_by_agency": "2. Agencies that amended most",
        "amendments_by_agency_intro": "{shown} of the {n} agencies that corrected or retracted figures in the "
                                      "period, most first.",
        "amendments_recent": "3. The most recent corrections and retractions",
        "amendments_recent_all": "All {n} corrections and retractions of the period, newest first.",
        "amendments_recent_some": "The {shown} sent last, newest first; {more} more are not printed here (how to "
                                  "list them all: Appendix I).",
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
        "appendix_tech": "APPENDIX I. VERIFYING THE FIGURES",
        "appendix_tech_intro": "Attached to the Report; for technical staff and auditors.",
        "cutoff_heading": "1. Cut-off of the figures",
        "rejected_codes": "2. Invalid reports by reason code",
        "amendments_command": "3. The full list of corrections and retractions",
        "appendix_method": "APPENDIX II. METHOD",
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
        "reason_code": "Reason code",
        "reason": "Reason",
        "events": "Events",
        "list_command": "The command that lists all {n} corrections and retractions of the period: {command}",
        "done": "completed",
        "goal_done": "complete",
        "not_done": "not completed",
        "done_of": "{done} of {of} agencies",
        "unchanged": "no change",
        "first_figure": "no figure in the previous period",
        "none": "—",
        "agencies_unit": "agencies",
        "pp": "percentage points",
        "until": "until",
        "page": "Page",
    },
}

METHOD: dict[str, tuple[str, ...]] = {
    "vi": (
        "Nguồn số liệu. Mọi con số được tính lại từ sổ cái chỉ-ghi-thêm của Tiến độ, gồm các bút toán đến vị trí "
        "chốt ghi tại Phụ lục I; các sự kiện ghi sổ sau thời điểm chốt không được tính. Báo cáo dựng lại với cùng "
        "kỳ và cùng thời điểm chốt cho kết quả giống hệt từng byte (Markdown, HTML). Báo cáo chỉ dùng danh mục "
        "chỉ tiêu và danh sách cơ quan như tại ngày cuối kỳ.",
        "Giá trị của một cơ quan đối với một chỉ tiêu vào một ngày là số liệu mới nhất theo ngày số liệu, sau khi "
        "áp dụng các đính chính và loại bỏ các số liệu bị thu hồi. Tỉnh, bộ hình thành do sắp xếp năm 2025 mang "
        "số liệu cộng dồn của các đơn vị cũ (Σ tử số ÷ Σ mẫu số, không lấy bình quân tỷ lệ).",
        "Mức đạt so với mục tiêu = min(1, giá trị ÷ mục tiêu); chỉ tiêu dạng mốc tính 0 hoặc 1. Đánh giá từng "
        "cơ quan, từng nhiệm vụ: hoàn thành đúng hạn; hoàn thành quá hạn (kèm số ngày quá hạn); đang thực hiện, "
        "trong hạn (bằng hoặc vượt lộ trình từ số liệu gốc cuối năm 2024 đến mục tiêu tại thời hạn) hoặc chậm so "
        "với lộ trình (dưới lộ trình, chỉ trước thời hạn); quá hạn, chưa hoàn thành (từ ngày đến hạn trở đi mà "
        "chưa đạt; đúng ngày đến hạn ghi «đến hạn hôm nay»); chưa báo cáo (không có số liệu trong 35 ngày). Nhiệm "
        "vụ mà văn bản nguồn không nêu thời hạn được theo dõi, không đánh giá theo thời hạn.",
        "Số liệu chung tính riêng cho khối bộ, ngành và khối địa phương, và cho cả hai khối khi chỉ tiêu áp dụng "
        "cho cả hai: tỷ lệ = Σ tử số ÷ Σ mẫu số; số lượng = Σ; mốc = tỷ lệ cơ quan đã hoàn thành. Với chỉ tiêu "
        "mọi cơ quan đều phải đạt, bên cạnh số liệu ghi số cơ quan đạt (x/N cơ quan đạt) và đánh giá chung theo "
        "số cơ quan đạt.",
        "Điểm tổng hợp của Tiến độ = bình quân có trọng số mức đạt so với mục tiêu của các chỉ tiêu áp dụng cho "
        "cơ quan, xếp hạng riêng khối bộ, ngành và khối địa phương (bằng điểm thì cùng hạng). Đây là chỉ số riêng "
        "của hệ thống Tiến độ, không thay thế Bộ chỉ số 766 hay Chỉ số chuyển đổi số (DTI).",
        "Hoạt động trong kỳ (cơ quan đã báo cáo, đính chính, báo cáo không hợp lệ) được xác định theo thời điểm "
        "cơ quan gửi (giờ Việt Nam); báo cáo không đọc được thì theo thời điểm bị trả lại. Số liệu kỳ trước được "
        "tính từ cùng vị trí sổ cái, nên đã gồm cả báo cáo muộn và đính chính.",
        "Tính toàn vẹn. Mỗi cơ quan có một chuỗi băm, và toàn bộ sổ cái là một cây Merkle (RFC 9162) có các lá "
        "là mã băm của các bút toán theo thứ tự ghi sổ. Báo cáo ghi kích thước và gốc của cây gồm đúng các bút "
        "toán được tính, kèm một đầu cây đã ký bằng khóa của sổ cái và bằng chứng rằng cây đó là phần đầu của đầu "
        "cây. Bản thân báo cáo được ký: tệp PDF bằng chữ ký PAdES, tệp Markdown và HTML bằng tệp chữ ký rời (.sig). "
        "Lệnh tiendo report verify kiểm tra các chữ ký và bằng chứng, kiểm tra sổ cái hiện nay vẫn nối tiếp đầu cây "
        "đã ký, rồi dựng lại toàn bộ báo cáo (số liệu, bảng và biểu đồ) từ sổ cái để so sánh.",
    ),
    "en": (
        "Source. Every figure is recomputed from the Tiến độ append-only ledger, up to the position given in "
        "Appendix I; events recorded after the cut-off are not counted. Rebuilt for the same period and cut-off, "
        "the report is byte-identical (Markdown, HTML). The report uses the target catalogue and the list of "
        "agencies as they stood on the last day of the period.",
        "An agency's value for a target on a day is its latest figure by observation day, with corrections "
        "applied and retracted figures removed. Provinces and ministries formed by the 2025 reorganisation carry "
        "the rolled-up figures of their predecessors (Σ numerators ÷ Σ denominators, never an average of "
        "percentages).",
        "Achievement = min(1, value ÷ goal); a milestone counts 0 or 1. Each agency's task is assessed as: "
        "completed on time; completed late (with the days late); in progress, on track (on or above the required "
        "path from the end-2024 baseline to the goal at the deadline) or behind the required path (below it, only "
        "before the deadline); overdue, not completed (from the deadline day on, not met; on the deadline day "
        "itself \u201cdue today\u201d); not reported (no figure within 35 days). A task no source gives a deadline "
        "is tracked, never assessed against a date.",
        "Figures are computed separately for the ministries and sectors and for the localities, and for both "
        "together where a target applies to both: ratio = Σ numerators ÷ Σ denominators; count = Σ; milestone = "
        "share of agencies done. For a target every agency must reach, the number of agencies that reached it "
        "(x of N agencies met it) stands beside the figure and decides the overall assessment.",
        "The Tiến độ composite score = weighted mean achievement of the targets that apply to the agency, ranked "
        "within the ministries and sectors and within the localities (equal scores share a rank). It is this "
        "system's own measure and replaces neither the 766 index nor the Digital Transformation Index (DTI).",
        "Activity in the period (who reported, corrections, invalid reports) is dated by when the agency sent it "
        "(Vietnam time); an unreadable report by when it was returned. The previous period's figures come from "
        "the same ledger position, so they include late reports and corrections.",
        "Integrity. Each agency has one hash chain, and the whole ledger is a Merkle tree (RFC 9162) whose leaves "
        "are the entries' hashes in ledger order. The report names the size and root of the tree of exactly the "
        "entries it counts, with a tree head signed by the ledger's key and the proof that this tree is a prefix "
        "of the head's. The report itself is signed: the PDF with a PAdES signature, Markdown and HTML with a "
        "detached signature file (.sig). tiendo report verify checks the signatures and the proof, that today's "
        "ledger still extends the signed head, and rebuilds the whole report (figures, tables and charts) from "
        "the ledger to compare.",
    ),
}
