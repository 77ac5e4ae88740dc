"""A synthetic collection of any size for the search benchmark, built without the model.

Embedding 100,000 passages would take hours on two cores, so the scale-up is made from the
sample collection: each synthetic project copies a sample project into another town (its
sentences partly dropped and reordered, its Träger and local partners renamed for the town),
goes through the real store (`Store.save_source`, so chunks, FTS terms and organisations are
what an ingest would make), and gets for each passage the sample passage's real vector plus a
little normalised noise, written into the embedding cache.  `kb.index()` then builds the
vector index from the cache without calling the model.

Only the shape matters here (how many chunks, how long, how many distinct terms and
organisations, clustered vectors); the texts are not meant to be read.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ingest import ProjectRecord, Section, parse_file
from kb.catalog import Catalog
from kb.chunking import chunk_project, text_hash
from kb.indexing import IndexSynchroniser
from kb.settings import Settings
from kb.store import SourceFile, Store

SAMPLE_PROJECTS = Path(__file__).resolve().parents[1] / "samples" / "projects"
PROJECTS_PER_SOURCE = 250  # a large brochure or a bulk JSONL file
# Per-dimension noise: a 384-dim unit vector plus this noise keeps a cosine of ~0.9 to its sample,
# so synthetic passages cluster around the sample passages as variants of one idea would.
NOISE = 0.025
TOWNS = (
    (
        "Aidlingen Altdorf Bondorf Böblingen Deckenpfronn Ehningen Gärtringen Gäufelden Grafenau "
        "Herrenberg Hildrizhausen Holzgerlingen Jettingen Leonberg Magstadt Mötzingen Nufringen "
        "Renningen Rutesheim Schönaich Sindelfingen Steinenbronn Waldenbuch Weil_der_Stadt Weil_im_Schönbuch "
        "Weissach Calw Nagold Tübingen Reutlingen Esslingen Ludwigsburg Stuttgart Filderstadt "
        "Leinfelden-Echterdingen Ostfildern Nürtingen Kirchheim Göppingen Schorndorf Waiblingen Backnang "
        "Pforzheim Mühlacker Vaihingen Bietigheim-Bissingen Kornwestheim Ditzingen Gerlingen Rottenburg "
        "Horb Freudenstadt Balingen Heilbronn Ulm Karlsruhe Heidelberg Mannheim Freiburg Konstanz"
    )
    .replace("_", " ")
    .split()
)


@dataclass
class SyntheticCollection:
    projects: int
    chunks: int
    seconds: float


def prepare_synthetic(data_dir: Path, chunks: int, sample_dir: Path, marker_name: str) -> dict:
    """A scale-up store of about `chunks` chunks in data_dir, from the indexed sample in sample_dir.

    A finished folder holds marker_name (what was built); it is reused as it is.
    """
    marker = data_dir / marker_name
    if marker.exists():
        return {**json.loads(marker.read_text()), "reused": True}
    model_id = IndexSynchroniser(Settings.from_env({}, data_dir=sample_dir)).embedder.model_id
    sample = Store(Settings.from_env({}, data_dir=sample_dir).db_path)
    hashes = [passage_hash for _, passage_hash, _ in Catalog(sample.db).chunk_refs()]
    vectors = sample.cached_vectors(model_id, hashes)
    sample.close()
    store = Store(Settings.from_env({}, data_dir=data_dir).db_path)
    made = build_synthetic_collection(store, sample_records(), vectors, model_id, chunks)
    store.compact_keyword_index()  # as `kb ingest` does at its end
    store.close()
    built = {"projects": made.projects, "chunks": made.chunks, "store_s": made.seconds}
    marker.write_text(json.dumps(built))
    return built


def sample_records(folder: Path = SAMPLE_PROJECTS) -> list[ProjectRecord]:
    """The sample projects as the Markdown parser reads them."""
    records = []
    for path in sorted(folder.glob("*.md")):
        records += parse_file(path, path.read_bytes()).records
    if not records:
        raise FileNotFoundError(f"no sample projects in {folder}: run from a checkout of the repository")
    return records


def build_synthetic_collection(
    store: Store,
    templates: list[ProjectRecord],
    template_vectors: dict[str, np.ndarray],
    model_id: str,
    target_chunks: int,
    seed: int = 0,
) -> SyntheticCollection:
    """Fill an empty store with variants of the templates until it holds about target_chunks chunks.

    template_vectors: {text_hash: vector} of every template chunk (the sample store's cache).
    """
    start = time.perf_counter()
    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    base = [_kind_vectors(t, template_vectors) for t in templates]
    chunks = projects = serial = 0
    while chunks < target_chunks:
        batch, vectors = [], {}
        for _ in range(PROJECTS_PER_SOURCE):
            serial += 1
            pick = rng.randrange(len(templates))
            record = variant(templates[pick], serial, rng)
            made = chunk_project(record)
            for chunk, vector in zip(made, _chunk_bases(made, base[pick]), strict=True):
                vectors[chunk.text_hash] = _noisy(vector, noise)
                if chunk.body != chunk.text:  # its text without the title (kb.untitled_order): the
                    # index sync embeds it otherwise, 100k passages through the model
                    vectors[text_hash(chunk.body)] = _noisy(vector, noise)
            batch.append(record)
            chunks += len(made)
            if chunks >= target_chunks:
                break
        store.save_source(_source_file(serial), batch)
        store.cache_vectors(model_id, vectors)
        projects += len(batch)
    return SyntheticCollection(projects, chunks, time.perf_counter() - start)


def variant(template: ProjectRecord, serial: int, rng: random.Random) -> ProjectRecord:
    """The template's project as if another organisation ran it in another town."""
    town = rng.choice(TOWNS)
    old_town = template.town or ""

    def moved(text: str) -> str:
        return text.replace(old_town, town) if old_town else text

    sections = [Section(s.kind, s.heading, moved(_reshuffled(s.text, rng))) for s in template.sections]
    partners = [moved(p) if rng.random() < 0.5 else p for p in template.partners]
    return replace(
        template,
        title=f"{template.title} ({town} {serial})",
        town=town,
        organisation=f"{template.organisation} {town}" if template.organisation else None,
        partners=partners,
        sections=sections,
        contact=None,
        page_start=None,
        page_end=None,
        extra={},
    )


def _reshuffled(text: str, rng: random.Random) -> str:
    """Some sentences dropped, the rest in a slightly different order; never empty."""
    sentences = [s for s in text.replace("\n", " ").split(". ") if s.strip()]
    kept = [s for s in sentences if rng.random() > 0.2] or sentences[:1]
    if len(kept) > 2 and rng.random() < 0.5:
        i = rng.randrange(len(kept) - 1)
        kept[i], kept[i + 1] = kept[i + 1], kept[i]
    return ". ".join(s.rstrip(".") for s in kept) + "."


def _kind_vectors(template: ProjectRecord, cache: dict[str, np.ndarray]) -> dict[str, list[np.ndarray]]:
    """The template's chunk vectors by chunk kind, in order."""
    found: dict[str, list[np.ndarray]] = {}
    for chunk in chunk_project(template):
        vector = cache.get(chunk.text_hash)
        if vector is None:
            raise KeyError(f"no cached vector for a chunk of '{template.title}': index the sample first")
        found.setdefault(chunk.kind, []).append(vector)
    return found


def _chunk_bases(chunks: list, by_kind: dict[str, list[np.ndarray]]) -> list[np.ndarray]:
    """For each chunk, the template vector of the same kind and place (the last one if there are fewer)."""
    seen: dict[str, int] = {}
    bases = []
    for chunk in chunks:
        options = by_kind.get(chunk.kind) or by_kind["profile"]
        n = seen.get(chunk.kind, 0)
        seen[chunk.kind] = n + 1
        bases.append(options[min(n, len(options) - 1)])
    return bases


def _noisy(vector: np.ndarray, noise: np.random.Generator) -> np.ndarray:
    moved = vector + noise.normal(0.0, NOISE, vector.shape).astype(np.float32)
    return (moved / np.linalg.norm(moved)).astype(np.float32)


def _source_file(serial: int) -> SourceFile:
    name = f"synthetic-{serial:07d}.jsonl"
    return SourceFile(f"/synthetic/{name}", name, "jsonl", hashlib.sha256(name.encode()).hexdigest(), 0)
