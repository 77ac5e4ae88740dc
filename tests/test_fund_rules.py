"""The fund check: amounts and durations as people type them, and each rule passed, failed and left open."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kb.county import load_county
from kb.fund_rules import (
    MET,
    NOT_MET,
    TO_CHECK,
    FundRulesError,
    check_amount,
    check_duration,
    check_idea,
    check_partnership,
    check_region,
    euros,
    load_fund_rules,
    parse_amount,
    parse_months,
)

RULES = load_fund_rules()
COUNTY = load_county()


def test_shipped_rules_are_the_county_funds():
    assert RULES.max_amount_eur == Decimal(4000)
    assert RULES.max_months == 12
    assert RULES.region == "Landkreis Böblingen"
    assert "gleichberechtigt" in RULES.partnership_terms


@pytest.mark.parametrize(
    "typed,value",
    [
        ("4000", "4000"),
        ("4.000 €", "4000"),
        ("4.000,50", "4000.50"),
        ("4000,50", "4000.50"),
        ("3 500 EUR", "3500"),
        ("3.500,- €", "3500"),
        ("4,000.00", "4000.00"),
        ("1.250.000", "1250000"),
        ("999.5", "999.5"),
        ("€ 800", "800"),
        ("2500 Euro", "2500"),
        ("\u00a04\u202f000\u00a0€", "4000"),
    ],
)
def test_amounts_as_people_type_them(typed, value):
    assert parse_amount(typed) == Decimal(value)


@pytest.mark.parametrize("typed", ["", "viel", "4k", "ca. 4000", "4.0.0", "-300", "1e5", "4000" * 20, "NaN"])
def test_what_is_not_an_amount(typed):
    assert parse_amount(typed) is None


@pytest.mark.parametrize(
    "typed,months",
    [
        ("12", 12),
        ("6 Monate", 6),
        ("1 Jahr", 12),
        ("1,5 Jahre", 18),
        ("10 months", 10),
        ("9 ay", 9),
        ("3 Mon.", 3),
    ],
)
def test_durations_as_people_type_them(typed, months):
    assert parse_months(typed) == Decimal(months)


@pytest.mark.parametrize("typed", ["", "ein Jahr", "bis Dezember", "12-18", "2025", "x" * 100])
def test_what_is_not_a_duration(typed):
    assert parse_months(typed) is None


@given(st.text(max_size=200))
def test_any_typed_text_gives_a_criterion_never_an_error(typed):
    for criterion in (
        check_amount(RULES, typed),
        check_duration(RULES, typed),
        check_region(RULES, COUNTY, typed),
    ):
        assert criterion.status in (MET, NOT_MET, TO_CHECK)


@pytest.mark.parametrize(
    "typed,status,reason",
    [
        ("3.500 €", MET, "within_limit"),
        ("4.000 €", MET, "within_limit"),  # the limit itself is allowed
        ("4.000,01 €", NOT_MET, "above_limit"),
        ("12000", NOT_MET, "above_limit"),
        ("0", TO_CHECK, "not_positive"),
        ("", TO_CHECK, "missing"),
        ("so viel wie nötig", TO_CHECK, "not_a_number"),
    ],
)
def test_amount_rule(typed, status, reason):
    criterion = check_amount(RULES, typed)
    assert (criterion.status, criterion.reason) == (status, reason)
    assert criterion.values["limit"] == "4.000 €"


@pytest.mark.parametrize(
    "typed,status,reason",
    [
        ("10", MET, "within_limit"),
        ("12 Monate", MET, "within_limit"),
        ("1 Jahr", MET, "within_limit"),
        ("18", NOT_MET, "above_limit"),
        ("2 Jahre", NOT_MET, "above_limit"),
        ("0", TO_CHECK, "not_positive"),
        ("", TO_CHECK, "missing"),
        ("bis Dezember", TO_CHECK, "not_a_number"),
    ],
)
def test_duration_rule(typed, status, reason):
    criterion = check_duration(RULES, typed)
    assert (criterion.status, criterion.reason) == (status, reason)


@pytest.mark.parametrize(
    "text,organisation,status,term",
    [
        ("Geflüchtete Frauen planen das Sprachcafé gleichberechtigt mit.", "", MET, "gleichberechtigt"),
        ("Wir arbeiten auf Augenhöhe mit Eltern.", "", MET, "auf augenhöhe"),
        ("Ein Sprachcafé.", "Deutsch-Syrischer Kulturverein e.V.", MET, "kulturverein"),
        ("Göçmen derneği ile birlikte planlıyoruz.", "", MET, "göçmen derneği"),
        ("Ми разом плануємо кожну зустріч.", "", MET, "разом плануємо"),
        ("Ein Sprachcafé für Geflüchtete.", "Stadtbibliothek", TO_CHECK, None),
        # a word only starting inside another word does not count
        ("Die Ungleichberechtigten", "", TO_CHECK, None),
    ],
)
def test_partnership_rule_looks_for_equal_partnership_in_the_words(text, organisation, status, term):
    criterion = check_partnership(RULES, text, organisation)
    assert criterion.status == status
    assert criterion.values.get("term") == term


@pytest.mark.parametrize(
    "town,status,reason",
    [
        ("Herrenberg", MET, "in_county"),
        ("weissach", MET, "in_county"),
        ("ausserhalb", NOT_MET, "outside"),
        ("", TO_CHECK, "missing"),
        ("Sindelfingen-Maichingen", TO_CHECK, "unknown_town"),
    ],
)
def test_region_rule(town, status, reason):
    criterion = check_region(RULES, COUNTY, town)
    assert (criterion.status, criterion.reason) == (status, reason)


def test_an_idea_that_passes_every_rule():
    checklist = check_idea(
        RULES,
        COUNTY,
        "Ein Nähcafé, das geflüchtete Frauen gleichberechtigt mitleiten.",
        "Leonberg",
        "3.800 €",
        "10",
        "",
    )
    assert [(c.rule, c.status) for c in checklist] == [
        ("amount", MET),
        ("duration", MET),
        ("partnership", MET),
        ("region", MET),
    ]


def test_an_idea_that_fails_what_can_fail():
    checklist = check_idea(
        RULES, COUNTY, "Ein Sprachkurs.", "ausserhalb", "9.000 €", "24", "Sprachschule GmbH"
    )
    assert [(c.rule, c.status) for c in checklist] == [
        ("amount", NOT_MET),
        ("duration", NOT_MET),
        ("partnership", TO_CHECK),
        ("region", NOT_MET),
    ]


def test_euros_in_german_format():
    assert euros(Decimal(4000)) == "4.000 €"
    assert euros(Decimal("3999.5")) == "3.999,50 €"


def test_rules_from_another_file(tmp_path: Path):
    path = tmp_path / "regeln.toml"
    path.write_text(
        'name = "Fonds X"\nmax_amount_eur = 2500\nmax_months = 6\nregion = "Kreis X"\n', encoding="utf-8"
    )
    rules = load_fund_rules(path)
    assert check_amount(rules, "3000").status == NOT_MET
    assert check_duration(rules, "7").status == NOT_MET
    assert rules.partnership_terms == ()


@pytest.mark.parametrize(
    "text", ['name = "X"\n', 'name = "X"\nmax_amount_eur = "viel"\nmax_months = 6\nregion = "R"\n', "name = "]
)
def test_a_broken_rules_file_is_named(tmp_path: Path, text):
    path = tmp_path / "regeln.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FundRulesError, match="regeln.toml"):
        load_fund_rules(path)


# ---- the Ideen-Check around the fund check (search, project and partner calls given) ----------
def _hit(project_id: str, score: float, town: str, level: str = ""):
    from dataclasses import MISSING, fields

    from kb.search_results import SearchHit

    required = {
        f.name: None for f in fields(SearchHit) if f.default is MISSING and f.default_factory is MISSING
    }
    values = {**required, "id": project_id, "title": project_id.title(), "score": score, "town": town}
    values.update(target_groups=[], snippet="", matched_section="", matched_kind="approach", source="x.md")
    hit = SearchHit(**{k: v for k, v in values.items() if k in {f.name for f in fields(SearchHit)}})
    if level:
        hit.level = level
    return hit


def _check(idea, hits, partner_hits=()):
    from kb.idea_check import check

    def search(text, k=10, **_):
        return hits[:k]

    def project(project_id):
        return {"sections": [{"kind": "value", "name": "Mehrwert", "text": f"{project_id} hilft. Sehr."}]}

    return check(
        idea, search, project, lambda text, k=6: list(partner_hits), RULES, COUNTY, collection_size=50
    )


def test_idea_check_levels_same_town_and_partners():
    from kb.idea_check import Idea
    from kb.partners import PartnerHit

    hits = [
        _hit("a", 1.35, "Leonberg"),
        _hit("b", 1.28, "Herrenberg"),
        _hit("c", 1.25, "Herrenberg"),
        _hit("d", 1.10, "Herrenberg"),  # distant: not "already in your town"
    ]
    partners = [
        PartnerHit("p1", "Verein Leonberg", 1.0, ["Leonberg"]),
        PartnerHit("p2", "Treff", 0.5, ["Herrenberg"]),
    ]
    report = _check(Idea.typed(text="Sprachcafé", town="herrenberg"), hits, partners)
    assert [c.level for c in report.closest] == ["very_similar", "similar", "similar", "distant"]
    assert report.nearest_level == "very_similar"
    assert [c.hit.id for c in report.same_town] == ["b", "c"]
    assert [p.id for p in report.partners] == ["p2", "p1"]  # active in the idea's town first
    assert report.closest[0].strengths == [("Mehrwert", "a hilft. Sehr.")]
    assert report.in_county and [c.rule for c in report.checklist][-1] == "region"


def test_idea_check_takes_the_searchs_own_level_when_it_gives_one():
    from kb.idea_check import Idea

    report = _check(Idea.typed(text="Sprachcafé"), [_hit("a", 1.35, "Leonberg", level="schwach")])
    assert report.nearest_level == "distant"


def test_idea_check_without_text_or_without_hits():
    from kb.idea_check import Idea

    empty = _check(Idea.typed(text="", town="Leonberg", amount="3000"), [_hit("a", 1.35, "Leonberg")])
    assert empty.closest == [] and empty.nearest_level is None and len(empty.checklist) == 4
    none = _check(Idea.typed(text="Reisepass verlängern"), [])
    assert none.closest == [] and none.nearest_level is None and none.collection_size == 50


def test_idea_fields_are_bounded_before_any_work():
    from kb.idea_check import MAX_IDEA_CHARS, Idea

    idea = Idea.typed(text="x" * 10_000, town="y" * 1000, amount=None)
    assert len(idea.text) == MAX_IDEA_CHARS and len(idea.town) == 200 and idea.amount == ""
