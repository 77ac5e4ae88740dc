"""Cutting a project into the passages that are embedded and keyword-indexed."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ingest import SECTION_NAMES, ProjectRecord

# ~800 characters is ~200 tokens of German: well inside the 512-token window of e5-small,
# and short enough that one passage says one thing.
MAX_CHARS = 800
# A record of only a title and text (a JSONL line, a bare page) is one run of text, not sections:
# its passages run to ~400 tokens, still inside e5's 512, and carry no title (below).
TEXT_ONLY_MAX_CHARS = 1600
# Raise when chunk_project() changes what it produces: stores chunked by an older version are
# re-chunked (and so re-indexed) when opened.
# 5: passages that carry the title are embedded without it too (kb.untitled_order); re-chunking
# gives new chunk ids, so the next index sync embeds those for a store made before.
CHUNKING_VERSION = 5
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÄÖÜ0-9„\"(])|\n\s*\n")

PROFILE_HEADING = "Steckbrief"


@dataclass(frozen=True)
class Chunk:
    kind: str  # a section kind, or "profile"
    heading: str
    position: int
    body: str  # the text shown in a snippet
    text: str  # the passage as embedded: title as context, then the section text
    keywords: str = ""  # the passage as keyword-indexed, where it differs from text

    @property
    def keyword_text(self) -> str:
        return self.keywords or self.text

    @property
    def text_hash(self) -> str:
        return text_hash(self.text)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def chunk_project(record: ProjectRecord) -> list[Chunk]:
    """A profile passage (what, who, where, for whom) plus each section, long ones split at sentences."""
    profile = profile_text(record)
    # A record that is only a title and text (a JSONL line, a bare page) gets no profile passage:
    # its title alone, embedded, matches every question about the title's subject equally and
    # cost XQuAD 0.03-0.09 MRR@10 across languages (README, "XQuAD end to end").
    structured = has_profile(record)
    chunks = [Chunk("profile", PROFILE_HEADING, 0, profile, profile)] if structured else []
    for section in record.sections:
        heading = section.heading or SECTION_NAMES.get(section.kind, section.kind)
        for piece in split_sentences(section.text, MAX_CHARS if structured else TEXT_ONLY_MAX_CHARS):
            # The heading stays out of the passage: "Zusammenarbeit mit Netzwerkpartnern" in every
            # partners passage would make them all match any query about working together.
            titled = f"{record.title}: {piece}"
            if structured:
                chunks.append(Chunk(section.kind, heading, len(chunks), piece, titled))
            else:
                # The title of a text-only record is a label ("Super Bowl 50 (3)"): before every
                # passage it pulls them all towards the label's subject, and splitting at 800
                # characters cut the text's context; together they cost XQuAD's Arabic and Russian
                # questions 0.01 MRR@10 (README, "XQuAD end to end"). The keyword index keeps it.
                chunks.append(Chunk(section.kind, heading, len(chunks), piece, piece, keywords=titled))
    return chunks


def has_profile(record: ProjectRecord) -> bool:
    """Does the record say more about itself than its title (who, where, for whom, a summary)?"""
    fields = (record.area, record.organisation, record.town, record.summary)
    return any(fields) or bool(record.target_groups or record.partners)


def profile_text(record: ProjectRecord) -> str:
    parts = [record.title + "."]
    labelled = [
        ("Bereich", record.area),
        ("Träger", record.organisation),
        ("Ort", record.town),
        ("Zielgruppen", ", ".join(record.target_groups)),
        ("Partner", ", ".join(record.partners)),
    ]
    parts += [f"{label}: {value}." for label, value in labelled if value]
    if record.summary:
        parts.append(record.summary)
    return " ".join(parts)


def split_sentences(text: str, max_chars: int) -> list[str]:
    """Split text into pieces of at most max_chars, breaking only between sentences where possible."""
    text = text.strip()
    if len(text) <= max_chars:
        return [text] if text else []
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(text):
        sentence = sentence.strip()
        if not sentence:
            continue
        if current and len(current) + 1 + len(sentence) > max_chars:
            pieces.append(current)
            current = ""
        while len(sentence) > max_chars:  # one overlong sentence: cut at a word boundary
            cut = sentence.rfind(" ", 0, max_chars)
            cut = cut if cut > max_chars // 2 else max_chars
            pieces.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        current = f"{current} {sentence}".strip()
    if current:
        pieces.append(current)
    return pieces
