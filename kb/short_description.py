"""A project's "Kurzbeschreibung": one or two sentences that say what the project offers.

The source's own lead (summary field, lead paragraph, meta description) is taken when it says
something about the project beyond who runs it, where and in which area. Otherwise the sentences
of the approach are scored: a brochure's approach often opens with the problem ("Viele Frauen
haben nie schwimmen gelernt …") and only then says what is done ("Der Verein bietet deshalb
Schwimmkurse … an"); the problem is never the description.
"""

from __future__ import annotations

import re

from ingest import ProjectRecord

MAX_CHARS = 300  # a card line and the enquiry answer show it whole
MAX_SCAN_CHARS = 4000  # only the start of an approach is read; what a project does comes first
MAX_SENTENCES = 8

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ0-9„\"(])")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)

# Words a problem statement is made of: lack, difficulty, frequency of a hardship.
_PROBLEM = re.compile(
    r"\b(viele|oft|häufig|kaum|selten|fehlt|fehlen|fehlende[nm]?|schwer|schwierig|hürde|problem\w*|"
    r"überforder\w*|leiden|rar|mangel\w*|nie|keine[nmrs]?|kein|nicht|ohne|scheitern|dringend|wenige?|"
    r"unüblich|verboten|vermeidbar|benachteiligt|isoliert|allein|trotz|obwohl)\b",
    re.IGNORECASE,
)
# Words that say something is done, offered or met.
_ACTION = re.compile(
    r"\b(biete[nt]?|angeboten|vermittel[nt]?|begleite[nt]?|unterstütz\w*|berät|berate[nt]?|schul(?:en|t|te|ten)|geschult|"
    r"qualifiziert|trifft|treffen|lädt|laden|öffne[nt]|organisier\w*|hilft|helfen|gestalte[nt]|"
    r"vorgelesen|entstanden|geworden|findet statt|finden statt|setzt auf|umfasst|im einsatz|"
    r"sprechstunde|deshalb|daher)\b",
    re.IGNORECASE,
)
# A sentence opening with these leans on the one before and does not stand alone.
_LEANING = re.compile(
    r"^(sie|er|es|dort|dabei|dazu|diese[rsnm]?|dies|damit|danach|außerdem|zudem|auch|so|hier|"
    r"gleichzeitig|daraus|darüber|deren|dessen)\b",
    re.IGNORECASE,
)
_CONNECTIVE = re.compile(r"\s+(deshalb|daher|deswegen|darum)\b", re.IGNORECASE)
# Words a lead uses when it only names who, where and what programme: nothing of what is done.
_BOILERPLATE = {
    "projekt", "projekte", "setzt", "setzen", "um", "ein", "eine", "einen", "im", "in", "am", "an", "der",
    "die", "das", "dem", "den", "des", "und", "aus", "mit", "von", "vom", "zum", "zur", "für", "wird",
    "werden", "gefördert", "förderung", "fördert", "handlungsfeld", "themenfeld", "bereich",
    "integrationsfonds", "landkreis", "landkreises", "kreis", "durch", "träger", "trägers",
    "programm", "programms", "rahmen", "unterstützt", "e", "v", "ev", "gmbh", "statt", "findet",
    "durchgeführt", "realisiert", "seit", "ab", "bis", "über", "heute", "vor", "ort",
}  # fmt: skip


def _sentences(text: str) -> list[str]:
    text = " ".join(text[:MAX_SCAN_CHARS].split())
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()][:MAX_SENTENCES]


def is_descriptive(lead: str, record: ProjectRecord) -> bool:
    """False for a lead that only names the Träger, town, area or funding ("X setzt in Y ein Projekt
    im Handlungsfeld Z um, gefördert aus dem Integrationsfonds")."""
    named = " ".join(
        v for v in (record.title, record.organisation, record.town, record.area, *record.target_groups) if v
    )[:MAX_SCAN_CHARS].lower()
    named_words = set(_WORD.findall(named))
    content = [
        w
        for w in _WORD.findall(lead[:MAX_SCAN_CHARS].lower())
        if w not in _BOILERPLATE and w not in named_words and len(w) > 2
    ]
    return len(set(content)) >= 3


def is_problem(sentence: str) -> bool:
    """A sentence that tells a hardship and nothing that is done about it."""
    return bool(_PROBLEM.search(sentence)) and not _ACTION.search(sentence)


def pick_sentence(sentences: list[str]) -> int | None:
    """Which sentence says what the project does.

    After a problem statement, the sentence with "deshalb"/"daher" is the answer to it; otherwise
    the first sentence that is no problem statement, stands on its own and is more than a phrase.
    """
    if any(is_problem(s) for s in sentences[:3]):
        for index, sentence in enumerate(sentences[:5]):
            if _CONNECTIVE.search(sentence) and not is_problem(sentence) and index > 0:
                return index
    for index, sentence in enumerate(sentences):
        if not is_problem(sentence) and not _LEANING.match(sentence) and len(_WORD.findall(sentence)) >= 5:
            return index
    return next((i for i, s in enumerate(sentences) if not is_problem(s)), None)


def _tidy(sentence: str) -> str:
    """Drop the "deshalb" that pointed at the problem left out; end a long sentence at its colon."""
    if not re.match(r"(deshalb|daher|deswegen|darum)\b", sentence, re.IGNORECASE):
        sentence = _CONNECTIVE.sub("", sentence, count=1)
    if len(sentence) > MAX_CHARS and ":" in sentence[20:]:
        sentence = sentence[: sentence.index(":", 20)].rstrip() + "."
    return sentence


def _cut(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= MAX_CHARS:
        return text
    return text[: MAX_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def from_approach(text: str) -> str | None:
    """The one or two sentences of an approach that best say what the project does."""
    sentences = _sentences(text)
    best = pick_sentence(sentences)
    if best is None:
        return None
    chosen = _tidy(sentences[best])
    following = best + 1
    if (
        following < len(sentences)
        and len(chosen) < MAX_CHARS * 0.45
        and not is_problem(sentences[following])
        and len(chosen) + 1 + len(sentences[following]) <= MAX_CHARS
    ):
        chosen = f"{chosen} {sentences[following]}"
    return _cut(chosen)


def short_description(record: ProjectRecord) -> str | None:
    """The Kurzbeschreibung: the source's own lead when it describes the project, else from the approach."""
    if record.summary and is_descriptive(record.summary, record):
        sentences = _sentences(record.summary)
        lead = sentences[0]
        if len(sentences) > 1 and len(lead) + 1 + len(sentences[1]) <= MAX_CHARS:
            lead = f"{lead} {sentences[1]}"
        return _cut(lead)
    for kind in ("approach", "other", "value", "special", "partners"):
        for section in record.sections:
            if section.kind == kind and section.text.strip():
                return from_approach(section.text)
    return None
