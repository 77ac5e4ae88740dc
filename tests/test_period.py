"""Reading "Laufzeit" into start, end and a status on a given day."""

from __future__ import annotations

from datetime import date

import pytest

from kb.period import Period, describe_period, parse_period, period_status, project_status

TODAY = date(2026, 11, 29)


@pytest.mark.parametrize(
    ("text", "start", "end", "status"),
    [
        # the forms the issue names
        ("seit 09/2019", date(2019, 9, 1), None, "laufend"),
        ("2021–2023", date(2021, 1, 1), date(2023, 12, 31), "abgeschlossen"),
        ("01.03.2022 bis 28.02.2023", date(2022, 3, 1), date(2023, 2, 28), "abgeschlossen"),
        ("läuft", None, None, "laufend"),
        # forms the sample collection does not contain
        ("fortlaufend", None, None, "laufend"),
        ("2022 bis heute", date(2022, 1, 1), None, "laufend"),
        ("seit dem 15.4.2018", date(2018, 4, 15), None, "laufend"),
        ("seit Herbst 2022", date(2022, 9, 1), None, "laufend"),
        ("ab 01/2024, unbefristet", date(2024, 1, 1), None, "laufend"),
        ("Jan 2021 - Dec 2022", date(2021, 1, 1), date(2022, 12, 31), "abgeschlossen"),
        ("von März 2023 bis Februar 2025", date(2023, 3, 1), date(2025, 2, 28), "abgeschlossen"),
        ("03/22 – 02/24", date(2022, 3, 1), date(2024, 2, 29), "abgeschlossen"),
        ("2022-03-01 to 2023-02-28", date(2022, 3, 1), date(2023, 2, 28), "abgeschlossen"),
        ("Schuljahr 2023/24", date(2023, 8, 1), date(2024, 7, 31), "abgeschlossen"),
        ("Mitte 2021 bis Ende 2027", date(2021, 5, 1), date(2027, 12, 31), "laufend"),
        ("bis 12/2027", None, date(2027, 12, 31), "laufend"),
        ("Projektende: 31.12.2024", None, date(2024, 12, 31), "abgeschlossen"),
        ("24 Monate ab 01/2022", date(2022, 1, 1), date(2023, 12, 31), "abgeschlossen"),
        ("3 Jahre (2025–)", date(2025, 1, 1), date(2027, 12, 31), "laufend"),
        ("2018 - 2020 (abgeschlossen)", date(2018, 1, 1), date(2020, 12, 31), "abgeschlossen"),
        ("2024", date(2024, 1, 1), date(2024, 12, 31), "abgeschlossen"),
        ("2026", date(2026, 1, 1), date(2026, 12, 31), "laufend"),
        # English and odd forms
        ("since 2019", date(2019, 1, 1), None, "laufend"),
        ("ongoing", None, None, "laufend"),
        ("2019 – present", date(2019, 1, 1), None, "laufend"),
        ("completed", None, None, "abgeschlossen"),
        ("beendet", None, None, "abgeschlossen"),
        ("Start 2020, Ende offen", date(2020, 1, 1), None, "laufend"),
        ("Projektstart 01.02.2021", date(2021, 2, 1), None, "unbekannt"),
        # what cannot be placed in time
        ("", None, None, "unbekannt"),
        (None, None, None, "unbekannt"),
        ("unbekannt", None, None, "unbekannt"),
        ("nach Absprache", None, None, "unbekannt"),
        ("2027 bis 2029", date(2027, 1, 1), date(2029, 12, 31), "unbekannt"),  # not begun yet
        ("ab 2028", date(2028, 1, 1), None, "unbekannt"),
        ("13/2020", None, None, "unbekannt"),  # no 13th month
        ("31.02.2022 bis 2023", date(2023, 1, 1), date(2023, 12, 31), "abgeschlossen"),  # no 31 February
    ],
)
def test_periods_are_read_into_start_end_and_status(text, start, end, status):
    period = parse_period(text)
    assert (period.start, period.end) == (start, end)
    assert period_status(period, TODAY) == status
    assert project_status(text, TODAY) == status


def test_status_follows_the_day_it_is_asked_on():
    period = parse_period("2021 bis 2025")
    assert period.status(date(2020, 6, 1)) == "unbekannt"
    assert period.status(date(2021, 1, 1)) == "laufend"
    assert period.status(date(2025, 12, 31)) == "laufend"
    assert period.status(date(2026, 1, 1)) == "abgeschlossen"


def test_an_end_before_the_start_is_not_taken_as_an_end():
    period = parse_period("2023 – 2021")
    assert period.start == date(2023, 1, 1)
    assert period.end is None


def test_hostile_input_is_bounded():
    text = "seit 2019 " + "1" * 1_000_000 + " bis 2020"
    assert parse_period(text) == Period(start=date(2019, 1, 1), open_ended=True)
    assert parse_period("/" * 100_000).start is None


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("seit 09/2019", "seit 09/2019"),
        ("2021–2023", "01/2021 – 12/2023"),
        ("bis 5/2027", "bis 05/2027"),
        ("", ""),
    ],
)
def test_period_described_for_cards(text, shown):
    assert describe_period(parse_period(text)) == shown


def test_status_filter_in_the_store_follows_the_store_day(tmp_path):
    """The store asks SQL for a status on its day; filtered ids are remembered per day."""
    from kb.catalog import Catalog
    from kb.filters import Filters
    from kb.pipeline import ingest_paths
    from kb.search_memory import AllowedChunks
    from kb.store import Store
    from tests.helpers import write_project

    for name, period in (("a.md", "2021 bis 2025"), ("b.md", "seit 2019"), ("c.md", "")):
        path = write_project(tmp_path / "in", name, f"Projekt {name[0]}")
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("---\n## ", f"period: {period}\n---\n## ") if period else text)
    allowed = AllowedChunks()
    results = {}
    for day in (date(2024, 6, 1), date(2026, 6, 1)):
        store = Store(tmp_path / "kb.sqlite", today=day)
        ingest_paths(store, [tmp_path / "in"], 10**7)
        catalog = Catalog(store.db)
        results[day] = {
            status: sorted(catalog.filtered_project_ids(Filters(status=status)))
            for status in ("laufend", "abgeschlossen", "unbekannt")
        }
        ids = allowed.ids(store, Filters(status="laufend"))
        assert sorted(ids.tolist()) == sorted(catalog.chunk_ids_of(results[day]["laufend"]))
        assert catalog.project("projekt-a")["status"] == ("laufend" if day.year == 2024 else "abgeschlossen")
        store.close()
    assert results[date(2024, 6, 1)] == {"laufend": ["projekt-a", "projekt-b"], "abgeschlossen": [],
                                         "unbekannt": ["projekt-c"]}  # fmt: skip
    assert results[date(2026, 6, 1)] == {"laufend": ["projekt-b"], "abgeschlossen": ["projekt-a"],
                                         "unbekannt": ["projekt-c"]}  # fmt: skip
