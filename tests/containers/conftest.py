"""The container layer runs on its own (`make containers`, which .ci/run calls after
`make test`): it builds images and starts a whole stack, minutes that `make test` does not
spend. So this folder is collected only when it is named on the command line
(`pytest tests/containers`); a run over all of tests/ leaves it out. Its tests never skip."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def pytest_ignore_collect(collection_path: Path, config) -> bool | None:
    asked = [Path(str(a).split("::")[0]).resolve() for a in config.args]
    if any(p == HERE or HERE in p.parents for p in asked):
        return None  # named: collected as usual
    return True
