"""The county integration fund's rules, read from a TOML file, and an idea checked against them.

Pure functions: the check takes what a person typed (amount and months as text) and returns one
Criterion per rule with a status and a reason code plus the values the reason speaks of, so the web
UI can word the reason in the reader's language.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from kb.county import County

SHIPPED_FUND_RULES = Path(__file__).parent / "data" / "fund_rules.toml"
MAX_FIELD_CHARS = 40  # an amount or a duration is short; longer input is not parsed at all
MAX_TEXT_CHARS = 4000  # the idea text searched for partnership words
OUTSIDE_COUNTY = "ausserhalb"  # the town form's value for "a place outside the county"

MET, NOT_MET, TO_CHECK = "met", "not_met", "to_check"


class FundRulesError(ValueError):
    """The fund rules file cannot be used; the message names the file and the reason."""


@dataclass(frozen=True)
class FundRules:
    name: str
    max_amount_eur: Decimal
    max_months: int
    region: str
    partnership_terms: tuple[str, ...]


@dataclass(frozen=True)
class Criterion:
    rule: str  # amount, duration, partnership, region
    status: str  # met, not_met, to_check
    reason: str  # a code: the web UI words it (e.g. "above_limit", "not_a_number")
    values: dict[str, str] = field(default_factory=dict)  # what the reason speaks of, formatted


def load_fund_rules(path: Path | None = None) -> FundRules:
    """The rules from a TOML file (the shipped ones when path is None)."""
    path = path or SHIPPED_FUND_RULES
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise FundRulesError(f"{path}: cannot be read as TOML: {error}") from error
    try:
        rules = FundRules(
            name=str(data["name"]),
            max_amount_eur=Decimal(str(data["max_amount_eur"])),
            max_months=int(data["max_months"]),
            region=str(data["region"]),
            partnership_terms=tuple(str(t).casefold() for t in data.get("partnership_terms", [])),
        )
    except (KeyError, TypeError, ValueError, InvalidOperation) as error:
        raise FundRulesError(
            f"{path}: needs name, max_amount_eur, max_months and region ({error!r})"
        ) from error
    if rules.max_amount_eur <= 0 or rules.max_months <= 0:
        raise FundRulesError(f"{path}: max_amount_eur and max_months must be above 0")
    return rules


def parse_amount(text: str) -> Decimal | None:
    """Euros from what a person types: '4.000 €', '4000,50', '3 500 EUR', '4,000.00'; None if not a number."""
    text = (text or "").strip()
    if not text or len(text) > MAX_FIELD_CHARS:
        return None
    text = re.sub(r"(?i)(€|eur(o)?|,-|\s)", "", text)
    if not re.fullmatch(r"\d[\d.,]*", text):
        return None
    if "," in text and "." in text:  # the later mark is the decimal one
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        text = text.replace(thousands, "").replace(decimal_mark, ".")
    elif re.fullmatch(r"\d{1,3}([.,]\d{3})+", text):  # 4.000 or 4,000 or 1.250.000: thousands
        text = re.sub(r"[.,]", "", text)
    else:
        text = text.replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:  # 4.0.0 and such
        return None


MONTH_WORDS = r"monate?n?|mon\.?|m|months?|ay|місяц\w*|شهر|شهور|أشهر"
YEAR_WORDS = r"jahre?n?|j|years?|yıl|рік|роки|років|سنة|سنوات|عام"


def parse_months(text: str) -> Decimal | None:
    """Months from '12', '6 Monate', '1 Jahr', '1,5 Jahre'; None if not a duration."""
    text = " ".join((text or "").split()).casefold()
    if not text or len(text) > MAX_FIELD_CHARS:
        return None
    found = re.fullmatch(rf"(\d{{1,3}}(?:[.,]\d{{1,2}})?) ?(?:({MONTH_WORDS})|({YEAR_WORDS}))?", text)
    if found is None:
        return None
    number = Decimal(found.group(1).replace(",", "."))
    return number * 12 if found.group(3) else number


def check_idea(
    rules: FundRules, county: County, text: str, town: str, amount: str, months: str, organisation: str
) -> list[Criterion]:
    """One criterion per fund rule for an idea as typed into the form."""
    return [
        check_amount(rules, amount),
        check_duration(rules, months),
        check_partnership(rules, text, organisation),
        check_region(rules, county, town),
    ]


def check_amount(rules: FundRules, typed: str) -> Criterion:
    limit = {"limit": euros(rules.max_amount_eur)}
    if not (typed or "").strip():
        return Criterion("amount", TO_CHECK, "missing", limit)
    amount = parse_amount(typed)
    if amount is None:
        return Criterion(
            "amount", TO_CHECK, "not_a_number", {**limit, "typed": typed.strip()[:MAX_FIELD_CHARS]}
        )
    values = {**limit, "amount": euros(amount)}
    if amount <= 0:
        return Criterion("amount", TO_CHECK, "not_positive", values)
    if amount > rules.max_amount_eur:
        return Criterion("amount", NOT_MET, "above_limit", values)
    return Criterion("amount", MET, "within_limit", values)


def check_duration(rules: FundRules, typed: str) -> Criterion:
    limit = {"limit": str(rules.max_months)}
    if not (typed or "").strip():
        return Criterion("duration", TO_CHECK, "missing", limit)
    months = parse_months(typed)
    if months is None:
        return Criterion(
            "duration", TO_CHECK, "not_a_number", {**limit, "typed": typed.strip()[:MAX_FIELD_CHARS]}
        )
    values = {**limit, "months": _plain(months)}
    if months <= 0:
        return Criterion("duration", TO_CHECK, "not_positive", values)
    if months > rules.max_months:
        return Criterion("duration", NOT_MET, "above_limit", values)
    return Criterion("duration", MET, "within_limit", values)


def check_partnership(rules: FundRules, text: str, organisation: str) -> Criterion:
    said = f"{text[:MAX_TEXT_CHARS]} {organisation[:MAX_TEXT_CHARS]}".casefold()
    for term in rules.partnership_terms:
        found = re.search(rf"(?<!\w){re.escape(term)}\w*", said)
        if found:
            return Criterion("partnership", MET, "described", {"term": found.group(0)})
    return Criterion("partnership", TO_CHECK, "not_described")


def check_region(rules: FundRules, county: County, town: str) -> Criterion:
    town = (town or "").strip()[: MAX_FIELD_CHARS * 2]
    values = {"region": rules.region}
    if not town:
        return Criterion("region", TO_CHECK, "missing", values)
    if town.casefold() == OUTSIDE_COUNTY:
        return Criterion("region", NOT_MET, "outside", values)
    found = county.find(town)
    if found is not None:
        return Criterion("region", MET, "in_county", {**values, "town": found.name})
    # A district ("Sindelfingen-Maichingen") or a spelling the list lacks: a person should look.
    return Criterion("region", TO_CHECK, "unknown_town", {**values, "town": town})


def euros(amount: Decimal) -> str:
    """German money format: 4.000 €, 3.999,50 €."""
    whole = f"{amount:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return (whole[:-3] if whole.endswith(",00") else whole) + " €"


def _plain(number: Decimal) -> str:
    return f"{number.normalize():f}".replace(".", ",")
