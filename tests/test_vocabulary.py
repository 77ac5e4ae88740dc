"""Target groups as a vocabulary: the data file, the hierarchy, and the rules on wordings the sample
collection does not contain."""

from __future__ import annotations

import numpy as np
import pytest

from kb.group_mapping import GroupModel, Mapping, map_wordings, phrase_key
from kb.vocabulary import (
    MAX_PHRASE_CHARS,
    VocabularyError,
    load_vocabulary,
    parse_vocabulary,
    rule_groups,
)

VOCABULARY = load_vocabulary()


def test_the_vocabulary_has_12_to_20_groups_with_labels_and_a_sound_hierarchy():
    ids = VOCABULARY.ids()
    assert 12 <= len(ids) <= 20
    assert len(set(ids)) == len(ids)
    for group in VOCABULARY.groups:
        assert group.label and group.en and group.terms
        assert group.parent is None or group.parent in ids
        assert group.id not in VOCABULARY.ancestors(group.id)  # no cycles
    assert sorted(g.id for g in VOCABULARY.tree()) == sorted(ids)


def test_a_filter_for_a_group_includes_its_sub_groups():
    assert VOCABULARY.descendants("gefluechtete") == ["gefluechtete", "ukraine"]
    assert set(VOCABULARY.descendants("migration")) == {
        "migration",
        "neuzugewanderte",
        "gefluechtete",
        "ukraine",
    }
    assert VOCABULARY.descendants("kinder") == ["kinder"]
    assert VOCABULARY.ancestors("ukraine") == ["gefluechtete", "migration"]


@pytest.mark.parametrize(
    ("wording", "groups"),
    [
        ("Mütter mit Fluchterfahrung", {"eltern", "frauen", "gefluechtete"}),
        ("junge Erwachsene aus Drittstaaten", {"jugendliche", "migration"}),
        ("Seniorinnen", {"aeltere", "frauen"}),  # a feminine plural alone names women
        ("Seniorinnen und Senioren", {"aeltere"}),  # the pair form names both
        ("Ehrenamtliche Helfer*innen", {"ehrenamtliche"}),  # so does the gender star
        ("HelferInnen im Quartier", {"ehrenamtliche"}),
        ("Helfer:innen", {"ehrenamtliche"}),
        ("ukrainische Familien", {"familien", "ukraine"}),
        ("Frauen aus der Ukraine", {"frauen", "ukraine"}),
        ("Mütter aus der Ukraine", {"eltern", "frauen", "ukraine"}),
        ("Großeltern aus der Ukraine", {"aeltere", "ukraine"}),  # a compound is its last part, longest wins
        ("Kleinkinder", {"kinder"}),
        ("Eltern von Grundschulkindern", {"eltern", "kinder"}),
        ("Lehrkräfte an Grundschulen", {"fachleute"}),  # Grundschulen are schools, not pupils
        ("Berufsschüler", {"kinder", "jugendliche"}),
        ("Väter mit Migrationshintergrund", {"eltern", "maenner", "migration"}),
        ("Asylsuchende Männer", {"gefluechtete", "maenner"}),
        ("Migrantinnen", {"frauen", "migration"}),
        ("Männer und Frauen in Migrantenvereinen", {"maenner", "frauen", "migration", "fachleute"}),
        ("Geflüchtete Ärztinnen", {"frauen", "gefluechtete", "fachkraefte"}),
        ("Pflegefachkräfte aus Drittstaaten", {"fachkraefte", "migration"}),
        ("unbegleitete minderjährige Flüchtlinge", {"jugendliche", "gefluechtete"}),
        ("Menschen mit Behinderung", {"belastete"}),
        ("GEFLUECHTETE FRAUEN", {"frauen", "gefluechtete"}),  # umlauts typed as ae/oe/ue, any case
        ("Gefluchtete  Frauen", {"frauen", "gefluechtete"}),
        ("refugee women", {"frauen", "gefluechtete"}),
        ("Ukrainian families", {"familien", "ukraine"}),
        ("elderly migrants", {"aeltere", "migration"}),
        ("young adults with a migration background", {"jugendliche", "migration"}),
        ("parents of small children", {"eltern", "kinder"}),
    ],
)
def test_rules_map_wordings_the_sample_does_not_contain(wording, groups):
    assert set(rule_groups(wording)) == groups


@pytest.mark.parametrize(
    "wording",
    [
        "Umweltgruppe",
        "women's football",
        "Beitragszahler",
        "Vorschulalter-Termine",
        "",
        "?!",
        "Mülteci kadınlar",
    ],
)
def test_rules_leave_what_they_do_not_know_to_the_model(wording):
    expected = {"women's football": {"frauen"}, "Vorschulalter-Termine": {"kinder"}}.get(wording, set())
    assert set(rule_groups(wording)) == expected


def test_resolve_takes_ids_labels_english_labels_and_wordings():
    assert VOCABULARY.resolve("ukraine") == "ukraine"
    assert VOCABULARY.resolve("Menschen aus der Ukraine") == "ukraine"
    assert VOCABULARY.resolve("menschen aus der ukraine") == "ukraine"
    assert VOCABULARY.resolve("People from Ukraine") == "ukraine"
    assert VOCABULARY.resolve("Ältere Menschen") == "aeltere"
    assert VOCABULARY.resolve("Seniorinnen und Senioren") == "aeltere"
    assert VOCABULARY.resolve("Mütter") is None  # two groups: not one filter
    assert VOCABULARY.resolve("Radfahrer") is None
    assert VOCABULARY.resolve("") is None


def test_a_long_wording_is_cut_before_any_per_word_work():
    wording = "Frauen " + "x" * 10_000 + " Kinder"
    assert rule_groups(wording) == ["frauen"]
    assert len(phrase_key("a" * 10_000)) == MAX_PHRASE_CHARS


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[[group]\nid=", "not readable TOML"),
        (b'[[group]]\nid = "a"\n', "a group without 'label'"),
        (b'[[group]]\nid = "a"\nlabel = "A"\nparent = "b"\n', "unknown parent 'b'"),
        (b'[[group]]\nid = "a"\nlabel = "A"\n[[group]]\nid = "a"\nlabel = "B"\n', "unique"),
        (b'[[group]]\nid = "a"\nlabel = "A"\nterms = ["?!"]\n', "has no words"),
        (b"\xff\xfe", "not readable TOML"),
    ],
)
def test_a_broken_vocabulary_file_is_named_with_its_fault(data, message):
    with pytest.raises(VocabularyError, match=message) as error:
        parse_vocabulary(data, "gruppen.toml")
    assert "gruppen.toml" in str(error.value)


class FakeEmbedder:
    """Deterministic vectors: a text's direction is the sum of its keywords' axes (unit tests of logic only)."""

    AXES = {
        "kadın": "Frauen",
        "жінки": "Frauen",
        "діти": "Kinder",
        "çocuk": "Kinder",
        "ukrayna": "Menschen aus der Ukraine",
    }

    def __init__(self, labels: list[str]):
        self.labels = labels
        self.calls: list[list[str]] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        rows = []
        for text in texts:
            vector = np.full(len(self.labels) + 1, 0.05, dtype=np.float32)
            vector[-1] = 1.0  # what every text shares: keeps unknown texts close to all groups alike
            lowered = text.lower()
            for word, label in self.AXES.items():
                if word in lowered:
                    vector[self.labels.index(label)] += 3.0
            if text in self.labels:
                vector[self.labels.index(text)] += 3.0
            rows.append(vector / np.linalg.norm(vector))
        return np.stack(rows)


@pytest.fixture
def fake_model() -> GroupModel:
    return GroupModel(VOCABULARY, FakeEmbedder([g.label for g in VOCABULARY.groups]))


def test_the_model_files_what_the_rules_miss_and_leaves_what_stands_out_nowhere(fake_model):
    mappings = map_wordings(["Kadınlar", "Діти", "Geflüchtete Frauen", "qwertz"], VOCABULARY, fake_model)
    assert mappings[0] == Mapping(("frauen",), "model", mappings[0].score)
    assert mappings[1].groups == ("kinder",) and mappings[1].method == "model"
    assert mappings[2] == Mapping(("frauen", "gefluechtete"), "rule")
    assert mappings[3].groups == () and mappings[3].method == "none"
    assert mappings[0].score > mappings[3].score


def test_the_model_is_asked_only_about_wordings_no_rule_knows(fake_model):
    embedder = fake_model._embed
    embedder.calls.clear()
    map_wordings(["Geflüchtete Frauen", "Kadınlar", "Seniorinnen"], VOCABULARY, fake_model)
    assert embedder.calls == [["Kadınlar"]]


def test_without_a_model_unknown_wordings_stay_pending():
    assert map_wordings(["Kadınlar", "Frauen"], VOCABULARY, None) == [None, Mapping(("frauen",), "rule")]
