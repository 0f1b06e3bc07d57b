"""Every `tiendo` command says what it does with an example, walked over the whole tree."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from services.cli import main


def _commands(group: click.Group, path: tuple[str, ...] = ()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name)


COMMANDS = sorted(_commands(main))


def test_the_walk_finds_the_key_commands():
    assert {("agency", "key", n) for n in ("new", "register", "rotate", "revoke", "list")} <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(path):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output and f"tiendo {path[0]}" in result.output, result.output
