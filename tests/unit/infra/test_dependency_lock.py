"""The lock files (issue 18): requirements-dev.lock is what `make install` installs,
requirements.lock what the Docker image installs; both with hashes. They must pin every
dependency pyproject.toml asks for, at a version it allows, and agree with each other, or
the image and the virtualenv would run different code (and write different PDF bytes).
A failure here means: run `make lock`."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[3]
PIN = re.compile(r"^(?P<req>[A-Za-z0-9][^\s\\]*==[^\s\\;]+(?:\s*;[^\\]+)?)\s*\\?$")


def pins(lock: str) -> dict[str, list[Requirement]]:
    """Each pinned package of a lock file, by canonical name (a universal lock may pin one
    twice, under different markers)."""
    found: dict[str, list[Requirement]] = {}
    for line in (ROOT / lock).read_text(encoding="utf-8").splitlines():
        m = PIN.match(line)
        if m:
            req = Requirement(m["req"])
            found.setdefault(canonicalize_name(req.name), []).append(req)
    return found


def hashed(lock: str) -> bool:
    """Whether every pin of the lock is followed by at least one --hash line."""
    text = (ROOT / lock).read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    return all("--hash=sha256:" in b for b in blocks if "==" in b.split("\n", 1)[0])


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def unpinned(requirements: list[str], lock: dict[str, list[Requirement]]) -> list[str]:
    """The requirements no pin of ``lock`` satisfies here (name, version and the extras'
    packages are the lock's business; markers pick the pin for this interpreter)."""
    missing = []
    for text in requirements:
        wanted = Requirement(text)
        candidates = [p for p in lock.get(canonicalize_name(wanted.name), [])
                      if p.marker is None or p.marker.evaluate()]
        versions = [next(iter(p.specifier)).version for p in candidates]
        if not any(wanted.specifier.contains(v, prereleases=True) for v in versions):
            missing.append(f"{text} (lock: {', '.join(versions) or 'nothing'})")
    return missing


def test_the_dev_lock_pins_every_dependency_and_test_tool():
    lock = pins("requirements-dev.lock")
    assert unpinned(project()["dependencies"] + project()["optional-dependencies"]["dev"], lock) == []


def test_the_image_lock_pins_every_dependency_at_the_dev_lock_version():
    image, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert unpinned(project()["dependencies"], image) == []
    differ = {name: (str(reqs), str(dev.get(name))) for name, reqs in image.items()
              if sorted(map(str, reqs)) != sorted(map(str, dev.get(name, [])))}
    assert differ == {}


def test_every_pin_carries_its_hashes():
    assert hashed("requirements.lock") and hashed("requirements-dev.lock")
