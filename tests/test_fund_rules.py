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
