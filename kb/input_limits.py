"""Input from outside, bounded before any work is done on it: the query's size, whole numbers.

A search analyses every word of its query and embeds every 510-token window of it, so its cost
grows with its length: a 20,000-character query took 27 s and held the model meanwhile. People
describe an idea in a few sentences (the longest query of the evaluation set has 188 characters);
a query is therefore cut to MAX_QUERY_CHARS before analysis and embedding, in kb, so that the
CLI, the pages and the API share one limit.
"""

from __future__ import annotations

MAX_QUERY_CHARS = 1000
# The part of a query that is embedded, in the model's tokens. Embedding time grows with tokens,
# in steps: the default model reads 41-48 tokens in the time of 22 (a normal query), 49-64 in
# about twice that (measured on the 2-core machine: 39 ms at 48, 53 ms at 50, 70 ms at 64, 30 ms
# for a median evaluation query). The evaluation queries have 9-47 tokens, so 48 embeds every one
# of them whole and keeps the longest query near the cost of a normal one; 48 tokens are about
# 190 characters of German, two sentences. The keyword half of a search reads all MAX_QUERY_CHARS.
MAX_QUERY_TOKENS = 48
# How far back from the cut a space is sought, so that the last word is not cut in half.
WORD_BOUNDARY_REACH = 60


def bounded_query(text: str, limit: int = MAX_QUERY_CHARS) -> str:
    """The query as it is searched: stripped, at most `limit` characters, a cut word dropped."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if not text[limit].isspace():
        space = cut.rfind(" ", limit - WORD_BOUNDARY_REACH)
        if space > 0:
            cut = cut[:space]
    return cut.rstrip()


def was_cut(text: str, limit: int = MAX_QUERY_CHARS) -> bool:
    """Whether bounded_query() shortened this text."""
    return len(text.strip()) > limit


# More digits than any count we accept; also keeps int() far from its 4,300-digit limit.
MAX_NUMBER_DIGITS = 9


def whole_number(raw: str) -> int | None:
    """A whole number written in ASCII digits ("12"), or None.

    int() alone is not enough: it takes "٣" (an Arabic-Indic three) and " 7 ", and str.isdigit()
    lets "²" and "①" through, which int() then refuses with a ValueError.
    """
    raw = raw.strip()
    if not raw or len(raw) > MAX_NUMBER_DIGITS or not (raw.isascii() and raw.isdigit()):
        return None
    return int(raw)
