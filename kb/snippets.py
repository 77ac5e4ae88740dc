"""The snippet shown under a search hit: the part of a text that answers the query, matches marked.

Words match by the keyword analysis of kb.text_analysis, so a snippet marks
what the keyword search found: "Sprachpatenschaft" for "Sprachpaten",
"Lotsen" for "Gesundheitslotsinnen", "fuer" for "für".
"""

from __future__ import annotations

import html
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

from kb.bounded_cache import byte_bounded_cache
from kb.input_limits import bounded_query
from kb.text_analysis import DEFAULT_ANALYZER, GERMAN_STOP_WORDS, HYPHENS, WORD, fold

ELLIPSIS = "…"
PASSAGE_CACHE_ENTRIES = 2048
PASSAGE_CACHE_MAX_CHARS = 2000
WORD_TERMS_BYTES = 4 * 1024 * 1024  # a word with its terms: ~300 bytes, so ~14,000 words
# A query with more needles keeps them all: leaving out those that hold another compares each pair.
MINIMISED_NEEDLES = 64
LEAD = 0.2  # share of the window shown before its first match, so a match has some context


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    term: str  # the query term the word answers, so several words answering one term count once


def make_snippet(
    text: str, query: str, width: int = 240, spaced: bool = False, wanted: QueryAnalysis | None = None
) -> str:
    """The best window of about `width` characters for the query, HTML-escaped, matches in <mark>.
    spaced: the text's whitespace is single spaces already (spaced_text: kept so by the search);
    wanted: the query's analysis (snippet_analysis), where the caller has it."""
    text = text if spaced else spaced_text(text)
    matches = find_matches(text, query, wanted)
    start, end = best_window(text, matches, width)
    marked = mark(text, [m for m in matches if start <= m.start and m.end <= end], start, end)
    return (ELLIPSIS if start > 0 else "") + marked + (ELLIPSIS if end < len(text) else "")


def spaced_text(text: str) -> str:
    """The text with every run of whitespace one space, as snippets show it."""
    return " ".join(text.split())


def snippet_analysis(query: str) -> QueryAnalysis:
    """What make_snippet reads of the query, for a caller making several snippets of it."""
    return query_analysis(bounded_query(query))


@byte_bounded_cache(2 * 1024 * 1024)
def query_analysis(query: str) -> QueryAnalysis:
    """The query's terms and compound parts; cached, since one search makes a snippet per result."""
    wanted = frozenset(DEFAULT_ANALYZER.query_terms(query))
    parts = frozenset(DEFAULT_ANALYZER.query_parts(query))
    return QueryAnalysis(wanted, parts, _needles(wanted | parts))


@dataclass(frozen=True)
class QueryAnalysis:
    terms: frozenset[str]
    parts: frozenset[str]
    # Letters every word that can match must contain: a stem is a prefix of its folded word, and a
    # feminine form's stem ("lotse" for "lotsinnen") a prefix up to a final "e"; so a word holding
    # none of these strings is settled without stemming it or its parts. The fewest of them that
    # find the same words, looked for one by one (a compiled alternation of them was kept here too,
    # unused, and every long query's one, ~17 KB, stayed in `re`'s own 512-pattern cache: 8.9 MB
    # after 1,000 long queries).
    needle_list: tuple[str, ...] = ()


def _needles(terms: frozenset[str]) -> tuple[str, ...]:
    """The needles, leaving out each that holds another: a candidate holding "sprachkur" holds
    "kur", so it is found without the longer one (the same words; a query's 22 needles were 7-12,
    each one a scan of every snippet's passage)."""
    needles = {term[:-1] if term.endswith("e") else term for term in terms}
    needles.discard("")
    if len(needles) > MINIMISED_NEEDLES:
        return tuple(sorted(needles))
    kept: list[str] = []
    for needle in sorted(needles, key=len):
        if not any(shorter in needle for shorter in kept):
            kept.append(needle)
    return tuple(sorted(kept))


@dataclass(frozen=True)
class PassageWords:
    """A passage's words as the keyword analysis reads them: computed once per passage text."""

    spans: tuple[tuple[int, int], ...]  # each word's place in the text
    candidates: tuple[tuple[str, ...], ...]  # each word's folded forms: its pieces, then the joined whole
    folded: str  # every candidate, separated by spaces, for one regex pass per query
    starts: tuple[int, ...]  # where each candidate starts in `folded`
    owners: tuple[int, ...]  # for each candidate in `folded`, the index of its word


def passage_words(text: str) -> PassageWords:
    """The passage's words; remembered for passages of ordinary length, which recur across searches."""
    if len(text) > PASSAGE_CACHE_MAX_CHARS:
        return _read_words(text)
    return _cached_words(text)


def _read_words(text: str) -> PassageWords:
    spans, candidates, starts, owners = [], [], [], []
    offset = 0
    for index, found in enumerate(WORD.finditer(text)):
        pieces = [fold(piece) for piece in HYPHENS.split(found.group())]
        forms = tuple(pieces + ["".join(pieces)] if len(pieces) > 1 else pieces)
        spans.append(found.span())
        candidates.append(forms)
        for form in forms:
            starts.append(offset)
            owners.append(index)
            offset += len(form) + 1
    folded = " ".join(form for forms in candidates for form in forms)
    return PassageWords(tuple(spans), tuple(candidates), folded, tuple(starts), tuple(owners))


# Entries hold a passage of at most PASSAGE_CACHE_MAX_CHARS and about four times that in words:
# at most ~2,048 × 10 KB = 20 MB, usually a tenth of it (chunks are ≤ 800 characters).
_cached_words = lru_cache(maxsize=PASSAGE_CACHE_ENTRIES)(_read_words)


def find_matches(text: str, query: str, wanted: QueryAnalysis | None = None) -> list[Match]:
    """The words of the text that the query's keyword search would match, in text order.
    wanted: the query's analysis, where the caller has it (a search's ten snippets share one)."""
    wanted = wanted or query_analysis(bounded_query(query))
    if not wanted.terms or not wanted.needle_list:
        return []
    words = passage_words(text)
    hopeful = _hopeful_words(words, wanted.needle_list)
    matches = []
    for index in hopeful:
        term = _matching_term(words.candidates[index], wanted)
        if term is not None:
            start, end = words.spans[index]
            matches.append(Match(start, end, term))
    return matches


def _hopeful_words(words: PassageWords, needles: tuple[str, ...]) -> list[int]:
    """The words holding a needle, in text order: str.find per needle runs at C speed, where one
    regex alternating between twenty needles took most of a snippet's time. Candidates hold no
    spaces, so the words hit are those a regex search would hit."""
    folded, starts, owners = words.folded, words.starts, words.owners
    found = set()
    for needle in needles:
        start = folded.find(needle)
        while start >= 0:
            found.add(owners[bisect_right(starts, start) - 1])
            start = folded.find(needle, start + 1)
    return sorted(found)


def _matching_term(candidates: tuple[str, ...], wanted: QueryAnalysis) -> str | None:
    """The query term a word answers, by its own stem or a compound part's; None if it answers none."""
    for word in candidates:
        if word in GERMAN_STOP_WORDS:
            continue
        term, parts = word_terms(word)
        if term in wanted.terms or term in wanted.parts:
            return term
        shared = wanted.terms.intersection(parts)
        if shared:
            return min(shared)
    return None


@byte_bounded_cache(WORD_TERMS_BYTES)
def word_terms(word: str) -> tuple[str, tuple[str, ...]]:
    """A folded word's term and its compound parts' terms: the same words come back in search after
    search, and stemming each part again was half of a snippet's time."""
    return DEFAULT_ANALYZER.term(word), tuple(DEFAULT_ANALYZER.part_terms(word))


def best_window(text: str, matches: list[Match], width: int) -> tuple[int, int]:
    """(start, end) of the window with the most distinct query terms, cut at word boundaries."""
    if len(text) <= width:
        return 0, len(text)
    best_start, best_score = 0, (0, 0)
    for anchor in matches:
        start = max(0, min(anchor.start - int(LEAD * width), len(text) - width))
        inside = [m for m in matches if start <= m.start and m.end <= start + width]
        score = (len({m.term for m in inside}), len(inside))
        if score > best_score:  # strictly better: the earliest of equal windows wins
            best_start, best_score = start, score
    return _word_bounds(text, best_start, best_start + width)


def _word_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a window so that it neither starts nor ends inside a word."""
    if start > 0 and not text[start - 1].isspace():
        following_space = text.find(" ", start)
        start = following_space + 1 if 0 <= following_space < end else start
    if end < len(text) and not text[end].isspace():
        preceding_space = text.rfind(" ", start, end)
        end = preceding_space if preceding_space > start else end
    return start, end


def mark(text: str, matches: list[Match], start: int, end: int) -> str:
    """text[start:end] HTML-escaped, the matched words wrapped in <mark>."""
    pieces = []
    position = start
    for match in matches:
        pieces.append(html.escape(text[position : match.start]))
        pieces.append("<mark>" + html.escape(text[match.start : match.end]) + "</mark>")
        position = match.end
    pieces.append(html.escape(text[position:end]))
    return "".join(pieces)
