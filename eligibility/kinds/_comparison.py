"""A comparison as lab, score and weight patterns capture it: the comparator word (`op`), an
'or equal to' after it (`eq`: "less than or equal to 20") and a sign repeated in brackets (`sym`:
"greater than or equal to [>=] 6"). The words mean what `[grammar] comparators` says."""

from __future__ import annotations

import re

from eligibility.kinds.base import grammar

GROUPS = ("op", "eq", "sym")


def _group(m: re.Match[str], name: str) -> str | None:
    return m.group(name) if name in m.re.groupindex else None


def comparison(m: re.Match[str], default: str, op: str = "op", eq: str = "eq", sym: str = "sym") -> str:
    """The comparison a match states ('<', '<=', '>', '>='), or `default` when it states none."""
    sign = _group(m, sym)
    if sign:
        return grammar().op(sign, default)
    word = _group(m, op)
    if word and _group(m, eq):
        # "less than or equal to" as written, else the word's comparison made inclusive ("below or equal to")
        named = grammar().op(f"{word} or equal to", "")
        return named or _INCLUSIVE.get(grammar().op(word, default), grammar().op(word, default))
    return grammar().op(word, default)


_INCLUSIVE = {"<": "<=", ">": ">="}
