"""What a search or a listing is narrowed to: one frozen value, the single filter argument everywhere.

A new filter is one new field here: its SQL condition and its help text travel in the field's
metadata, so the catalog's query, the CLI options, the web UI's request parsing and the cache key
of the filtered ids all follow without further change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields

from kb.group_mapping import target_group_condition

# No town, area, group or status is named in more: a longer value is cut before any work on it
# (it still selects nothing), so it neither costs per-character work nor grows the cache key.
MAX_FILTER_CHARS = 200


def _filter(sql: str | Callable[[str], tuple[str, list[str]]], help: str) -> object:
    # sql: a condition on the projects table with one parameter, matched without regard to case,
    # or a function making the condition and its parameters from the value;
    # help: what the `kb` command's option of the same name says
    return field(default=None, metadata={"sql": sql, "help": help})


@dataclass(frozen=True)
class Filters:
    """Blank or missing values mean "not given"; two equal Filters select the same projects."""

    area: str | None = _filter("lower(area) = lower(?)", "Bildung, Gesundheit, Gesellschaft or Arbeitsmarkt")
    town: str | None = _filter("lower(town) = lower(?)", "only projects in this town")
    target_group: str | None = _filter(
        target_group_condition,
        "only projects for this target group (a group of `kb target-groups list`, its sub-groups included)",
    )
    # period_status() is the store's SQL function (kb.store): the status on the store's day.
    status: str | None = _filter(
        "period_status(period) = lower(?)", "laufend, abgeschlossen or unbekannt (from the Laufzeit, today)"
    )

    def __post_init__(self) -> None:
        for name in self.names():
            value = getattr(self, name)
            cleaned = value[:MAX_FILTER_CHARS].strip() if isinstance(value, str) else None
            object.__setattr__(self, name, cleaned or None)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_lookup(cls, lookup: Callable[[str], str | None]) -> Filters:
        """Filters from anything that answers a filter's name (request args, CLI options)."""
        return cls(**{name: lookup(name) for name in cls.names()})

    def __bool__(self) -> bool:
        return any(value for _, value in self.items())

    def items(self) -> Iterator[tuple[str, str | None]]:
        for name in self.names():
            yield name, getattr(self, name)

    def as_dict(self) -> dict[str, str | None]:
        return dict(self.items())

    def sql(self) -> tuple[str | None, list[str]]:
        """A WHERE condition on projects and its parameters; None when no filter is set."""
        clauses, params = [], []
        for f in fields(self):
            value = getattr(self, f.name)
            if value and callable(f.metadata["sql"]):
                clause, values = f.metadata["sql"](value)
                clauses.append(clause)
                params.extend(values)
            elif value:
                clauses.append(f.metadata["sql"])
                params.append(value)
        return (" AND ".join(clauses) if clauses else None), params


NO_FILTERS = Filters()
