"""The accent-folding map: what it holds, that it is one rule, and its SQL spellings."""

from __future__ import annotations

import re
import string
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_core._accent_sql import fold_sql, sql_literal
from customer_core._accents import ACCENT_FOLDS, COMBINING_MARKS, accent_map, fold_accents

ROOT = Path(__file__).resolve().parents[2]
SOURCES = "".join(ACCENT_FOLDS.values())


def test_targets_are_lower_case_ascii_letters() -> None:
    """Every replacement is ASCII lower case, so replacements never feed one another."""
    for target in ACCENT_FOLDS:
        assert target.isascii(), target
        assert target.isalpha(), target
        assert target == target.lower(), target


def test_each_source_is_listed_once_and_is_not_ascii() -> None:
    """No character has two replacements; ASCII and combining marks are not letters here."""
    assert len(SOURCES) == len(set(SOURCES))
    assert not any(char.isascii() or char in COMBINING_MARKS for char in SOURCES)


def test_upper_case_entries_agree_with_lower_casing_first() -> None:
    """Mapping a capital directly gives what lower-casing then mapping gives (one rule)."""
    mapping = accent_map()
    for char in SOURCES:
        assert fold_accents(char) == mapping[char], char


def test_decomposable_letters_fold_to_their_base_letters() -> None:
    """Where Unicode decomposes a letter into ASCII and marks, the map says the same."""
    for char in SOURCES:
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        if base.isascii() and base.isalpha():
            assert accent_map()[char] == base.lower(), char


def test_the_map_covers_the_common_latin_letters() -> None:
    """Every letter of Latin-1 Supplement and Latin Extended-A folds (ĸ, the kra, aside)."""
    letters = [
        chr(code) for code in range(0xC0, 0x180) if unicodedata.category(chr(code))[0] == "L"
    ]
    assert [char for char in letters if char not in SOURCES] == ["ĸ"]


@given(st.text())
def test_folding_is_idempotent(text: str) -> None:
    """Folding a folded text changes nothing."""
    once = fold_accents(text)
    assert fold_accents(once) == once


@given(st.text(alphabet=string.printable))
def test_printable_ascii_is_only_lower_cased(text: str) -> None:
    """The SQL shortcut's premise: printable ASCII folds to its lower-case form."""
    assert fold_accents(text) == text.lower()


def test_every_constant_is_a_plain_sql_literal() -> None:
    """No quote, backslash or % reaches SQL, so no dialect or driver escaping applies."""
    for dialect in ("postgresql", "mysql", "mariadb", "sqlite"):
        assert fold_sql(dialect, "name")
    with pytest.raises(ValueError, match="plain SQL literal"):
        sql_literal("it's")


def test_postgres_translate_lines_up() -> None:
    """translate()'s from and to pair up (ASCII to itself), the combining marks last (deleted)."""
    sql = fold_sql("postgresql", "name")
    found = re.search(r"translate\(lower\(name\), '([^']*)', '([^']*)'\)", sql)
    assert found
    source, target = found.groups()
    assert source.endswith(COMBINING_MARKS)
    pairs = dict(zip(source, target, strict=False))
    assert len(pairs) == len(target), "a character listed twice"
    assert all(accent_map().get(char, char) == pairs[char] for char in pairs)
    assert len(source) - len(target) == len(COMBINING_MARKS)


def test_the_reference_documents_the_map() -> None:
    """docs/reference/accent-folding.md lists the map as the code holds it."""
    doc = (ROOT / "docs" / "reference" / "accent-folding.md").read_text()
    for target, sources in ACCENT_FOLDS.items():
        assert f"| `{target}` | {sources} |" in doc, target
