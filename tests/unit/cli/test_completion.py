"""Shell completion (docs/cli.md): `_TIENDO_COMPLETE=bash_source tiendo` prints the script,
and the shell then asks `tiendo` itself, through click's machinery, for agencies,
targets and reason codes from the catalogue."""

from __future__ import annotations

import pytest
from click.shell_completion import ShellComplete
from click.testing import CliRunner

from services.cli import main
from shared.domain.catalogue import all_target_ids
from shared.domain.reasons import ReasonCode


def _complete(*words: str) -> list[str]:
    """What completing the last word of ``tiendo <words>`` offers."""
    *args, incomplete = words
    return [item.value for item in ShellComplete(main, {}, "tiendo", "_TIENDO_COMPLETE")
            .get_completions(args, incomplete)]


def test_agencies_complete_from_the_registry():
    assert "ha-noi" in _complete("score", "show", "--agency", "ha-")
    assert set(_complete("score", "show", "--agency", "ha-")) <= {v for v in _complete("alerts", "list", "--agency", "")}
    assert all(v.startswith("bo-") for v in _complete("agency", "key", "list", "bo-"))
    assert "bo-cong-an" in _complete("agency", "key", "list", "bo-")
    assert "ha-noi" in _complete("web", "user", "add", "x", "--role", "agency", "--agency", "ha")


def test_targets_and_reasons_complete_from_the_catalogue_and_the_contract():
    assert _complete("score", "national", "--target", "") == sorted(all_target_ids())
    assert _complete("score", "show", "--target", "essential") == ["essential_services"]
    assert _complete("dlq", "list", "--reason", "bad_s") == ["bad_signature"]
    assert set(_complete("dlq", "list", "--reason", "")) == {r.value for r in ReasonCode}


def test_commands_and_options_complete():
    assert {"score", "scorer", "status"} <= set(_complete("s"))
    assert "--json" in _complete("dlq", "requeue", "--")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_documented_script_is_printed(shell):
    result = CliRunner().invoke(main, [], prog_name="tiendo", env={"_TIENDO_COMPLETE": f"{shell}_source"})
    assert result.exit_code == 0 and "_TIENDO_COMPLETE" in result.output, result.output


def test_the_shell_asks_tiendo_as_bash_does():
    """As the bash script calls it: the words so far and the index of the one completed."""
    env = {"_TIENDO_COMPLETE": "bash_complete", "COMP_WORDS": "tiendo score show --agency ha-no", "COMP_CWORD": "4"}
    result = CliRunner().invoke(main, [], prog_name="tiendo", env=env)
    assert result.exit_code == 0 and "plain,ha-noi" in result.output.splitlines(), result.output


def test_an_agency_completes_with_its_name_for_zsh_and_fish():
    env = {"_TIENDO_COMPLETE": "fish_complete", "COMP_WORDS": "tiendo alerts list --agency ha-no",
           "COMP_CWORD": "ha-no"}
    result = CliRunner().invoke(main, [], prog_name="tiendo", env=env)
    assert "plain,ha-noi\tThành phố Hà Nội" in result.output, result.output
