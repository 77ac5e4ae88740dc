"""The snippet shown under a search hit: the part of a text that answers the query, matches marked.

Words match by the keyword analysis of kb.text_analysis, so a snippet marks
what the keyword search found: "Sprachpatenschaft" for "Sprachpaten",
"Lotsen" for "Gesundheitslotsinnen", "fuer" for "für".
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import lru_cache

from kb.text_analysis import DEFAULT_ANALYZER, GERMAN_STOP_WORDS, HYPHENS, WORD, fold

ELLIPSIS = "…"
LEAD = 0.2  # share of the window shown before its first match, so a match has some context


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    term: str  # the query term the word answers, so several words answering one term count once


def make_snippet(text: str, query: str, width: int = 240) -> str:
    """The best window of about `width` characters for the query, HTML-escaped, matches in <mark>."""
    text = " ".join(text.split())
    matches = find_matches(text, query)
    start, end = best_window(text, matches, width)
    marked = mark(text, [m for m in matches if start <= m.start and m.end <= end], start, end)
    return (ELLIPSIS if start > 0 else "") + marked + (ELLIPSIS if end < len(text) else "")


@lru_cache(maxsize=256)
def query_analysis(query: str) -> tuple[frozenset[str], frozenset[str]]:
    """The query's terms and compound parts; cached, since one search makes a snippet per result."""
    return frozenset(DEFAULT_ANALYZER.query_terms(query)), frozenset(DEFAULT_ANALYZER.query_parts(query))


def find_matches(text: str, query: str) -> list[Match]:
    """The words of the text that the query's keyword search would match, in text order."""
    analyzer = DEFAULT_ANALYZER
    wanted, wanted_parts = query_analysis(query)
    if not wanted:
        return []
    matches = []
    for found in WORD.finditer(text):
        folded = [fold(piece) for piece in HYPHENS.split(found.group())]
        candidates = folded + ["".join(folded)] if len(folded) > 1 else folded
        for word in candidates:
            if word in GERMAN_STOP_WORDS:
                continue
            term = analyzer.term(word)
            if term in wanted or term in wanted_parts:
                matches.append(Match(found.start(), found.end(), term))
                break
            shared = wanted.intersection(analyzer.part_terms(word))
            if shared:
                matches.append(Match(found.start(), found.end(), min(shared)))
                break
    return matches


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
