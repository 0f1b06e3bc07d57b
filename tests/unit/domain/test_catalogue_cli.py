"""`tiendo catalogue …` through click's test runner."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from services.catalogue.cli import catalogue
from shared.domain.catalogue import all_target_ids


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(catalogue, list(args))
    return result.exit_code, result.output


def test_targets_table_in_vietnamese() -> None:
    code, output = _run("targets", "--on", "2025-03-01")
    assert code == 0
    assert f"Danh mục chỉ tiêu ngày 01/03/2025: {len(all_target_ids())} chỉ tiêu" in output
    assert "Tỷ lệ hồ sơ thủ tục hành chính được xử lý trực tuyến" in output
    assert "30/06/2025" in output and "Bộ Công an" in output


def test_an_untimed_target_reads_as_having_no_deadline() -> None:
    code, output = _run("targets", "--on", "2025-03-01")
    assert code == 0
    row = next(line for line in output.splitlines() if line.startswith("own_dt_project "))
    assert "không thời hạn" in row


@pytest.mark.parametrize(
    ("on", "bound"),
    [("2025-02-01", "Bộ Thông tin và Truyền thông  "),
     ("2025-03-01", "Bộ Khoa học và Công nghệ (kế thừa Bộ Thông tin và Truyền thông)")],
)
def test_a_task_of_a_merged_ministry_reads_as_its_successors(on: str, bound: str) -> None:
    code, output = _run("targets", "--on", on)
    assert code == 0
    row = next(line for line in output.splitlines() if line.startswith("law_digital_technology_industry "))
    assert bound in row


def test_targets_json_carries_the_legal_basis() -> None:
    code, output = _run("targets", "--on", "2025-03-01", "--json")
    assert code == 0
    listed = {item["id"]: item for item in json.loads(output)["targets"]}
    assert listed["online_dossier_rate"]["basis"] == "Thông báo 56/TB-VPCP ngày 23/02/2025"
    assert listed["own_dt_project"]["deadline"] is None


def test_targets_json_shows_revisions_by_date() -> None:
    def officials(on: str) -> dict[str, object]:
        code, output = _run("targets", "--on", on, "--json")
        assert code == 0
        return next(item for item in json.loads(output)["targets"] if item["id"] == "officials_digital_signature")

    assert officials("2025-02-01")["deadline"] == "2025-12-31"
    assert officials("2025-03-01")["deadline"] == "2025-06-30"


@pytest.mark.parametrize(("on", "provinces"), [("2025-06-30", 63), ("2025-07-01", 34)])
def test_agencies_json_by_kind(on: str, provinces: int) -> None:
    code, output = _run("agencies", "--on", on, "--kind", "province", "--json")
    assert code == 0
    listed = json.loads(output)["agencies"]
    assert len(listed) == provinces
    assert {"id", "name_vi", "code", "code_confirmed", "successor", "predecessors"} <= set(listed[0])


def test_agencies_table_marks_unconfirmed_codes() -> None:
    code, output = _run("agencies", "--on", "2025-07-01")
    assert code == 0
    assert "17 bộ, cơ quan ngang bộ; 34 tỉnh, thành phố" in output
    assert "Tỉnh Tuyên Quang" in output and "← Tỉnh Hà Giang, Tỉnh Tuyên Quang" in output
    assert "24*" in output and "mã chưa được xác nhận" in output


@pytest.mark.parametrize("bad", ["2025-13-01", "01/07/2025", "tomorrow"])
def test_a_bad_date_is_a_one_line_error(bad: str) -> None:
    code, output = _run("agencies", "--on", bad)
    assert code == 2
    assert "Traceback" not in output
    assert f"Invalid value for '--on': '{bad}' is not a valid day; write YYYY-MM-DD" in output


def test_schema_prints_the_json_schema_and_the_asyncapi() -> None:
    code, output = _run("schema")
    assert code == 0 and json.loads(output)["title"] == "ProgressReported"
    code, output = _run("schema", "--asyncapi", "--prefix", "staging")
    assert code == 0 and yaml.safe_load(output)["channels"]["progress"]["address"] == "staging.progress.v1"


@pytest.mark.parametrize("command", ["targets", "agencies", "schema"])
def test_every_command_has_help_with_an_example(command: str) -> None:
    code, output = _run(command, "--help")
    assert code == 0 and "tiendo catalogue " + command in output
