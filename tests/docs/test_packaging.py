"""What a user downloads: the wheel and the sdist carry the MIT licence and the classifiers.

Built with hatchling (the build backend) straight from this checkout, into a temp dir.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from doc_blocks import ROOT

NOX = ROOT / "noxfile.py"


def _built(tmp_path: Path) -> tuple[Path, Path]:
    if importlib.util.find_spec("hatchling") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true: hatchling is not installed", pytrace=False)
        pytest.skip("hatchling is not installed")
    command = [sys.executable, "-m", "hatchling", "build", "-d", str(tmp_path)]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=120)
    (wheel,) = tmp_path.glob("*.whl")
    (sdist,) = tmp_path.glob("*.tar.gz")
    return wheel, sdist


def test_the_licence_is_mit() -> None:
    """LICENSE is the MIT licence that pyproject's ``license`` names."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")


def test_the_wheel_and_the_sdist_carry_the_licence(tmp_path: Path) -> None:
    """The licence travels in both artifacts, and the metadata names it."""
    wheel, sdist = _built(tmp_path)
    licence = (ROOT / "LICENSE").read_bytes()
    with zipfile.ZipFile(wheel) as archive:
        (inside,) = [n for n in archive.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
        assert archive.read(inside) == licence
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        headers = archive.read(metadata).decode()
    assert "License-Expression: MIT" in headers
    assert "License-File: LICENSE" in headers
    with tarfile.open(sdist) as archive:
        (member,) = [m for m in archive.getmembers() if m.name.endswith("/LICENSE")]
        extracted = archive.extractfile(member)
        assert extracted is not None
        assert extracted.read() == licence


def test_the_classifiers_name_exactly_the_tested_pythons() -> None:
    """Each ``Python :: 3.x`` classifier is a version nox tests, and each tested one is listed."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    prefix = "Programming Language :: Python :: "
    classified = {
        c.removeprefix(prefix) for c in project["classifiers"] if c.startswith(f"{prefix}3.")
    }
    # Read the constant, not the module: importing the noxfile would need nox.
    tree = ast.parse(NOX.read_text(encoding="utf-8"))
    (tested,) = [
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.AnnAssign | ast.Assign)
        and ast.unparse(node.target if isinstance(node, ast.AnnAssign) else node.targets[0])
        == "PYTHONS"
    ]
    assert classified == set(tested)
    assert project["requires-python"] == f">={min(tested, key=lambda v: int(v.split('.')[1]))}"
