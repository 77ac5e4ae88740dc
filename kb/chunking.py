"""Cutting a project into the passages that are embedded and keyword-indexed."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ingest import SECTION_NAMES, ProjectRecord

# ~800 characters is ~200 tokens of German: well inside the 512-token window of e5-small,
# and short enough that one passage says one thing.
MAX_CHARS = 800
# Raise when chunk_project() changes what it produces: stores chunked by an older version are
# re-chunked (and so re-indexed) when opened.
CHUNKING_VERSION = 3
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÄÖÜ0-9„\"(])|\n\s*\n")

PROFILE_HEADING = "Steckbrief"


@dataclass(frozen=True)
class Chunk:
    kind: str  # a section kind, or "profile"
    heading: str
    position: int
    body: str  # the text shown in a snippet
    text: str  # the passage as embedded: title as context, then the section text

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
    chunks = [Chunk("profile", PROFILE_HEADING, 0, profile, profile)] if has_profile(record) else []
    for section in record.sections:
        heading = section.heading or SECTION_NAMES.get(section.kind, section.kind)
        for piece in split_sentences(section.text, MAX_CHARS):
            # The heading stays out of the passage: "Zusammenarbeit mit Netzwerkpartnern" in every
            # partners passage would make them all match any query about working together.
            chunks.append(Chunk(section.kind, heading, len(chunks), piece, f"{record.title}: {piece}"))
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
