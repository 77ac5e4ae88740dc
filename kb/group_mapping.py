"""Projects' target-group wordings mapped to the vocabulary, and the mapping kept in the store.

A wording is mapped once, by its folded form (the "phrase" key), for every project that uses it:
the rules (kb.vocabulary) at ingest inside the store's transaction, the embedding model right
after for the wordings no rule knows. A manual correction is stored apart, by the same key, so it
outlives re-ingests and a changed vocabulary. Which mapping is in force is the view
``phrase_groups``: the correction where there is one, else the automatic mapping.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from sqlite_utils import Database

from kb.text_analysis import fold
from kb.vocabulary import MAX_PHRASE_CHARS, Vocabulary, load_vocabulary, rule_groups

# The model files a wording under its best group when that group stands out from the others: its
# cosine (best example, "query:" on both sides) at least MODEL_MIN_Z standard deviations above the
# mean over all groups. Raw cosines do not separate (multilingual-e5-small gives "Kunden" 0.904
# with some group and "Батьки" 0.849 with Eltern); the standout does, and it does not depend on
# one model's cosine scale. A second group is added when it comes within MODEL_MARGIN of the best.
# Chosen on samples/eval/target_groups_tune.jsonl (19 wordings no rule knows, in tr/uk/ar and
# colloquial German, 10 that belong to no group): 13 filed right, 0 wrong, all 10 left out.
# README "Target groups" reports the held-out set.
MODEL_MIN_Z = 2.4
MODEL_MARGIN = 0.005
MODEL_MAX_GROUPS = 2
MAX_GROUPS_PER_PROJECT = 40  # wordings per project that are mapped; a record with more is odd input

Embed = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class Mapping:
    groups: tuple[str, ...]
    method: str  # rule, model, none (neither found a group), manual
    score: float | None = None


def phrase_key(text: str) -> str:
    """The key a wording is mapped under: folded, spaces collapsed ("Geflüchtete  Frauen" = "gefluchtete frauen")."""
    return " ".join(fold((text or "")[:MAX_PHRASE_CHARS]).split())


class GroupModel:
    """The embedding model's view of the vocabulary: each group's examples as vectors."""

    def __init__(self, vocabulary: Vocabulary, embed: Embed):
        self.vocabulary = vocabulary
        self._embed = embed
        self._owners: list[str] = []
        texts: list[str] = []
        for group in vocabulary.groups:
            for example in group.examples():
                self._owners.append(group.id)
                texts.append(example)
        self._vectors = np.asarray(embed(texts), dtype=np.float32)

    def similarities(self, texts: list[str]) -> np.ndarray:
        """(len(texts), n groups): each wording's best cosine with any example of each group."""
        queries = np.asarray(self._embed([t[:MAX_PHRASE_CHARS] for t in texts]), dtype=np.float32)
        per_example = queries @ self._vectors.T
        ids = self.vocabulary.ids()
        best = np.full((len(texts), len(ids)), -1.0, dtype=np.float32)
        for column, owner in enumerate(self._owners):
            j = ids.index(owner)
            best[:, j] = np.maximum(best[:, j], per_example[:, column])
        return best

    def map(self, texts: list[str]) -> list[Mapping]:
        if not texts:
            return []
        ids = self.vocabulary.ids()
        mappings = []
        for row in self.similarities(texts):
            order = np.argsort(-row)
            top = float(row[order[0]])
            standout = (top - float(row.mean())) / (float(row.std()) or 1.0)
            if standout < MODEL_MIN_Z:
                mappings.append(Mapping((), "none", round(standout, 3)))
                continue
            chosen = [ids[j] for j in order[:MODEL_MAX_GROUPS] if row[j] >= top - MODEL_MARGIN]
            mappings.append(Mapping(tuple(chosen), "model", round(standout, 3)))
        return mappings


def map_wordings(texts: list[str], vocabulary: Vocabulary, model: GroupModel | None) -> list[Mapping | None]:
    """Rules first, the model for what they miss; None where only the model could tell and there is none."""
    results: list[Mapping | None] = []
    for text in texts:
        groups = rule_groups(text, vocabulary)
        results.append(Mapping(tuple(groups), "rule") if groups else None)
    missing = [i for i, result in enumerate(results) if result is None]
    if model is not None and missing:
        for i, mapping in zip(missing, model.map([texts[i] for i in missing]), strict=True):
            results[i] = mapping
    return results


# ---- the store's side ------------------------------------------------------------------------
def _version(vocabulary: Vocabulary, method: str, model_id: str | None) -> str:
    return vocabulary.version() if method == "rule" else f"{vocabulary.version()}|{model_id}"


def _write(db: Database, key: str, text: str, mapping: Mapping, version: str) -> None:
    db.execute(
        "INSERT OR REPLACE INTO target_group_mappings(phrase, text, groups, method, score, version) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [key, text, json.dumps(list(mapping.groups)), mapping.method, mapping.score, version],
    )


def map_by_rules(db: Database, wordings: Iterable[str], vocabulary: Vocabulary) -> None:
    """At ingest, in the caller's transaction: store the rules' mapping of wordings not mapped yet."""
    for text in wordings:
        key = phrase_key(text)
        row = db.execute("SELECT version FROM target_group_mappings WHERE phrase = ?", [key]).fetchone()
        if row and row[0].split("|")[0] == vocabulary.version():
            continue  # mapped with this vocabulary (by rules, or by a model: completed later if another)
        groups = rule_groups(text, vocabulary)
        if groups:
            _write(db, key, text, Mapping(tuple(groups), "rule"), vocabulary.version())


def pending_wordings(db: Database, vocabulary: Vocabulary, model_id: str) -> list[tuple[str, str]]:
    """(key, wording) of wordings in use whose stored mapping is missing or was made by another
    vocabulary or model."""
    rows = db.execute(
        "SELECT t.phrase, min(t.name), m.method, m.version FROM project_target_groups t "
        "LEFT JOIN target_group_mappings m ON m.phrase = t.phrase GROUP BY t.phrase"
    ).fetchall()
    pending = []
    for key, text, method, version in rows:
        if method is None or version != _version(vocabulary, method, model_id):
            pending.append((key, text))
    return pending


def save_mappings(
    db: Database,
    pending: list[tuple[str, str]],
    mappings: list[Mapping],
    vocabulary: Vocabulary,
    model_id: str,
) -> None:
    """Store mappings made for pending wordings; the caller holds the write transaction."""
    for (key, text), mapping in zip(pending, mappings, strict=True):
        _write(db, key, text, mapping, _version(vocabulary, mapping.method, model_id))


def set_override(db: Database, text: str, groups: list[str], vocabulary: Vocabulary, now: str) -> str:
    """File a wording under these groups by hand (an empty list: under none); returns its key."""
    unknown = [g for g in groups if vocabulary.group(g) is None]
    if unknown:
        known = ", ".join(vocabulary.ids())
        raise ValueError(f"unknown target group {', '.join(unknown)!s}; known: {known}")
    key = phrase_key(text)
    if not key:
        raise ValueError("an empty wording cannot be mapped")
    db.execute(
        "INSERT OR REPLACE INTO target_group_overrides(phrase, text, groups, updated_at) VALUES (?, ?, ?, ?)",
        [key, text.strip()[:MAX_PHRASE_CHARS], json.dumps(list(dict.fromkeys(groups))), now],
    )
    return key


def clear_override(db: Database, text: str) -> bool:
    """Back to the automatic mapping; False when there was no correction."""
    cursor = db.execute("DELETE FROM target_group_overrides WHERE phrase = ?", [phrase_key(text)])
    return cursor.rowcount > 0


def mapping_table(db: Database, vocabulary: Vocabulary) -> list[dict]:
    """Every wording in use (or corrected), with its groups, how they were found, and the number of projects."""
    rows = db.execute(
        "SELECT k.phrase, coalesce(o.text, m.text, t.name), m.groups, m.method, m.score, o.groups, "
        "count(DISTINCT t.project_id) FROM (SELECT phrase FROM project_target_groups "
        "UNION SELECT phrase FROM target_group_overrides) k "
        "LEFT JOIN project_target_groups t ON t.phrase = k.phrase "
        "LEFT JOIN target_group_mappings m ON m.phrase = k.phrase "
        "LEFT JOIN target_group_overrides o ON o.phrase = k.phrase GROUP BY k.phrase ORDER BY 2"
    ).fetchall()
    table = []
    for key, text, auto, method, score, manual, n_projects in rows:
        auto_groups = json.loads(auto) if auto else []
        in_force = json.loads(manual) if manual is not None else auto_groups
        table.append(
            {
                "phrase": key,
                "text": text,
                "groups": [{"id": g, "label": vocabulary.label(g)} for g in in_force],
                "method": "manual" if manual is not None else (method or "pending"),
                "automatic": auto_groups,
                "score": score,
                "projects": n_projects,
            }
        )
    return table


def group_members(db: Database, vocabulary: Vocabulary) -> dict[str, set[str]]:
    """The projects each group's filter finds (its sub-groups' projects included), by group id."""
    direct: dict[str, set[str]] = {}
    for project_id, group_id in db.execute(
        "SELECT DISTINCT t.project_id, g.group_id FROM project_target_groups t JOIN phrase_groups g ON g.phrase = t.phrase"
    ):
        direct.setdefault(group_id, set()).add(project_id)
    return {
        group.id: set().union(*(direct.get(g, set()) for g in vocabulary.descendants(group.id)))
        for group in vocabulary.groups
    }


def target_group_condition(value: str) -> tuple[str, list[str]]:
    """SQL over projects.id for a target-group filter: a group of the vocabulary (by id or label)
    with its sub-groups; a wording ("Geflüchtete Frauen") means the projects in every group the
    rules find in it; a value that names no group matches the projects using that very wording."""
    vocabulary = load_vocabulary()
    groups = vocabulary.resolve_all(value)
    if not groups:
        return "id IN (SELECT project_id FROM project_target_groups WHERE phrase = ?)", [phrase_key(value)]
    clauses, params = [], []
    for group in groups:
        ids = vocabulary.descendants(group)
        marks = ",".join("?" * len(ids))
        clauses.append(
            "id IN (SELECT t.project_id FROM project_target_groups t JOIN phrase_groups g "
            f"ON g.phrase = t.phrase WHERE g.group_id IN ({marks}))"
        )
        params += ids
    return " AND ".join(clauses), params
