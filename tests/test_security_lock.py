"""Installs are reproducible: every runtime requirement is pinned in requirements.lock with
hashes, and make installs from it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def requirement_names(text: str) -> set[str]:
    names = set()
    for line in text.splitlines():
        line = line.split("#")[0].strip()
        match = re.match(r"^([A-Za-z0-9._-]+)", line)
        if match and not line.startswith("-"):
            names.add(re.sub(r"[-_.]+", "-", match.group(1)).lower())
    return names


def test_every_runtime_requirement_is_locked_with_hashes():
    lock = (ROOT / "requirements.lock").read_text()
    pinned = {}
    for block in re.split(r"\n(?=[A-Za-z])", lock):
        match = re.match(r"^([A-Za-z0-9._-]+)(\[[^\]]+\])?==(\S+)", block)
        if match:
            name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
            pinned[name] = block.count("--hash=sha256:")
    wanted = requirement_names((ROOT / "requirements.txt").read_text())

    assert wanted <= set(pinned), wanted - set(pinned)
    assert all(count >= 1 for count in pinned.values())


def test_make_installs_from_the_lock_file():
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r requirements.lock" in makefile
