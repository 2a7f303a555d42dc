"""The contract of ``core.customers.search(..., ignore_accents=True)``: one folding rule.

Both the text and each customer's name and e-mail are lower-cased and folded
by :func:`customer_core.rules.fold_accents`; every storage must agree with the
in-memory core character for character.
"""

from __future__ import annotations

import pytest

from customer_core.errors import ValidationError
from customer_core.model import Customer
from customer_core.testing._harness import Harness
from customer_core.testing.contract._support import customer, snapshot

__all__ = ["AccentsContract"]


def _person(harness: Harness, name: str, tag: str) -> Customer:
    """A customer named ``name`` with the ASCII e-mail ``<tag>@example.com``."""
    return customer(harness, tag, name=name)


def _found(harness: Harness, text: str, *, ignore_accents: bool = True) -> set[int]:
    """The ids on the first page of ``text``'s search (100 per page)."""
    page = harness.core.customers.search(text, per_page=100, ignore_accents=ignore_accents)
    return {item.customer.id for item in page.items}


class AccentsContract:
    """``core.customers.search(text, ignore_accents=True)``."""

    def test_plain_text_finds_accented_names(self, harness: Harness) -> None:
        """ "jose" finds "José" with ignore_accents, and only then."""
        jose = _person(harness, "José Álvarez", "one")
        _person(harness, "Maria Lopez", "two")
        assert _found(harness, "jose") == {jose.id}
        assert _found(harness, "alvarez") == {jose.id}
        assert _found(harness, "jose", ignore_accents=False) == set()

    def test_accented_text_finds_plain_and_other_accents(self, harness: Harness) -> None:
        """The text is folded too: "José" finds "Jose", "JOSÉ" and "Jòse", any case."""
        found = {
            _person(harness, name, f"p{n}").id
            for n, name in enumerate(("Jose Plain", "JOSÉ UPPER", "Jòse Grave"))
        }
        _person(harness, "Josh Other", "other")
        assert _found(harness, "José") == found
        assert _found(harness, "JOSÈ") == found

    def test_letters_without_decomposition_fold_too(self, harness: Harness) -> None:
        """ß, Æ, Œ, Ø, Đ, Ł, Þ fold to ss, ae, oe, o, d, l, th."""
        people = {
            "Jörg Straße": "strasse",
            "Ærøskøbing Æble": "aeroskobing",
            "Œuvre Cœur": "oeuvre coeur",
            "Søren Kierkegaard": "soren",
            "Đorđe Balašević": "dorde balasevic",
            "Łukasz Łódź": "lukasz lodz",
            "Þóra Þórsdóttir": "thora",
        }
        made = {
            text: _person(harness, name, f"n{n}").id
            for n, (name, text) in enumerate(people.items())
        }
        for text, customer_id in made.items():
            assert _found(harness, text) == {customer_id}, text

    def test_upper_case_letters_fold_like_lower_case(self, harness: Harness) -> None:
        """Capital ẞ and Ⱥ fold like ß and ⱥ, even where a database's lower() misses them."""
        gross = _person(harness, "GROẞ ȺNNA", "gross")
        assert _found(harness, "gross anna") == {gross.id}
        assert _found(harness, "groß") == {gross.id}

    def test_vietnamese_and_stacked_marks(self, harness: Harness) -> None:
        """Letters with two marks (Latin Extended Additional) fold to their base letter."""
        nguyen = _person(harness, "Nguyễn Thị Ánh", "ng")
        assert _found(harness, "nguyen thi anh") == {nguyen.id}
        assert _found(harness, "NGUYÊN") == {nguyen.id}

    def test_decomposed_accents_match_composed_ones(self, harness: Harness) -> None:
        """A name stored with combining marks (NFD) matches the composed and the plain text."""
        decomposed = _person(harness, "Jose\u0301 Mu\u0308ller", "nfd")
        assert _found(harness, "josé müller") == {decomposed.id}
        assert _found(harness, "jose muller") == {decomposed.id}

    def test_accented_emails_are_searched(self, harness: Harness) -> None:
        """The e-mail is folded like the name."""
        person = customer(harness, "x", name="Plain Name", email="müller@bücher.de")
        customer(harness, "other")
        assert _found(harness, "muller@bucher") == {person.id}
        assert _found(harness, "MÜLLER") == {person.id}

    def test_other_scripts_are_unchanged(self, harness: Harness) -> None:
        """Letters outside the map keep their identity: Greek is not transliterated."""
        greek = _person(harness, "Ωmega Σοφία", "greek")
        _person(harness, "Omega Sofia", "latin")
        assert _found(harness, "ωmega") == {greek.id}
        assert _found(harness, "σοφία") == {greek.id}
        assert greek.id not in _found(harness, "sofia")

    def test_like_metacharacters_stay_literal(self, harness: Harness) -> None:
        """%, _ and \\ in the text match themselves, accents folded around them."""
        percent = _person(harness, "Zoë 50% Off", "percent")
        under = _person(harness, "Zoé_Under", "under")
        slash = _person(harness, "Zoè\\Slash", "slash")
        _person(harness, "Zoe 500 Off", "plain")
        _person(harness, "Zoexunder Plain", "x")
        assert _found(harness, "zoe 50%") == {percent.id}
        assert _found(harness, "zoe_u") == {under.id}
        assert _found(harness, "zoe\\s") == {slash.id}
        assert _found(harness, "%") == {percent.id}

    def test_filters_sort_and_paging_still_apply(self, harness: Harness) -> None:
        """ignore_accents changes the text match only: flags, sort, total and pages hold."""
        names = ("Émile Zola", "Emile Bernard", "Émilie Blocked", "Hugo Other")
        made = [_person(harness, name, f"s{n}") for n, name in enumerate(names)]
        harness.core.customers.block(made[2].id)
        page = harness.core.customers.search(
            "emil", ignore_accents=True, blocked=False, sort="-name", per_page=1
        )
        assert page.total == 2
        assert [item.customer.id for item in page.items] == [made[0].id]
        second = harness.core.customers.search(
            "emil", ignore_accents=True, blocked=False, sort="-name", per_page=1, page=2
        )
        assert [item.customer.id for item in second.items] == [made[1].id]

    def test_default_is_accent_sensitive(self, harness: Harness) -> None:
        """Without ignore_accents, an accent is a different letter (as before)."""
        jose = _person(harness, "José", "accent")
        plain = _person(harness, "Jose", "plain")
        assert _found(harness, "josé", ignore_accents=False) == {jose.id}
        assert _found(harness, "jose", ignore_accents=False) == {plain.id}
        assert _found(harness, "jose") == {jose.id, plain.id}

    @pytest.mark.parametrize("value", ["yes", 1, None])
    def test_a_non_bool_is_a_validation_error(self, harness: Harness, value: object) -> None:
        """ignore_accents must be a real bool: anything else is a ValidationError naming it."""
        _person(harness, "José", "one")
        before = snapshot(harness)
        with pytest.raises(ValidationError) as caught:
            harness.core.customers.search("jose", ignore_accents=value)  # type: ignore[arg-type]
        assert "ignore_accents" in caught.value.errors
        assert snapshot(harness) == before
