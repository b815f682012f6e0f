"""A small, safe arithmetic language for derived indicators.

Grammar (recursive descent; no Python ``eval``)::

    formula := expr END
    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary)*
    unary   := ("+" | "-") unary | primary
    primary := NUMBER | CODE [ "(" MODIFIER ")" ] | "(" expr ")"

``CODE`` is an indicator code (``[A-Za-z_][A-Za-z0-9_]*``); ``NUMBER`` a decimal literal
(``100``, ``0.5``). ``CODE(previous December)`` is the code's value in December of the previous
year (上年末), used for net increases such as ``HTE_VALID - HTE_VALID(previous December)``;
``CODE(previous year)`` is its value in the same month a year earlier. Nothing else is accepted:
no function calls, no attributes, no exponent.

Evaluation is exact (Decimal) and total: a missing operand or a division by zero makes the result
``None`` (not applicable) instead of raising.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from .decimals import CTX
from .periods import Period

__all__ = ["Formula", "FormulaError", "Lookup", "MODIFIERS", "parse_formula"]

#: ``lookup(code, period) -> Decimal | None`` supplies operand values.
Lookup = Callable[[str, Period], "Decimal | None"]
_Compiled = Callable[[Lookup, Period], "Decimal | None"]

#: Accepted period modifiers (normalised: lower case, single spaces) → how they move the period.
MODIFIERS: dict[str, Callable[[Period], Period]] = {
    "previous december": Period.previous_december,
    "上年末": Period.previous_december,
    "上年12月": Period.previous_december,
    "previous year": Period.previous_year,
    "上年同期": Period.previous_year,
}

_MAX_DEPTH = 64
_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class FormulaError(ValueError):
    """A formula that does not parse; names the position (0-based) and what was expected."""

    def __init__(self, message: str, formula: str, position: int) -> None:
        self.message = message
        self.formula = formula
        self.position = position
        super().__init__(f"{message} at position {position} in formula {formula!r}")


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "num" | "ref" | "op" | "(" | ")" | "end"
    value: object
    pos: int


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to an indicator, optionally at a shifted period (``modifier`` normalised or None)."""

    code: str
    modifier: str | None = None


def _tokenise(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "+-*/":
            tokens.append(_Token("op", ch, i))
            i += 1
            continue
        if ch in "()":
            tokens.append(_Token(ch, ch, i))
            i += 1
            continue
        m = _NUMBER_RE.match(text, i)
        if m:
            end = m.end()
            if end < n and (text[end].isalnum() or text[end] in "._"):
                raise FormulaError(f"malformed number {text[i:end + 1]!r}", text, i)
            tokens.append(_Token("num", Decimal(m.group()), i))
            i = end
            continue
        m = _IDENT_RE.match(text, i)
        if m:
            code, start, i = m.group(), i, m.end()
            # CODE(modifier): a "(" right after a code can only be a modifier (there is no implicit
            # multiplication), so read up to the closing ")".
            j = i
            while j < n and text[j].isspace():
                j += 1
            modifier = None
            if j < n and text[j] == "(":
                close = text.find(")", j + 1)
                if close < 0:
                    raise FormulaError(f"unclosed '(' after {code}", text, j)
                raw = text[j + 1:close]
                modifier = " ".join(raw.split()).lower()
                if modifier not in MODIFIERS:
                    raise FormulaError(
                        f"unknown period modifier {raw.strip()!r} after {code} "
                        f"(supported: {code}(previous December), {code}(previous year))",
                        text,
                        j + 1,
                    )
                i = close + 1
            tokens.append(_Token("ref", Ref(code, modifier), start))
            continue
        raise FormulaError(f"unexpected character {ch!r}", text, i)
    tokens.append(_Token("end", None, n))
    return tokens


class _Parser:
    """Recursive descent over the token list, producing compiled closures."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenise(text)
        self.i = 0
        self.refs: list[Ref] = []

    def _peek(self) -> _Token:
        return self.tokens[self.i]

    def _error(self, message: str, tok: _Token | None = None) -> FormulaError:
        tok = tok or self._peek()
        return FormulaError(message, self.text, tok.pos)

    def parse(self) -> _Compiled:
        if self._peek().kind == "end":
            raise self._error("empty formula")
        fn = self._expr(0)
        tok = self._peek()
        if tok.kind != "end":
            if tok.kind == ")":
                raise self._error("unmatched ')'")
            raise self._error(f"expected an operator, found {_describe(tok)}")
        return fn

    def _expr(self, depth: int) -> _Compiled:
        left = self._term(depth)
        while (tok := self._peek()).kind == "op" and tok.value in "+-":
            self.i += 1
            left = _binary(tok.value, left, self._term(depth))
        return left

    def _term(self, depth: int) -> _Compiled:
        left = self._unary(depth)
        while (tok := self._peek()).kind == "op" and tok.value in "*/":
            self.i += 1
            left = _binary(tok.value, left, self._unary(depth))
        return left

    def _unary(self, depth: int) -> _Compiled:
        tok = self._peek()
        if tok.kind == "op" and tok.value in "+-":
            if depth > _MAX_DEPTH:
                raise self._error("formula nested too deeply")
            self.i += 1
            operand = self._unary(depth + 1)
            if tok.value == "+":
                return operand

            def neg(lookup: Lookup, period: Period) -> Decimal | None:
                v = operand(lookup, period)
                return None if v is None else CTX.minus(v)

            return neg
        return self._primary(depth)

    def _primary(self, depth: int) -> _Compiled:
        tok = self._peek()
        if tok.kind == "num":
            self.i += 1
            const: Decimal = tok.value  # type: ignore[assignment]
            return lambda lookup, period: const
        if tok.kind == "ref":
            self.i += 1
            ref: Ref = tok.value  # type: ignore[assignment]
            self.refs.append(ref)
            code = ref.code
            if ref.modifier is None:
                return lambda lookup, period: lookup(code, period)
            shift = MODIFIERS[ref.modifier]
            return lambda lookup, period: lookup(code, shift(period))
        if tok.kind == "(":
            if depth > _MAX_DEPTH:
                raise self._error("formula nested too deeply")
            self.i += 1
            inner = self._expr(depth + 1)
            if self._peek().kind != ")":
                found = _describe(self._peek())
                raise self._error(f"expected ')' to close the '(' at position {tok.pos}, found {found}")
            self.i += 1
            return inner
        if tok.kind == "end":
            raise self._error("unexpected end of formula: an operand is missing")
        raise self._error(f"expected a number, an indicator code or '(', found {_describe(tok)}")


def _describe(tok: _Token) -> str:
    if tok.kind == "end":
        return "the end of the formula"
    if tok.kind == "ref":
        return f"indicator code {tok.value.code!r}"  # type: ignore[union-attr]
    return repr(str(tok.value))


def _binary(op: str, left: _Compiled, right: _Compiled) -> _Compiled:
    if op == "+":
        def add(lookup: Lookup, period: Period) -> Decimal | None:
            a = left(lookup, period)
            if a is None:
                return None
            b = right(lookup, period)
            return None if b is None else CTX.add(a, b)
        return add
    if op == "-":
        def sub(lookup: Lookup, period: Period) -> Decimal | None:
            a = left(lookup, period)
            if a is None:
                return None
            b = right(lookup, period)
            return None if b is None else CTX.subtract(a, b)
        return sub
    if op == "*":
        def mul(lookup: Lookup, period: Period) -> Decimal | None:
            a = left(lookup, period)
            if a is None:
                return None
            b = right(lookup, period)
            return None if b is None else CTX.multiply(a, b)
        return mul

    def div(lookup: Lookup, period: Period) -> Decimal | None:
        a = left(lookup, period)
        if a is None:
            return None
        b = right(lookup, period)
        if b is None or b.is_zero():
            return None  # division by zero: not applicable
        return CTX.divide(a, b)
    return div


class Formula:
    """A parsed formula: its text, the indicator codes it refers to, and an exact evaluator."""

    __slots__ = ("text", "refs", "codes", "_fn")

    def __init__(self, text: str) -> None:
        parser = _Parser(text)
        self._fn = parser.parse()
        self.text = text
        self.refs: tuple[Ref, ...] = tuple(parser.refs)
        self.codes: frozenset[str] = frozenset(r.code for r in parser.refs)

    def evaluate(self, lookup: Lookup, period: Period) -> Decimal | None:
        """The value at ``period``; ``lookup(code, period)`` gives operands. None if not applicable."""
        return self._fn(lookup, period)

    def evaluate_mapping(self, values: dict[str, Decimal], period: Period | None = None) -> Decimal | None:
        """Convenience for formulas without modifiers: operands from a ``{code: value}`` mapping."""
        p = period or Period(2000, 1)
        if period is None and any(r.modifier for r in self.refs):
            raise ValueError("a formula with period modifiers needs a period and a period-aware lookup")
        return self._fn(lambda code, _p: values.get(code), p)

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"

    def __str__(self) -> str:
        return self.text


def parse_formula(text: str) -> Formula:
    """Parse ``text``; raises :class:`FormulaError` (with the position) when it is not a formula."""
    if not isinstance(text, str):
        raise TypeError(f"a formula is a string, got {type(text).__name__}")
    return Formula(text)
