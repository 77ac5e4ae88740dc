"""What a search returns: the hits as a person sees them, the towns offered as filters, the outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

# What a citizen reads as the reason for a match ("passt wegen: So gehen sie vor"), by section kind.
SECTION_LABELS = {
    "approach": "So gehen sie vor",
    "partners": "Mit wem sie zusammenarbeiten",
    "value": "Was es bringt",
    "special": "Was es besonders macht",
    "summary": "Worum es geht",
    "profile": "Worum es geht",
    "other": "Weitere Angaben",
}


class Deferred:
    """A field's value made when the field is first read (DeferredField): a search's snippets are
    made for the results actually shown, not for those a caller only ranks or counts."""

    __slots__ = ("_make", "_args")

    def __init__(self, make: Callable[..., str], *args: object):
        self._make, self._args = make, args

    def made(self) -> str:
        return self._make(*self._args)


class DeferredField:
    """A dataclass field that takes a Deferred in place of its value and makes the value on first
    read, then keeps it. Reading from two threads at once makes the same value twice at worst (the
    making is pure); no default, so the field stays a required one in its place."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = "_" + name

    def __get__(self, instance: object, owner: type | None = None) -> str:
        if instance is None:
            raise AttributeError(self._slot)  # dataclasses: the field has no default
        value = instance.__dict__[self._slot]
        if type(value) is Deferred:
            value = instance.__dict__[self._slot] = value.made()
        return value

    def __set__(self, instance: object, value: str | Deferred) -> None:
        instance.__dict__[self._slot] = value


@dataclass
class SearchHit:
    id: str
    title: str
    score: float
    area: str | None
    organisation: str | None
    town: str | None
    target_groups: list[str]  # in the project's own words
    # HTML-escaped, matched words in <mark>; a search makes it when it is first read (Deferred)
    snippet: str = DeferredField()  # type: ignore[assignment]
    matched_section: str  # German name of the best-matching section
    matched_kind: str
    source: str
    source_kind: str
    page_start: int | None
    page_end: int | None
    contact: str | None
    summary: str | None
    period: str | None = None  # the "Laufzeit" as written
    status: str = "unbekannt"  # laufend, abgeschlossen, unbekannt (kb.period), on the store's day
    level: str = ""  # "sehr ähnlich", "ähnlich", "entfernt"; "schwach" below the relevance floor
    relevance: float = 0.0  # 0..1, calibrated (kb.relevance); `score` is the raw ranking score
    weak: bool = False  # below the relevance floor: only listed when asked for all results
    success: str | None = None  # one line of what made the project work
    contact_links: list[dict] = field(default_factory=list)  # {"kind", "text", "href"}
    groups: list[dict] = field(
        default_factory=list
    )  # the vocabulary's groups of target_groups ({"id", "label"})

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class PlaceOffer:
    """A town named in the query, offered as a filter instead of being searched for as a topic."""

    town: str
    count: int  # projects in that town that match the topic (above the floor)


@dataclass
class SearchOutcome:
    query: str  # as used: cut to MAX_QUERY_CHARS
    topic: str  # what the ranking looked for: the query without its town names
    hits: list[SearchHit]
    places: list[PlaceOffer] = field(default_factory=list)
    truncated: bool = False  # the query was longer than MAX_QUERY_CHARS and was cut
    weak_hidden: int = 0  # nearest projects below the floor, not listed (ask for all to see them)

    def to_dict(self) -> dict:
        return asdict(self)
