"""Reading the executable examples out of the Markdown pages of ``docs/``.

Conventions a page may use (all invisible or self-explaining to readers):

- every ```` ```python ```` block runs, in page order, in one namespace per page,
  in a fresh temporary directory (``sqlite:///shop.db`` lands there);
- a block whose first line is ``# file: NAME`` is written to ``NAME`` instead
  of run (a module, a test file or an Alembic ``env.py`` the next blocks use);
- ```` ```python skip-test ```` marks a block that must not run (kept for the
  rare example that needs a network);
- ``<!-- requires: sqlalchemy fastapi -->`` names the modules a page needs;
  ``sqlalchemy`` makes the page's test a ``sql`` test, a ``django`` module a
  ``django`` test (the core-only session runs neither).
"""

from __future__ import annotations

import re
from pathlib import Path

import attrs

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
#: Pages outside docs/ whose examples readers meet first.
OUTSIDE = (ROOT / "README.md", ROOT / "examples" / "README.md")
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>[^`\n]*)$")
REQUIRES = re.compile(r"<!--\s*requires:(?P<names>[^>]*)-->")
FILE_LINE = re.compile(r"#\s*file:\s*(?P<name>\S+)\s*$")


@attrs.frozen
class Block:
    """One fenced Python block: where it starts, its source, and what to do with it."""

    line: int
    source: str
    skip: bool
    file: str | None


@attrs.frozen
class Page:
    """A Markdown page's Python blocks and the modules it declares it needs."""

    path: Path
    blocks: tuple[Block, ...]
    requires: tuple[str, ...]

    @property
    def name(self) -> str:
        """The page's path under ``docs/`` (or the repository for the READMEs)."""
        base = DOCS if DOCS in self.path.parents else ROOT
        return self.path.relative_to(base).as_posix()


def pages() -> list[Page]:
    """Every Markdown page of the docs, sorted by path, then the READMEs."""
    found = sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts) + list(OUTSIDE)
    return [read_page(path) for path in found]


def read_page(path: Path) -> Page:
    """The Python blocks and requirements of one page."""
    text = path.read_text(encoding="utf-8")
    requires = tuple(
        name for match in REQUIRES.finditer(text) for name in match.group("names").split()
    )
    return Page(path=path, blocks=tuple(_blocks(text)), requires=requires)


def _blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        index += 1
        if opening is None:
            continue
        fence, info = opening.group("fence"), opening.group("info").split()
        start = index
        while index < len(lines) and not lines[index].strip().startswith(fence):
            index += 1
        body = "\n".join(line[len(opening.group("indent")) :] for line in lines[start:index])
        index += 1
        if info and info[0] == "python":
            blocks.append(_block(start + 1, body, skip="skip-test" in info[1:]))
    return blocks


def _block(line: int, body: str, *, skip: bool) -> Block:
    first = body.split("\n", 1)[0]
    named = FILE_LINE.match(first)
    return Block(line=line, source=body + "\n", skip=skip, file=named and named.group("name"))
