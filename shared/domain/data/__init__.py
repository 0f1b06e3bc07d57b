"""Packaged data files of the domain: the target catalogue and the agency registry."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import yaml

# libyaml's parser, when PyYAML was built with it, reads the registry ten times faster
# than the pure-Python one; every command loads it at start-up. Both are "safe" loaders.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(name: str) -> Any:
    """Parse the packaged YAML file ``name`` (e.g. ``"targets.yaml"``).

    Read through importlib.resources so the files are found inside an installed wheel too.
    """
    return yaml.load(files(__name__).joinpath(name).read_text(encoding="utf-8"), Loader=_LOADER)
