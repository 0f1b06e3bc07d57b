"""The CLI toolkit (shared/presentation/cli.py): the JSON convention, errors in JSON,
tables that fit the width they are given, and the parameter types."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import click
import pytest
from click.testing import CliRunner

from services.cli import main
from shared.presentation.cli import AgencyId, Day, json_text, output_width, table_text

VIETNAM = timezone(timedelta(hours=7))


def test_json_is_one_object_with_instants_in_utc_and_their_offset():
    @dataclass
    class Row:
        day: date
        at: datetime

    text = json_text({"rows": [Row(date(2025, 3, 18), datetime(2025, 3, 18, 8, 0))],  # naive: SQLite's UTC
                      "recorded_at": datetime(2025, 3, 18, 15, 0, tzinfo=VIETNAM)})
    assert json.loads(text) == {"rows": [{"day": "2025-03-18", "at": "2025-03-18T08:00:00+00:00"}],
                                "recorded_at": "2025-03-18T08:00:00+00:00"}
    assert "Hà Nội" in json_text({"name": "Hà Nội"})  # UTF-8, not \u escapes
    with pytest.raises(TypeError, match="put lists under a key"):
        json_text([1, 2])  # type: ignore[arg-type]


def test_a_mistake_on_a_json_command_line_is_json_on_stderr():
    result = CliRunner().invoke(main, ["score", "show", "--agency", "atlantis", "--json"])
    assert result.exit_code == 2 and not result.stdout
    assert "unknown agency 'atlantis'" in json.loads(result.stderr)["error"]
    result = CliRunner().invoke(main, ["score", "show", "--agency", "atlantis"])
    assert result.exit_code == 2 and result.stderr.startswith("Usage:")  # without --json: click's text


def test_an_unusable_setting_is_json_too(tmp_path):
    result = CliRunner().invoke(main, ["dlq", "list", "--json"], env={"DATABASE_URL": "nonsense"})
    assert result.exit_code == 1 and set(json.loads(result.stderr)) == {"error"} and not result.stdout


HEADERS = ["Chỉ tiêu", "Khối", "Số liệu", "Tên chỉ tiêu"]
ROWS = [["essential_services", "Khối bộ, ngành", "54/76 cơ quan đạt",
         "Dịch vụ công thiết yếu tích hợp trên Cổng Dịch vụ công quốc gia"],
        ["civil_registry_digitised", "Khối địa phương", "98,00% (980/1.000)",
         "Số hóa dữ liệu hộ tịch, đưa vào Cơ sở dữ liệu hộ tịch điện tử toàn quốc"]]


def test_a_table_without_a_width_keeps_each_row_on_one_line():
    lines = table_text(HEADERS, ROWS, width=None).splitlines()
    assert lines[0].split() == ["Chỉ", "tiêu", "Khối", "Số", "liệu", "Tên", "chỉ", "tiêu"]
    assert set(lines[1]) == {"─"} and len(lines) == 4
    assert lines[2].startswith("essential_services  ") and lines[2].endswith("Cổng Dịch vụ công quốc gia")


@pytest.mark.parametrize("width", [120, 100, 80, 60])
def test_a_table_fits_its_width_and_keeps_ids_and_figures_whole(width):
    text = table_text(HEADERS, ROWS, wrap=(1, 3), width=width)
    assert max(len(line) for line in text.splitlines()) <= width, text
    for whole in ("essential_services", "civil_registry_digitised", "98,00% (980/1.000)"):
        assert any(whole in line for line in text.splitlines()), text


def test_a_table_too_narrow_for_its_columns_becomes_blocks():
    text = table_text(HEADERS, ROWS, wrap=(3,), width=40)
    assert max(len(line) for line in text.splitlines()) <= 40
    assert text.splitlines()[:3] == ["essential_services", "  Khối: Khối bộ, ngành", "  Số liệu: 54/76 cơ quan đạt"]


def test_the_width_is_columns_then_the_terminal_then_none(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    assert output_width() == 100
    monkeypatch.delenv("COLUMNS")
    assert output_width() is None  # pytest's stdout is no terminal: a pipe gets whole rows


def test_parameter_types_convert_and_refuse():
    @click.command()
    @click.option("--on", type=Day())
    @click.option("--agency", type=AgencyId())
    def show(on, agency):
        click.echo(f"{on!r} {agency}")

    assert CliRunner().invoke(show, ["--on", "2025-03-18", "--agency", "ha-noi"]).output.strip() == (
        "datetime.date(2025, 3, 18) ha-noi")
    refused = CliRunner().invoke(show, ["--on", "18/03/2025"])
    assert refused.exit_code == 2 and "write YYYY-MM-DD" in refused.output
