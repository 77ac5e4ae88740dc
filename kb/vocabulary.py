"""Target groups as a controlled vocabulary: the groups, their hierarchy, and the rules that map
a project's own wording ("Mütter mit Fluchterfahrung") to them.

The vocabulary lives in ``target_groups.toml`` beside this module (the file's header explains how
a term matches).  The rules read German as the keyword index does (kb.text_analysis: case and
accent folding, "ae" = "ä", feminine role nouns as the masculine, Snowball stems) and add what a
target group needs besides:

- a compound is what its last part says ("Kleinkinder" are Kinder, "Großeltern" are not Eltern:
  where two groups' terms match one word the longer term wins);
- a feminine plural that stands alone ("Seniorinnen", "Migrantinnen") names women, while the pair
  form ("Seniorinnen und Senioren") and the gender star ("Helfer*innen", "HelferInnen") name both.

Wordings no rule knows go to the embedding model (kb.group_mapping).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kb.text_analysis import fold, german_stem, masculine

VOCABULARY_FILE = Path(__file__).with_name("target_groups.toml")
RULES_VERSION = "1"  # raise when the matching code changes: stored mappings are then made again
MAX_PHRASE_CHARS = 200  # a target-group wording longer than this is cut before any per-word work
MIN_HEAD_STEM = 4  # shorter stems ("elt" of Eltern) would end too many unrelated words ("Umwelt")
MIN_MODIFIER = 3  # letters a compound needs before its last part ("Kleinkinder": "klein")

TOKEN = re.compile(r"[^\W_]+")
# "Helfer*innen", "Helfer:innen", "Helfer_innen", "Helfer/innen", "HelferInnen": both genders.
INCLUSIVE_FORM = re.compile(r"[*:_/·]innen\b|[a-zäöüß]Innen\b")
FEMININE_GROUP = "frauen"


class VocabularyError(Exception):
    """The vocabulary file is not usable; the message names the file and the fault."""


@dataclass(frozen=True)
class Token:
    form: str  # folded word
    stem: str  # stem of its masculine form

    def ends_like(self, other: Token) -> bool:
        """The word ends in the other's written form, not only its stem: "Grundschulen" ends like
        "Schulen", not like "Schüler", though all three share the stem "schul"."""
        mine, theirs = masculine(self.form).rstrip("e"), masculine(other.form).rstrip("e")
        return mine.endswith(theirs)


@dataclass(frozen=True)
class Term:
    group: str
    text: str
    tokens: tuple[Token, ...]
    mode: str  # head (default), part (written "x*"), exact (written "=x")

    def weight(self, word: Token) -> tuple[int, bool]:
        """How specifically the term names a word it matches; where two groups' terms match one
        word the heavier wins: the one the word ends like, then the longer stem."""
        last = self.tokens[-1]
        return word.ends_like(last), len(last.stem)


@dataclass(frozen=True)
class Group:
    id: str
    label: str
    en: str
    parent: str | None
    terms: tuple[str, ...]

    def examples(self) -> list[str]:
        """Texts that stand for the group when the embedding model compares a wording with it."""
        plain = [term.lstrip("=").rstrip("*") for term in self.terms]
        return list(dict.fromkeys([self.label, self.en, *plain]))


@dataclass(frozen=True)
class Vocabulary:
    groups: tuple[Group, ...]
    fingerprint: str
    terms: tuple[Term, ...] = field(repr=False, default=())

    def group(self, group_id: str) -> Group | None:
        return next((g for g in self.groups if g.id == group_id), None)

    def label(self, group_id: str) -> str:
        group = self.group(group_id)
        return group.label if group else group_id

    def ids(self) -> list[str]:
        return [g.id for g in self.groups]

    def children(self, group_id: str | None) -> list[Group]:
        return [g for g in self.groups if g.parent == group_id]

    def descendants(self, group_id: str) -> list[str]:
        """The group and every group below it: what a filter for it includes."""
        found = [group_id]
        for child in self.children(group_id):
            found += self.descendants(child.id)
        return found

    def ancestors(self, group_id: str) -> list[str]:
        """The groups above this one, nearest first."""
        chain: list[str] = []
        group = self.group(group_id)
        while group is not None and group.parent and group.parent not in chain:
            chain.append(group.parent)
            group = self.group(group.parent)
        return chain

    def depth(self, group_id: str) -> int:
        return len(self.ancestors(group_id))

    def tree(self) -> list[Group]:
        """Groups in file order with each group's sub-groups right after it (for lists and selects)."""

        def walk(parent: str | None) -> list[Group]:
            return [x for g in self.children(parent) for x in (g, *walk(g.id))]

        return walk(None)

    def resolve(self, value: str) -> str | None:
        """The one group a value means: an id, a label (German or English), or a wording the
        rules map to exactly one group ("Seniorinnen und Senioren" → aeltere); None otherwise."""
        groups = self.resolve_all(value)
        return groups[0] if len(groups) == 1 else None

    def resolve_all(self, value: str) -> list[str]:
        """The groups a filter value means: an id or label is one group; a wording is every group
        the rules find in it ("Geflüchtete Frauen" → frauen, gefluechtete)."""
        key = " ".join(fold(value or "").split())
        if not key:
            return []
        for group in self.groups:
            if key in (group.id, fold(group.label), fold(group.en)):
                return [group.id]
        return rule_groups(value, self)

    def version(self) -> str:
        return f"{self.fingerprint}.{RULES_VERSION}"


def tokens(text: str) -> list[Token]:
    """Folded words of a wording, each with the stem of its masculine form."""
    return [Token(word, german_stem(masculine(word))) for word in TOKEN.findall(fold(text))]


def _term(group: str, text: str, source: str) -> Term:
    mode = "exact" if text.startswith("=") else "part" if text.endswith("*") else "head"
    words = tokens(text.lstrip("=").rstrip("*"))
    if not words:
        raise VocabularyError(f"{source}: group '{group}': term {text!r} has no words")
    return Term(group, text, tuple(words), mode)


def parse_vocabulary(data: bytes, source: str = VOCABULARY_FILE.name) -> Vocabulary:
    """Read a vocabulary file's bytes; a fault is a VocabularyError naming the file and the group."""
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise VocabularyError(f"{source}: not readable TOML: {error}") from error
    groups: list[Group] = []
    for entry in document.get("group", []):
        try:
            group = Group(
                id=str(entry["id"]),
                label=str(entry["label"]),
                en=str(entry.get("en") or entry["label"]),
                parent=entry.get("parent") or None,
                terms=tuple(str(t) for t in entry.get("terms", [])),
            )
        except KeyError as error:
            raise VocabularyError(f"{source}: a group without {error.args[0]!r}") from error
        groups.append(group)
    ids = [g.id for g in groups]
    if len(set(ids)) != len(ids):
        raise VocabularyError(f"{source}: group ids must be unique")
    for group in groups:
        if group.parent and group.parent not in ids:
            raise VocabularyError(f"{source}: group '{group.id}': unknown parent '{group.parent}'")
    terms = tuple(_term(g.id, t, source) for g in groups for t in g.terms)
    fingerprint = hashlib.sha256(data).hexdigest()[:12]
    return Vocabulary(tuple(groups), fingerprint, terms)


@lru_cache(maxsize=4)
def load_vocabulary(path: Path = VOCABULARY_FILE) -> Vocabulary:
    """The vocabulary of a file, read once per process."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise VocabularyError(f"{path}: cannot read the vocabulary: {error.strerror}") from error
    return parse_vocabulary(data, path.name)


def _token_matches(token: Token, term_token: Token, mode: str) -> bool:
    if mode == "exact":
        return token.form == term_token.form
    if mode == "part":
        return term_token.form in token.form
    if token.stem == term_token.stem:
        return True
    # The last part of a compound names what it is: "Kleinkinder" are Kinder.
    return (
        len(term_token.stem) >= MIN_HEAD_STEM
        and token.stem.endswith(term_token.stem)
        and len(token.stem) - len(term_token.stem) >= MIN_MODIFIER
    )


def _phrase_matches(words: list[Token], start: int, term: Term) -> bool:
    """A term of several words at this position: the leading words by stem, the last by its mode."""
    n = len(term.tokens)
    if start + n > len(words):
        return False
    for offset, term_token in enumerate(term.tokens[:-1]):
        word = words[start + offset]
        if word.stem != term_token.stem and word.form != term_token.form:
            return False
    return _token_matches(words[start + n - 1], term.tokens[-1], term.mode)


def rule_groups(text: str, vocabulary: Vocabulary | None = None) -> list[str]:
    """The groups the rules find in one wording, in vocabulary order (empty: no rule knows it)."""
    vocabulary = vocabulary or load_vocabulary()
    text = (text or "")[:MAX_PHRASE_CHARS]
    words = tokens(text)
    found: set[str] = set()
    for position in range(len(words)):
        best: list[Term] = []
        for term in vocabulary.terms:
            if not _phrase_matches(words, position, term):
                continue
            if len(term.tokens) > 1 or term.mode == "part":
                # A phrase, or a part inside a word ("Flucht" in "Fluchterfahrung"), adds its group
                # beside what the word's last part says ("Migrantenvereine": migrants and clubs).
                found.add(term.group)
            elif not best or term.weight(words[position]) > best[0].weight(words[position]):
                best = [term]
            elif term.weight(words[position]) == best[0].weight(words[position]):
                best.append(term)
        found.update(term.group for term in best)
    if FEMININE_GROUP in vocabulary.ids() and _names_women(text, words):
        found.add(FEMININE_GROUP)
    order = vocabulary.ids()
    return sorted(found, key=order.index)


def _names_women(text: str, words: list[Token]) -> bool:
    """A feminine role noun without its masculine pair or a gender mark ("Seniorinnen", not
    "Seniorinnen und Senioren", not "Helfer*innen")."""
    if INCLUSIVE_FORM.search(text):
        return False
    for word in words:
        if not word.form.endswith(("in", "innen")) or masculine(word.form) == word.form:
            continue
        paired = any(other.stem == word.stem and other.form != word.form for other in words)
        if not paired:
            return True
    return False
