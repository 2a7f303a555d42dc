"""The tutorial's promise: its blocks can be pasted into a Python session, and pasted again.

Each block goes, line by line, into the real interactive interpreter (``python -i``
reading a pipe), followed by the empty line a reader types to end a paste. The
interactive interpreter is stricter than a script: a compound statement directly
followed by another statement is a SyntaxError there.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from doc_blocks import DOCS, read_page

pytestmark = [pytest.mark.sql, pytest.mark.sqlite]

TUTORIAL = DOCS / "tutorial.md"
SRC = DOCS.parent / "src"


def _session(cwd: Path) -> str:
    """Paste every block into one interactive session in ``cwd``; its stderr."""
    blocks = [block.source for block in read_page(TUTORIAL).blocks if not block.skip]
    pasted = "".join(source.rstrip("\n") + "\n\n" for source in blocks)
    path = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    env.pop("PYTHONSTARTUP", None)
    done = subprocess.run(
        [sys.executable, "-i", "-q"],
        input=pasted,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def _check(stderr: str) -> None:
    """No SyntaxError, no traceback: every line the reader pasted ran."""
    assert "SyntaxError" not in stderr, stderr
    assert "Traceback" not in stderr, stderr


def test_the_tutorial_pastes_into_the_interactive_interpreter(tmp_path: Path) -> None:
    """Every block, pasted in order into ``python -i``, runs without an error."""
    if importlib.util.find_spec("sqlalchemy") is None:
        pytest.skip("the tutorial's last part needs SQLAlchemy")
    _check(_session(tmp_path))


def test_the_tutorial_runs_twice_in_the_same_folder(tmp_path: Path) -> None:
    """A reader who starts over in the same folder finds ``shop.db`` there: it still runs."""
    if importlib.util.find_spec("sqlalchemy") is None:
        pytest.skip("the tutorial's last part needs SQLAlchemy")
    _check(_session(tmp_path))
    assert (tmp_path / "shop.db").exists()
    _check(_session(tmp_path))
