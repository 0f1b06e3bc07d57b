"""Packaged data files of the domain: the target catalogue and the agency registry."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import yaml


def load(name: str) -> Any:
    """Parse the packaged YAML file ``name`` (e.g. ``"targets.yaml"``).

    Read through importlib.resources so the files are found inside an installed wheel too.
    """
    return yaml.safe_load(files(__name__).joinpath(name).read_text(encoding="utf-8"))
