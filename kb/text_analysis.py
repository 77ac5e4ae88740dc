"""German-aware keyword analysis: the terms the FTS5 index holds and the terms a query asks for.

A word becomes its Snowball German stem after case folding and diacritic
folding (ä→a, ß→ss, é→e, and "fuer" meets "für").  Feminine role nouns meet
the masculine form ("Lotsinnen" → "Lotse").  A long word also yields the stems of its plausible parts, so that
"Sprachpaten" finds "Sprachpatenschaft", "Lotsen im Gesundheitswesen" finds
"Gesundheitslotsinnen" and "Café für Sprache" finds "Sprachcafé": without a
lexicon we cannot know where a German compound breaks, so every break that
leaves two parts of at least four letters is taken, and BM25's inverse
document frequency sorts the useful parts from the accidental ones.

Parts go into a column of their own (FTS_COLUMNS) with a lower bm25 weight
(BM25_WEIGHTS): on XQuAD, parts mixed into the word column cost German
questions 0.04 MRR@10, in their own column they cost nothing.

The analysis runs in Python; the FTS5 table only splits the prepared terms at
spaces (FTS_TOKENIZE).  Query and index share one analysis, so a query term is
exactly a term of the index (and of its fts5vocab table).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import Stemmer

from kb.bounded_cache import byte_bounded_cache

FTS_TOKENIZE = "unicode61 remove_diacritics 2"
FTS_COLUMNS = ("terms", "parts")  # word terms, and the parts of compound words
# bm25() weights of the columns: a part matched counts a quarter of a word matched, enough to find
# "Sprachpatenschaft" for "Sprachpaten", too little for chance parts to outrank real words.
BM25_WEIGHTS = (1.0, 0.25)

# Function words carry no topic; a query made only of them matches nothing.
GERMAN_STOP_WORDS = frozenset(
    """
    aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes
    auch auf aus bei beim bin bis bist da dadurch dafur daher damit dann darauf darin darum das
    dass dasselbe dazu dein deine dem demselben den denn der derer derselbe derselben des desselben
    dessen deshalb dich die dies diese dieselbe dieselben diesem diesen dieser dieses dir doch dort
    du durch ein eine einem einen einer eines einige einigem einigen einiger einiges einmal er es
    etwas euch euer eure fur gegen gewesen hab habe haben hat hatte hatten hier hin hinter ich ihm
    ihn ihnen ihr ihre ihrem ihren ihrer ihres im in indem ins ist jede jedem jeden jeder jedes
    jene jenem jenen jener jenes jetzt kann kein keine keinem keinen keiner keines konnen konnte
    machen man manche manchem manchen mancher manches mein meine mit muss musste nach nicht nichts
    noch nun nur ob oder ohne sehr sein seine seinem seinen seiner seines selbst sich sie sind so
    solche solchem solchen solcher solches soll sollte sondern sonst uber um und uns unser unsere
    unter viel vom von vor wahrend war waren warst was weg weil weiter welche welchem welchen
    welcher welches wenn werde werden wie wieder will wir wird wirst wo wollen wollte wurde wurden
    zu zum zur zwar zwischen
    wer wem wen wessen wann warum wieso weshalb woher wohin womit wofur wodurch
    gibt gab bzw usw ca
    """.split()
)

WORD = re.compile(r"[^\W_]+(?:[-‐‑][^\W_]+)*")
HYPHENS = re.compile(r"[-‐‑]")
# Endings after which "-in"/"-innen" marks a feminine role noun (Migrantin, Lotsin, Ärztin,
# Pädagogin), chosen so that Termin, Medizin, Berlin or Vitamin keep their ending.
FEMININE_BASE = re.compile(r"(?:er|ant|ent|ist|at|or|log|eur|ots|arzt|and|leg)$")
# As the Snowball German stemmer reads them: "ue" after q or a vowel is no umlaut (Quelle, neue).
SPELLED_UMLAUT = re.compile(r"ae|oe|(?<![qaeiouy])ue")
# One spelling where German orthography allows two, also inside compounds: "ph" or "f" in words
# from Greek (Photo/Foto, Graphik/Grafik, Geographie/Geografie) and "-tial"/"-zial" (Potential/
# Potenzial, essentiell/essenziell), both sides of the 1996 reform still in print. Only variants
# of one word: different words people mix up ("Kaffee" for "Café") are the model's job.
SPELLING_VARIANTS = {"ph": "f", "tial": "zial", "tiell": "ziell"}
SPELLING_VARIANT = re.compile("|".join(SPELLING_VARIANTS))
# Raise when the analysis changes the terms it makes: stores indexed by an older analysis get their
# keyword index rebuilt when opened (kb.store).
ANALYSIS_VERSION = 2
DIGRAPHS = ("ch", "ck", "th")  # a break inside these is no word boundary
# The longest word split into compound parts. German compounds people write run to ~30 letters
# ("Integrationskursträgerversammlung" is 33); a longer "word" is a run of letters nobody types,
# and its ~2n parts of up to n letters cost quadratic time and memory (a 20,000-letter query word
# made 2 GB of parts).
MAX_COMPOUND = 40
# A query's keyword terms and compound parts beyond these are not sought: each costs a document
# frequency, a term of the FTS5 expression and of the snippet's pattern. The evaluation queries
# have at most 24 terms and 71 parts; a pasted page would have hundreds.
MAX_QUERY_TERMS = 48
MAX_QUERY_PARTS = 96
# Caches of stems and parts: bounded in bytes, since user text decides what goes in.
STEM_CACHE_BYTES = 4 * 1024 * 1024
PARTS_CACHE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Analyzer:
    """One keyword analysis; the module functions use DEFAULT_ANALYZER, the benchmark compares others."""

    stem: bool = True
    split_compounds: bool = True
    min_compound: int = 8  # shorter words are rarely compounds worth splitting ("Kochkurs" is 8)
    min_part: int = 4  # a compound part shorter than this is mostly noise ("rat", "ort")
    max_compound: int = MAX_COMPOUND

    def words(self, text: str) -> list[str]:
        """Folded words of the text, hyphenated words as their parts plus the joined whole."""
        words: list[str] = []
        for match in WORD.finditer(fold(text)):
            pieces = HYPHENS.split(match.group())
            words.extend(pieces)
            if len(pieces) > 1:
                words.append("".join(pieces))
        return words

    def term(self, word: str) -> str:
        """The index term of one folded word."""
        if not self.stem or not word.isalpha():
            return word
        return german_stem(masculine(word))

    def part_terms(self, word: str) -> list[str]:
        """The terms of the parts a folded word may be compounded of (none for a short word)."""
        if not self.split_compounds or not self.min_compound <= len(word) <= self.max_compound:
            return []
        if not word.isalpha():
            return []
        return [self.term(part) for part in compound_parts(word, self.min_part)]

    def index_terms(self, text: str) -> list[str]:
        return [self.term(word) for word in self.words(text)]

    def index_parts(self, text: str) -> list[str]:
        return [term for word in self.words(text) for term in dict.fromkeys(self.part_terms(word))]

    def query_terms(self, text: str) -> list[str]:
        words = [word for word in self.words(text) if word not in GERMAN_STOP_WORDS]
        return list(dict.fromkeys(self.term(word) for word in words))[:MAX_QUERY_TERMS]

    def compound_pairs(self, text: str) -> dict[str, list[tuple[str, str]]]:
        """Each query term's (first part, second part) terms at every break of its word."""
        pairs: dict[str, list[tuple[str, str]]] = {}
        for word in self.words(text):
            if word not in GERMAN_STOP_WORDS:
                parts = self.part_terms(word)
                pairs.setdefault(self.term(word), list(zip(parts[0::2], parts[1::2], strict=True)))
        return pairs

    def query_parts(self, text: str) -> list[str]:
        """Parts of the query's compounds that are not query terms themselves."""
        whole = set(self.query_terms(text))
        words = [word for word in self.words(text) if word not in GERMAN_STOP_WORDS]
        parts = (term for word in words for term in self.part_terms(word))
        return [term for term in dict.fromkeys(parts) if term not in whole][:MAX_QUERY_PARTS]


DEFAULT_ANALYZER = Analyzer()
_stemmers = threading.local()  # a Stemmer must not be shared across threads


@byte_bounded_cache(STEM_CACHE_BYTES)
def german_stem(word: str) -> str:
    """Snowball German stem of a folded word; cached, since snippets analyse the same words again and again."""
    stemmer = getattr(_stemmers, "german", None)
    if stemmer is None:
        stemmer = _stemmers.german = Stemmer.Stemmer("german")
    return stemmer.stemWord(word)


def fold(text: str) -> str:
    """Lower case without diacritics, umlauts typed as ae/oe/ue read as the plain vowel.

    "Straße" → "strasse", "Café" → "cafe", "für" and "fuer" → "fur".  The stemmer
    reads ae/oe/ue the same way; doing it here as well makes the compound parts
    of "Oeffnungszeiten" those of "Öffnungszeiten", and "fuer" a stop word.
    """
    # Decomposed before case folding too: "𝓐" only becomes a letter with a lower case by NFKD.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = SPELLED_UMLAUT.sub(lambda m: m.group()[0], plain)
    return SPELLING_VARIANT.sub(lambda m: SPELLING_VARIANTS[m.group()], plain)


def masculine(word: str) -> str:
    """A feminine role noun as its masculine form: "lotsinnen" → "lotse", "patin" → "pate".

    The "e" is harmless for the stemmer ("migrante" and "migrant" share a stem) and
    needed where the masculine form has it ("lotse", whose stem "lots" a bare "lots"
    would not reach).
    """
    for ending in ("innen", "in"):
        base = word[: -len(ending)]
        if word.endswith(ending) and len(base) >= 3 and FEMININE_BASE.search(base):
            return base + "e"
    return word


@byte_bounded_cache(PARTS_CACHE_BYTES)
def compound_parts(word: str, min_part: int) -> tuple[str, ...]:
    """Prefix and suffix at every break that leaves two parts of min_part letters or more.

    No break splits ch, ck, ph, th, or s from ch: "Partnerschaft" yields no "haft".
    """
    parts = []
    for cut in range(min_part, len(word) - min_part + 1):
        if word[cut - 1 : cut + 1] in DIGRAPHS or word[cut - 1 : cut + 2] == "sch":
            continue
        parts.append(word[:cut])
        parts.append(word[cut:])
    return tuple(parts)  # immutable: the result is cached and shared


def index_terms(text: str) -> str:
    """Text → space-separated word terms, for the FTS5 column `terms`."""
    return " ".join(DEFAULT_ANALYZER.index_terms(text))


def index_parts(text: str) -> str:
    """Text → space-separated compound-part terms, for the FTS5 column `parts`."""
    return " ".join(DEFAULT_ANALYZER.index_parts(text))


def query_terms(text: str) -> list[str]:
    """The word terms a query asks for, stop words dropped, each once (compound parts not included)."""
    return DEFAULT_ANALYZER.query_terms(text)


def match_expression(
    text: str,
    analyzer: Analyzer = DEFAULT_ANALYZER,
    too_common: Callable[[str], bool] | None = None,
    left_out: Callable[[str], bool] | None = None,
) -> str | None:
    """A safe FTS5 MATCH expression over FTS_COLUMNS; None when no term is left.

    The query's words are sought in both columns; the parts of its compounds only
    among the corpus's words (column `terms`), because part meeting part is mostly
    chance ("...lotsinnen" and "...sinnen").  Terms hold only letters and digits and
    each is quoted besides, so user text never becomes FTS5 syntax (NEAR, *, ^,
    column filters, unbalanced quotes).  too_common: compound parts left out; left_out: words
    left out (the keyword half's budget at scale, kb.keyword_half).
    """
    words = [_quoted(term) for term in analyzer.query_terms(text) if left_out is None or not left_out(term)]
    parts = [
        f"{FTS_COLUMNS[0]} : {_quoted(term)}"
        for term in analyzer.query_parts(text)
        if too_common is None or not too_common(term)
    ]
    return " OR ".join(words + parts) or None


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'
