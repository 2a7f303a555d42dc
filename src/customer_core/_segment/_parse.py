"""``parse(text)``: the text form of a segment, read by a small recursive-descent parser.

The grammar (keywords lower-case; positions in messages count characters from 1)::

    segment    := conjunction ("or" conjunction)*
    conjunction:= negation ("and" negation)*
    negation   := "not" negation | "(" segment ")" | condition
    condition  := FIELD OP value                      # == != < <= > >=
                | FIELD "between" value "and" value
                | FIELD "in" "(" value ("," value)* ")"
                | FIELD "contains" STRING
                | FIELD "is" "null"
                | FIELD ("within" | "older_than") SPAN  # 90d, 12w, 3y (365 days)
                | FIELD                               # is_blocked, is_repeat
    value      := STRING | NUMBER                     # "text", 12, -3, 99.50
    STRING     := '"' (any character but " and \\, or \\" or \\\\)* '"'

Times are written as ISO 8601 strings (``"2024-05-01"``, ``"2024-05-01T12:00:00+02:00"``).
``and``/``or`` nest to the left, ``and`` binds more strongly than ``or``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

import attrs

from customer_core._segment import _nodes as nodes
from customer_core._segment._fields import FIELDS, Kind, refuse
from customer_core._segment._nodes import Segment
from customer_core.errors import ValidationError

__all__ = ["MAX_CONDITIONS", "MAX_LENGTH", "parse"]

#: Bounds that keep a hostile text cheap (and the tree shallow enough to print and compile).
MAX_LENGTH = 10_000
MAX_CONDITIONS = 200
MAX_DEPTH = 50

_SPAN_DAYS = {"d": 1, "w": 7, "y": 365}
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\["\\])*")
  | (?P<span>\d{1,9}[dwy])(?![A-Za-z0-9_])
  | (?P<number>-?\d{1,20}(?:\.\d{1,20})?)(?![A-Za-z0-9_.])
  | (?P<op>==|!=|<=|>=|<|>)
  | (?P<punct>[(),])
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    """,
    re.VERBOSE,
)
_KEYWORDS = frozenset(
    {"and", "or", "not", "between", "in", "contains", "is", "null", "within", "older_than"}
)


@attrs.frozen
class Token:
    """One lexeme: its kind (a group name of :data:`_TOKEN`), text and 1-based position."""

    kind: str
    text: str
    position: int


def parse(text: str) -> Segment:
    """The segment ``text`` writes; ``ValidationError`` (key ``"segment"``) naming the position.

    ``parse(str(segment)) == segment`` for every segment.
    """
    if not isinstance(text, str):
        raise refuse("must be a text")
    if len(text) > MAX_LENGTH:
        raise refuse(f"must be at most {MAX_LENGTH} characters")
    return _Parser(_tokens(text), len(text) + 1).segment()


def _tokens(text: str) -> list[Token]:
    tokens: list[Token] = []
    at = 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None:
            raise refuse(f"unexpected character {text[at]!r} at position {at + 1}")
        kind = match.lastgroup
        assert kind is not None
        if kind != "space":
            tokens.append(Token(kind, match.group(), at + 1))
        at = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[Token], end: int) -> None:
        self.tokens = tokens
        self.at = 0
        self.end = end
        self.conditions = 0
        self.depth = 0

    def segment(self) -> Segment:
        found = self.disjunction()
        if self.at < len(self.tokens):
            token = self.tokens[self.at]
            raise refuse(f"unexpected {token.text!r} at position {token.position}")
        return found

    # -- structure ---------------------------------------------------------------------

    def disjunction(self) -> Segment:
        found = self.conjunction()
        while self.keyword("or"):
            found = nodes.Or(found, self.conjunction())
        return found

    def conjunction(self) -> Segment:
        found = self.negation()
        while self.keyword("and"):
            found = nodes.And(found, self.negation())
        return found

    def negation(self) -> Segment:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise refuse(f"nested more than {MAX_DEPTH} deep at position {self.position()}")
        try:
            if self.keyword("not"):
                return nodes.Not(self.negation())
            if self.punct("("):
                found = self.disjunction()
                self.expect_punct(")")
                return found
            return self.condition()
        finally:
            self.depth -= 1

    # -- conditions ----------------------------------------------------------------------

    def condition(self) -> Segment:
        token = self.next("a field")
        field = token.text
        if token.kind != "word" or field in _KEYWORDS:
            raise refuse(f"expected a field at position {token.position}, found {field!r}")
        if field not in FIELDS:
            raise refuse(f"unknown field {field!r} at position {token.position}")
        self.conditions += 1
        if self.conditions > MAX_CONDITIONS:
            raise refuse(f"more than {MAX_CONDITIONS} conditions at position {token.position}")
        return self.checked(token, lambda: self.operation(field))

    def operation(self, field: str) -> Segment:
        token = self.peek()
        if token is not None and token.kind == "op":
            self.at += 1
            return nodes.compare(field, token.text, self.value(field))
        if self.keyword("between"):
            low = self.value(field)
            self.expect_keyword("and")
            return nodes.between(field, low, self.value(field))
        if self.keyword("in"):
            return nodes.in_(field, self.values(field))
        if self.keyword("contains"):
            return nodes.contains(field, self.value(field))
        if self.keyword("is"):
            self.expect_keyword("null")
            return nodes.is_null(field)
        if self.keyword("within"):
            return nodes.within(field, self.span())
        if self.keyword("older_than"):
            return nodes.older_than(field, self.span())
        if FIELDS[field] is Kind.FLAG:
            return nodes.flag(field)
        raise refuse(f"expected an operator after {field} at position {self.position()}")

    def checked(self, token: Token, build: Callable[[], Segment]) -> Segment:
        """Run ``build``; a value's error gets the condition's position."""
        try:
            return build()
        except ValidationError as error:
            message = error.errors["segment"]
            if " at position " in message:
                raise
            raise refuse(f"{message} (the condition at position {token.position})") from None

    def values(self, field: str) -> list[object]:
        self.expect_punct("(")
        found = [self.value(field)]
        while self.punct(","):
            found.append(self.value(field))
        self.expect_punct(")")
        return found

    def value(self, field: str) -> object:
        token = self.next("a value")
        if token.kind == "string":
            return re.sub(r"\\([\"\\])", r"\1", token.text[1:-1])
        if token.kind == "number":
            return Decimal(token.text) if "." in token.text else int(token.text)
        raise refuse(f"expected a value for {field} at position {token.position}")

    def span(self) -> int:
        token = self.next("a span such as 90d")
        if token.kind != "span":
            raise refuse(f"expected a span such as 90d at position {token.position}")
        return int(token.text[:-1]) * _SPAN_DAYS[token.text[-1]]

    # -- tokens --------------------------------------------------------------------------

    def peek(self) -> Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def position(self) -> int:
        token = self.peek()
        return self.end if token is None else token.position

    def next(self, wanted: str) -> Token:
        token = self.peek()
        if token is None:
            raise refuse(f"expected {wanted} at position {self.end} (the end)")
        self.at += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "word" and token.text == word:
            self.at += 1
            return True
        return False

    def punct(self, char: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "punct" and token.text == char:
            self.at += 1
            return True
        return False

    def expect_keyword(self, word: str) -> None:
        if not self.keyword(word):
            raise refuse(f"expected {word!r} at position {self.position()}")

    def expect_punct(self, char: str) -> None:
        if not self.punct(char):
            raise refuse(f"expected {char!r} at position {self.position()}")
