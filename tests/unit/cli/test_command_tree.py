"""The whole `tiendo` command tree, walked from the main group: every command and every
group says what it does with an example, and every command that does something has
`--json` (the few that cannot are listed below with the reason)."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from services.cli import main


def _walk(group: click.Group, path: tuple[str, ...] = ()):
    """(path, command) of every group and command under ``group``, itself included."""
    yield path, group
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from _walk(command, (*path, name))
        else:
            yield (*path, name), command


TREE = dict(_walk(main))
COMMANDS = sorted(path for path, command in TREE.items() if not isinstance(command, click.Group))
GROUPS = sorted(path for path, command in TREE.items() if isinstance(command, click.Group))

# Commands without --json, and why: what they print is not a result a script reads.
WITHOUT_JSON = {
    ("web", "serve"): "a server: it prints nothing until it stops, and then only uvicorn's log",
    ("catalogue", "schema"): "prints a document (the JSON Schema, or AsyncAPI as YAML) that is itself the output",
}


def test_the_walk_finds_the_whole_tree():
    assert {("agency", "key", n) for n in ("new", "register", "rotate", "revoke", "list")} <= set(COMMANDS)
    assert {(), ("agency",), ("agency", "key"), ("kafka", "acl"), ("web", "subscription")} <= set(GROUPS)
    assert len(COMMANDS) > 40


@pytest.mark.parametrize("path", GROUPS + COMMANDS, ids=lambda path: " ".join(path) or "tiendo")
def test_every_command_and_group_has_help_with_an_example(path):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"`tiendo {' '.join(path)} --help` gives no example"
    assert f"tiendo {path[0] if path else ''}".rstrip() in result.output.split("Example", 1)[1], result.output


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_has_json(path):
    names = {opt for param in TREE[path].params for opt in getattr(param, "opts", ())}
    if path in WITHOUT_JSON:
        assert "--json" not in names, f"{path} has --json now: take it off WITHOUT_JSON"
    else:
        assert "--json" in names, f"`tiendo {' '.join(path)}` has no --json"


def test_the_exceptions_are_commands_of_the_tree():
    assert set(WITHOUT_JSON) <= set(COMMANDS)
