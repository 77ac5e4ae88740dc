"""Joining lines of typeset text: line-end hyphens removed where typesetting added them.

Print breaks long words at syllables ("Integrations-" / "kurs") with the same hyphen that real
compounds carry ("Deutsch-Türkischer"). German spelling settles most cases:

- a lowercase continuation means the hyphen was added by the typesetter: join the halves;
- an uppercase continuation means a compound of nouns or names ("Eltern-" / "Kind"): keep it;
- a conjunction after the hyphen marks an elided word ("Sprach-" / "und Kulturmittler"): keep
  hyphen and space;
- digits around it ("2021-" / "2024") keep it.

Compounds with a lowercase second part ("Deutsch-" / "sprachig") look like typesetter breaks;
when the document itself writes the word with a hyphen somewhere mid-line and never without,
that evidence wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Hyphen-like characters a line may end with: hyphen-minus, soft hyphen, Unicode hyphen.
_LINE_END_HYPHENS = "-\u00ad\u2010"
# Words after which a hyphen stands for an elided part ("Sprach- und Kulturmittler").
_ELISION_WORDS = frozenset({"und", "oder", "bzw", "sowie", "bis", "als", "wie", "noch", "beziehungsweise"})
_PUNCTUATION = ".,;:!?()[]{}\"'„“”‚‘’«»/"
_LAST_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*-?$")
_FIRST_WORD = re.compile(r"[^\W\d_]+")


class WordEvidence:
    """How a document spells words mid-line, to settle ambiguous line-end hyphens."""

    def __init__(self, text: str = ""):
        # Lines joined by newlines: a fragment broken at a line end never looks like a word here.
        self.text = text.lower()
        tokens = (token.strip(_PUNCTUATION) for token in self.text.split() if "-" in token[1:-1])
        self.hyphenated = {token for token in tokens if "-" in token}

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> WordEvidence:
        return cls("\n".join(lines))

    def contains_word(self, word: str) -> bool:
        """Whether the word stands somewhere in the text as a whole word (no letter or hyphen around)."""
        word = word.lower()
        start = self.text.find(word)
        while start >= 0:
            before = self.text[start - 1 : start] if start else ""
            after = self.text[start + len(word) : start + len(word) + 1]
            if not (before.isalpha() or before == "-" or after.isalpha() or after == "-"):
                return True
            start = self.text.find(word, start + 1)
        return False

    def prefers_hyphen(self, head: str, tail: str) -> bool:
        """True when the document writes head-tail with a hyphen and never as one word."""
        if f"{head}-{tail}".lower() not in self.hyphenated:
            return False
        return not self.contains_word(head + tail)


def join_lines(left: str, right: str, evidence: WordEvidence | None = None) -> str:
    """Join two consecutive lines of one paragraph, resolving a hyphen at the end of `left`."""
    left, right = left.rstrip(), right.lstrip()
    if not left or not right:
        return left or right
    if left[-1] not in _LINE_END_HYPHENS:
        return f"{left} {right}"
    stem, hyphen = left[:-1], left[-1]
    if not stem or not stem[-1].isalpha():
        # "2021-" + "2024" keeps the hyphen; a free-standing dash ("Ziel -") is punctuation.
        return f"{left}{right}" if stem[-1:].isdigit() else f"{left} {right}"
    token = stem[stem.rfind(" ") + 1 :]
    if "@" in token or "://" in token or token.startswith("www."):
        return f"{left}{right}"  # an e-mail or web address breaks only at its own hyphens
    first = _FIRST_WORD.match(right)
    if first and first.group().lower() in _ELISION_WORDS:
        return f"{stem}- {right}"
    if not right[0].islower():
        return f"{stem}-{right}"
    if hyphen == "-" and first and evidence is not None:
        head = _LAST_WORD.search(token)  # only the last word matters; keeps the search short
        if head and evidence.prefers_hyphen(head.group(), first.group()):
            return f"{stem}-{right}"
    return stem + right


def join_all(lines: Iterable[str], evidence: WordEvidence | None = None) -> str:
    """Join the lines of one paragraph into one string."""
    pieces: list[str] = []
    for line in lines:
        line = line.strip()
        if pieces and pieces[-1][-1:] in _LINE_END_HYPHENS:
            pieces[-1] = join_lines(pieces[-1], line, evidence)  # only two lines' worth of text
        elif line:
            pieces.append(line)
    return " ".join(pieces)
