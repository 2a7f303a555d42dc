"""Every Python example in the docs runs, page by page, as a reader would paste it."""

from __future__ import annotations

import importlib.util
import linecache
import os
from pathlib import Path

import pytest
from doc_blocks import DOCS, Page, pages

SRC = DOCS.parent / "src"
# A page that reaches for SQL must say so, or the core-only session would fail on it.
SQL_HINTS = ("from_url(", "from_engine(", "adapters.sqlalchemy", "import sqlalchemy")


def _param(page: Page) -> object:
    marks = [pytest.mark.sql] if "sqlalchemy" in page.requires else []
    if any(module.split(".")[0] == "django" for module in page.requires):
        marks.append(pytest.mark.django)
    return pytest.param(page, id=page.name, marks=marks)


PAGES = pages()


def test_the_docs_have_examples() -> None:
    """The collection found the pages (a moved docs/ must not silently test nothing)."""
    assert len(PAGES) >= 10
    assert sum(len(page.blocks) for page in PAGES) >= 30


@pytest.mark.parametrize("page", [_param(page) for page in PAGES])
def test_page_declares_what_it_needs(page: Page) -> None:
    """A page using SQLAlchemy declares it, so it is marked ``sql`` and skipped without it."""
    uses_sql = any(hint in block.source for block in page.blocks for hint in SQL_HINTS)
    assert not uses_sql or "sqlalchemy" in page.requires, (
        f"{page.name} uses SQLAlchemy: add <!-- requires: sqlalchemy --> to it"
    )


@pytest.mark.parametrize("page", [_param(page) for page in PAGES if page.blocks])
def test_page_examples_run(page: Page, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's blocks run in order in one namespace, in a fresh directory."""
    for module in page.requires:
        # The top-level package first: find_spec of a submodule imports its parent.
        top = module.split(".")[0]
        if importlib.util.find_spec(top) is None or importlib.util.find_spec(module) is None:
            _missing(f"{page.name} needs {module}, which is not installed")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    # Subprocesses an example starts (pytest on a contract module) import this checkout.
    path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(SRC), path])))
    namespace: dict[str, object] = {"__name__": f"docs_{page.path.stem.replace('-', '_')}"}
    for block in page.blocks:
        if block.skip:
            continue
        if block.file is not None:
            target = tmp_path / block.file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.source, encoding="utf-8")
            continue
        filename = f"{page.path}:{block.line}"
        # Tracebacks then show the page's lines; the caller's __future__ flags stay out.
        linecache.cache[filename] = (
            len(block.source),
            None,
            block.source.splitlines(True),
            filename,
        )
        exec(compile(block.source, filename, "exec", dont_inherit=True), namespace)


def _missing(reason: str) -> None:
    """Skip, except under CI=true where every page must run."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true: {reason}", pytrace=False)
    pytest.skip(reason)
