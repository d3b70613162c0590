"""Screening instruments (``screenings.json``) and the clinic's rules for them
(``screening_rules.json``).

The instruments are reference data: each one's items, answer choices with their
scores and LOINC answer codes, LOINC panel and total-score codes, severity bands with
their source, the ages it is meant for and how often it is repeated. The rules are
the clinic's policy: which screenings it gives at rooming, from what age, how often.

Both files are checked when they are loaded, so a bad edit fails at start-up rather
than scoring a patient wrongly: answers are one digit each (scores 0 to n-1 in
order), bands cover every total from 0 to the highest with no gap, a positive band
never gives way to a negative one, LOINC codes carry a valid check digit, and every
LOINC code used is listed among those confirmed against LOINC's own data (and every
one listed is used). ``parse_catalog`` and ``parse_rules`` take any parsed JSON and
either return the catalog or raise :class:`ScreeningCatalogError` naming the place.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import TypeVar

from ma_tui.data.catalogs import CatalogError
from ma_tui.data.catalogs.json_checks import JsonChecker
from ma_tui.data.models.patients import Sex

CATALOG = "screenings.json"
RULES = "screening_rules.json"
VERSION = 1

SHORT_MAX = 36  # an item's short text fits beside its answer on an 80-column screen
MAX_CHOICES = 10  # every answer is one digit
MAX_AGE = 125
MAX_MONTHS = 120
ALERT_FIELDS = frozenset({"answer"})  # what an alert's text may name: {answer}

_LOINC = re.compile(r"[0-9]{1,7}-[0-9]")
_LOINC_ANSWER = re.compile(r"LA[0-9]{1,7}-[0-9]")
_KEY = re.compile(r"[a-z][a-z0-9]{0,19}")
_CANONICAL = re.compile(r"(https?://|urn:)[^\s]+")
_E = TypeVar("_E", bound=StrEnum)


class ScreeningCatalogError(CatalogError):
    """A screening file is malformed; the message names the file and the place."""


class InstrumentKind(StrEnum):
    QUESTIONNAIRE = "questionnaire"  # items answered one digit each, scored
    HISTORY_PROMPT = "history-prompt"  # no items: update a part of the history instead


class Scoring(StrEnum):
    SUM = "sum"  # the total is the sum of the item scores


class AnswerKind(StrEnum):
    CODED = "coded"  # every choice has a LOINC answer code (LA...)
    BOOLEAN = "boolean"  # exactly No = 0 and Yes = 1; exported as false/true


# --------------------------------------------------------------------- types


@dataclass(frozen=True, slots=True)
class Choice:
    score: int  # also the digit the MA types
    text: str
    code: str | None  # LOINC answer code; None in a boolean list


@dataclass(frozen=True, slots=True)
class AnswerList:
    name: str
    kind: AnswerKind
    choices: tuple[Choice, ...]  # scores 0, 1, 2, ... in order

    @property
    def max_score(self) -> int:
        return len(self.choices) - 1

    def choice(self, score: int) -> Choice | None:
        return self.choices[score] if 0 <= score < len(self.choices) else None


@dataclass(frozen=True, slots=True)
class Item:
    number: int  # from 1, in the order asked
    link_id: str  # "/44250-9" for a LOINC item (as LOINC's own forms), else "falls-1"
    code: str | None  # LOINC question code
    text: str  # the question as the instrument (and LOINC) words it
    short: str  # at most SHORT_MAX characters, for the screen
    answers: AnswerList


@dataclass(frozen=True, slots=True)
class Band:
    low: int  # inclusive
    high: int  # inclusive
    label: str  # "moderate", "positive", "at risk of falling"
    positive: bool  # a positive screen: follow-up expected

    def contains(self, total: int) -> bool:
        return self.low <= total <= self.high


@dataclass(frozen=True, slots=True)
class AlertRule:
    """An answer that must be acted on now, whatever the total."""

    item: int  # item number
    from_score: int  # the alert is raised at this score or more
    text: str  # template; "{answer}" is the choice's text
    source: str  # a source id

    def text_for(self, choice: Choice) -> str:
        return self.text.format(answer=choice.text)


@dataclass(frozen=True, slots=True)
class Ages:
    low: int  # whole years, inclusive
    high: int | None  # inclusive; None for no upper end

    def contains(self, years: int) -> bool:
        return self.low <= years and (self.high is None or years <= self.high)

    def within(self, other: Ages) -> bool:
        if self.low < other.low:
            return False
        return other.high is None or (self.high is not None and self.high <= other.high)

    @property
    def label(self) -> str:
        """``"from age 12"`` or ``"ages 18-64"``."""
        return f"from age {self.low}" if self.high is None else f"ages {self.low}-{self.high}"


@dataclass(frozen=True, slots=True)
class Instrument:
    key: str  # "phq9": stored, and what the MA may type to name it
    name: str  # "PHQ-9"
    title: str
    aliases: tuple[str, ...]  # other names the MA may type ("phq-9")
    kind: InstrumentKind
    questionnaire: str | None  # canonical URL of the FHIR Questionnaire
    panel_code: str | None  # LOINC panel
    total_code: str | None  # LOINC total score
    total_display: str | None
    history_code: str | None  # a history-prompt's LOINC (tobacco: 72166-2)
    stem: str  # what the MA says before the items
    scoring: Scoring | None  # None for a history-prompt
    items: tuple[Item, ...]
    bands: Mapping[Sex, tuple[Band, ...]]  # every Sex present
    bands_source: str
    bands_note: str | None
    reflex: str | None  # the instrument a positive result leads to (PHQ-2 -> PHQ-9)
    alerts: tuple[AlertRule, ...]
    ages: Ages  # the ages the instrument is meant for
    ages_source: str
    rescreen_months: int

    @property
    def max_total(self) -> int:
        return sum(item.answers.max_score for item in self.items)

    def band(self, total: int, sex: Sex) -> Band:
        """The band of ``total`` (0 to ``max_total``) for a patient of ``sex``."""
        return next(band for band in self.bands[sex] if band.contains(total))


@dataclass(frozen=True, slots=True)
class ScreeningCatalog:
    sources: Mapping[str, str]  # id -> citation
    confirmed: Mapping[str, str]  # LOINC code -> how it was confirmed
    instruments: Mapping[str, Instrument]  # key -> instrument, in file order

    def find(self, name: str) -> Instrument | None:
        """The instrument with this key or alias; case, spaces and dashes ignored."""
        wanted = name_key(name)
        for instrument in self.instruments.values():
            if wanted in {name_key(alias) for alias in (instrument.key, *instrument.aliases)}:
                return instrument
        return None


@dataclass(frozen=True, slots=True)
class ScreeningRule:
    screen: str  # instrument key
    ages: Ages
    sexes: frozenset[Sex]
    every_months: int
    satisfied_by: tuple[str, ...]  # instrument keys whose last administration counts
    why: str


@dataclass(frozen=True, slots=True)
class ScreeningRules:
    rules: tuple[ScreeningRule, ...]


def name_key(text: str) -> str:
    """``"PHQ-9"``, ``"phq 9"`` and ``"phq9"`` all give ``"phq9"``."""
    return "".join(char for char in text.casefold() if char.isascii() and char.isalnum())


# ------------------------------------------------------------------- loading


@cache
def screening_catalog() -> ScreeningCatalog:
    """The instruments shipped with the program, loaded and checked once."""
    return parse_catalog(_read(CATALOG))


@cache
def screening_rules() -> ScreeningRules:
    """The clinic's screening rules, loaded and checked once against the catalog."""
    return parse_rules(_read(RULES), screening_catalog())


def clear_caches() -> None:
    screening_catalog.cache_clear()
    screening_rules.cache_clear()


def _read(filename: str) -> object:
    try:
        text = resources.files("ma_tui.data.catalogs").joinpath(filename).read_text("utf-8")
        return json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScreeningCatalogError(f"catalog {filename}: cannot be read: {exc}") from exc


def parse_catalog(raw: object) -> ScreeningCatalog:
    """Build and check the instrument catalog from parsed JSON."""
    check = JsonChecker(CATALOG, ScreeningCatalogError)
    root = check.fields(
        raw,
        "",
        required={"version", "about", "sources", "loinc_confirmed", "answer_lists", "instruments"},
    )
    _check_version(check, root["version"])
    check.text(root["about"], "about")
    sources = _sources(check, root["sources"])
    confirmed = _confirmed(check, root["loinc_confirmed"])
    lists = {
        name: _answer_list(check, name, value)
        for name, value in check.mapping(root["answer_lists"], "answer_lists").items()
    }
    instruments: dict[str, Instrument] = {}
    for index, value in enumerate(check.items(root["instruments"], "instruments")):
        instrument = _instrument(check, f"instruments[{index}]", value, lists, sources)
        if instrument.key in instruments:
            raise check.error(f"instruments[{index}]", f"repeats the key {instrument.key!r}")
        instruments[instrument.key] = instrument
    _check_names(check, instruments)
    _check_reflexes(check, instruments)
    _check_codes(check, confirmed, lists, instruments)
    return ScreeningCatalog(sources=sources, confirmed=confirmed, instruments=instruments)


def parse_rules(raw: object, catalog: ScreeningCatalog) -> ScreeningRules:
    """Build and check the clinic's rules from parsed JSON, against ``catalog``."""
    check = JsonChecker(RULES, ScreeningCatalogError)
    root = check.fields(raw, "", required={"version", "about", "rules"})
    _check_version(check, root["version"])
    check.text(root["about"], "about")
    rules: list[ScreeningRule] = []
    for index, value in enumerate(check.items(root["rules"], "rules")):
        rule = _rule(check, f"rules[{index}]", value, catalog)
        if any(other.screen == rule.screen for other in rules):
            raise check.error(f"rules[{index}]", f"repeats the screen {rule.screen!r}")
        rules.append(rule)
    return ScreeningRules(rules=tuple(rules))


# ---------------------------------------------------------------- the parts


def _check_version(check: JsonChecker, value: object) -> None:
    if check.integer(value, "version", 0, 1000) != VERSION:
        raise check.error("version", f"must be {VERSION}")


def _sources(check: JsonChecker, raw: object) -> dict[str, str]:
    sources: dict[str, str] = {}
    for index, value in enumerate(check.items(raw, "sources")):
        where = f"sources[{index}]"
        entry = check.fields(value, where, required={"id", "citation"})
        source_id = check.text(entry["id"], f"{where} id")
        if source_id in sources:
            raise check.error(where, f"repeats the id {source_id!r}")
        sources[source_id] = check.text(entry["citation"], f"{where} citation")
    return sources


def _confirmed(check: JsonChecker, raw: object) -> dict[str, str]:
    confirmed: dict[str, str] = {}
    for index, value in enumerate(check.items(raw, "loinc_confirmed")):
        where = f"loinc_confirmed[{index}]"
        entry = check.fields(value, where, required={"how", "codes"})
        how = check.text(entry["how"], f"{where} how")
        for code in check.items(entry["codes"], f"{where} codes"):
            text = check.any_code(code, f"{where} codes")
            if text in confirmed:
                raise check.error(where, f"lists {text} a second time")
            confirmed[text] = how
    return confirmed


def _answer_list(check: JsonChecker, name: str, raw: object) -> AnswerList:
    where = f"answer_lists.{name}"
    entry = check.fields(raw, where, required={"kind", "choices"})
    kind = check.enum(AnswerKind, entry["kind"], f"{where} kind")
    choices: list[Choice] = []
    for index, value in enumerate(check.items(entry["choices"], f"{where} choices")):
        place = f"{where} choices[{index}]"
        fields = check.fields(value, place, required={"score", "text"}, optional={"code"})
        score = check.integer(fields["score"], f"{place} score", 0, MAX_CHOICES - 1)
        if score != index:
            raise check.error(place, f"score must be {index}: scores count 0, 1, 2, ... in order")
        code = fields.get("code")
        if kind == AnswerKind.CODED:
            code = check.answer_code(code, f"{place} code")
        elif code is not None:
            raise check.error(place, "a boolean list's choices have no code")
        choices.append(
            Choice(score=score, text=check.text(fields["text"], f"{place} text"), code=code)
        )
    if len(choices) < 2:
        raise check.error(where, "needs at least two choices")
    codes = [choice.code for choice in choices if choice.code]
    if len(set(codes)) != len(codes):
        raise check.error(where, "repeats an answer code")
    if kind == AnswerKind.BOOLEAN and [c.text for c in choices] != ["No", "Yes"]:
        raise check.error(where, 'a boolean list is exactly "No" (0) and "Yes" (1)')
    return AnswerList(name=name, kind=kind, choices=tuple(choices))


_INSTRUMENT_FIELDS = {
    "key",
    "name",
    "title",
    "aliases",
    "kind",
    "questionnaire",
    "panel_code",
    "total_code",
    "total_display",
    "stem",
    "scoring",
    "items",
    "bands",
    "bands_source",
    "reflex",
    "alerts",
    "ages",
    "ages_source",
    "rescreen_months",
}


def _instrument(
    check: JsonChecker,
    where: str,
    raw: object,
    lists: Mapping[str, AnswerList],
    sources: Mapping[str, str],
) -> Instrument:
    entry = check.fields(
        raw, where, required=_INSTRUMENT_FIELDS, optional={"history_code", "bands_note"}
    )
    key = check.text(entry["key"], f"{where} key")
    if not _KEY.fullmatch(key):
        raise check.error(where, f"key {key!r} must be lower-case letters and digits")
    where = f"{where} ({key})"
    kind = check.enum(InstrumentKind, entry["kind"], f"{where} kind")
    items = tuple(
        _item(check, f"{where} items[{index}]", index + 1, key, value, lists)
        for index, value in enumerate(check.array(entry["items"], f"{where} items"))
    )
    instrument = Instrument(
        key=key,
        name=check.text(entry["name"], f"{where} name"),
        title=check.text(entry["title"], f"{where} title"),
        aliases=tuple(
            check.text(alias, f"{where} aliases")
            for alias in check.array(entry["aliases"], f"{where} aliases")
        ),
        kind=kind,
        questionnaire=check.optional_text(entry["questionnaire"], f"{where} questionnaire"),
        panel_code=check.loinc(entry["panel_code"], f"{where} panel_code"),
        total_code=check.loinc(entry["total_code"], f"{where} total_code"),
        total_display=check.optional_text(entry["total_display"], f"{where} total_display"),
        history_code=check.loinc(entry.get("history_code"), f"{where} history_code"),
        stem=check.text(entry["stem"], f"{where} stem"),
        scoring=None
        if entry["scoring"] is None
        else check.enum(Scoring, entry["scoring"], f"{where} scoring"),
        items=items,
        bands=_bands(check, f"{where} bands", entry["bands"]),
        bands_source=check.source(entry["bands_source"], f"{where} bands_source", sources),
        bands_note=check.optional_text(entry.get("bands_note"), f"{where} bands_note"),
        reflex=check.optional_text(entry["reflex"], f"{where} reflex"),
        alerts=tuple(
            _alert(check, f"{where} alerts[{index}]", value, sources)
            for index, value in enumerate(check.array(entry["alerts"], f"{where} alerts"))
        ),
        ages=_ages(check, f"{where} ages", entry["ages"]),
        ages_source=check.source(entry["ages_source"], f"{where} ages_source", sources),
        rescreen_months=check.integer(
            entry["rescreen_months"], f"{where} rescreen_months", 1, MAX_MONTHS
        ),
    )
    if kind == InstrumentKind.QUESTIONNAIRE:
        _check_questionnaire(check, where, instrument)
    else:
        _check_history_prompt(check, where, instrument)
    return instrument


def _item(
    check: JsonChecker,
    where: str,
    number: int,
    key: str,
    raw: object,
    lists: Mapping[str, AnswerList],
) -> Item:
    entry = check.fields(raw, where, required={"code", "text", "short", "answers"})
    code = check.loinc(entry["code"], f"{where} code")
    short = check.text(entry["short"], f"{where} short")
    if len(short) > SHORT_MAX:
        raise check.error(where, f"short is longer than {SHORT_MAX} characters")
    list_name = check.text(entry["answers"], f"{where} answers")
    answers = lists.get(list_name)
    if answers is None:
        raise check.error(where, f"answers {list_name!r} is not an answer list")
    return Item(
        number=number,
        link_id=f"/{code}" if code else f"{key}-{number}",
        code=code,
        text=check.text(entry["text"], f"{where} text"),
        short=short,
        answers=answers,
    )


def _bands(check: JsonChecker, where: str, raw: object) -> dict[Sex, tuple[Band, ...]]:
    table = check.mapping(raw, where)
    sexes = {sex.value for sex in Sex}
    if set(table) != {"all"} and set(table) != sexes:
        names = ", ".join(sorted(sexes))
        raise check.error(where, f'must have the one key "all", or exactly {names}')
    parsed = {name: _band_list(check, f"{where}.{name}", value) for name, value in table.items()}
    if "all" in parsed:
        return {sex: parsed["all"] for sex in Sex}
    return {sex: parsed[sex.value] for sex in Sex}


def _band_list(check: JsonChecker, where: str, raw: object) -> tuple[Band, ...]:
    bands: list[Band] = []
    for index, value in enumerate(check.array(raw, where)):
        place = f"{where}[{index}]"
        entry = check.fields(value, place, required={"from", "to", "label", "positive"})
        band = Band(
            low=check.integer(entry["from"], f"{place} from", 0, 1000),
            high=check.integer(entry["to"], f"{place} to", 0, 1000),
            label=check.text(entry["label"], f"{place} label"),
            positive=check.boolean(entry["positive"], f"{place} positive"),
        )
        expected = bands[-1].high + 1 if bands else 0
        if band.low != expected:
            raise check.error(place, f"must start at {expected}: bands leave no gap")
        if band.high < band.low:
            raise check.error(place, "ends before it starts")
        if bands and bands[-1].positive and not band.positive:
            raise check.error(place, "is negative above a positive band")
        bands.append(band)
    return tuple(bands)


def _alert(check: JsonChecker, where: str, raw: object, sources: Mapping[str, str]) -> AlertRule:
    entry = check.fields(raw, where, required={"item", "from_score", "text", "source"})
    text = check.text(entry["text"], f"{where} text")
    try:
        named = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
        if named <= ALERT_FIELDS:
            text.format(answer="Several days")  # a conversion or format spec may still fail
    except (ValueError, TypeError, LookupError) as exc:  # a nested {field} is looked up
        raise check.error(where, f"text is not a valid template: {exc}") from exc
    if not named <= ALERT_FIELDS:
        raise check.error(where, "text may name only {answer}")
    return AlertRule(
        item=check.integer(entry["item"], f"{where} item", 1, 100),
        from_score=check.integer(entry["from_score"], f"{where} from_score", 1, MAX_CHOICES - 1),
        text=text,
        source=check.source(entry["source"], f"{where} source", sources),
    )


def _ages(check: JsonChecker, where: str, raw: object) -> Ages:
    entry = check.fields(raw, where, required={"from", "to"})
    low = check.integer(entry["from"], f"{where} from", 0, MAX_AGE)
    high = None
    if entry["to"] is not None:
        high = check.integer(entry["to"], f"{where} to", low, MAX_AGE)
    return Ages(low=low, high=high)


def _check_questionnaire(check: JsonChecker, where: str, instrument: Instrument) -> None:
    if not instrument.items or instrument.scoring is None:
        raise check.error(where, "a questionnaire needs items and its scoring")
    if instrument.questionnaire is None or not _CANONICAL.fullmatch(instrument.questionnaire):
        raise check.error(where, "questionnaire must be a canonical URL (http(s):// or urn:)")
    if instrument.total_display is None:
        raise check.error(where, "a questionnaire needs total_display")
    if instrument.history_code is not None:
        raise check.error(where, "history_code is for a history-prompt")
    coded = [item.code is not None for item in instrument.items]
    if instrument.panel_code is None:
        if any(coded) or instrument.total_code is not None:
            raise check.error(where, "item and total codes need a panel_code")
    elif not all(coded) or instrument.total_code is None:
        raise check.error(where, "a LOINC panel needs every item's code and the total_code")
    codes = [item.code for item in instrument.items if item.code]
    if len(set(codes)) != len(codes):
        raise check.error(where, "repeats an item code")
    for sex, bands in instrument.bands.items():
        if not bands or bands[-1].high != instrument.max_total:
            raise check.error(
                where, f"bands ({sex}) must end at the highest total, {instrument.max_total}"
            )
    for alert in instrument.alerts:
        if alert.item > len(instrument.items):
            raise check.error(where, f"alert item {alert.item} is not an item")
        if alert.from_score > instrument.items[alert.item - 1].answers.max_score:
            raise check.error(where, f"alert on item {alert.item} can never be raised")


def _check_history_prompt(check: JsonChecker, where: str, instrument: Instrument) -> None:
    empty = (
        instrument.items,
        instrument.alerts,
        instrument.questionnaire,
        instrument.panel_code,
        instrument.total_code,
        instrument.total_display,
        instrument.reflex,
        instrument.scoring,
        *instrument.bands.values(),
    )
    if any(empty):
        raise check.error(
            where, "a history-prompt has no items, scoring, codes, bands, alerts or reflex"
        )
    if instrument.history_code is None:
        raise check.error(where, "a history-prompt needs history_code")


def _check_names(check: JsonChecker, instruments: Mapping[str, Instrument]) -> None:
    owners: dict[str, str] = {}
    for instrument in instruments.values():
        for alias in (instrument.key, *instrument.aliases):
            name = name_key(alias)
            if not name or not name[0].isalpha():
                raise check.error(instrument.key, f"alias {alias!r} must start with a letter")
            if owners.setdefault(name, instrument.key) != instrument.key:
                raise check.error(instrument.key, f"alias {alias!r} also names {owners[name]}")


def _check_reflexes(check: JsonChecker, instruments: Mapping[str, Instrument]) -> None:
    for instrument in instruments.values():
        if instrument.reflex is None:
            continue
        target = instruments.get(instrument.reflex)
        if target is None or target.key == instrument.key:
            raise check.error(
                instrument.key, f"reflex {instrument.reflex!r} is not another instrument"
            )
        if target.kind != InstrumentKind.QUESTIONNAIRE:
            raise check.error(instrument.key, "reflexes only to a questionnaire")
        if not any(band.positive for bands in instrument.bands.values() for band in bands):
            raise check.error(instrument.key, "has a reflex but no positive band")
        if reflex_items(instrument, target) is None:
            raise check.error(
                instrument.key,
                f"reflex: {target.key} must ask each item with the same code and answers",
            )


def reflex_items(source: Instrument, target: Instrument) -> dict[int, int] | None:
    """Source item number -> the target's item number asking the same question (same
    LOINC code and answer list), or None when one of the source's items is not there."""
    mapping: dict[int, int] = {}
    for item in source.items:
        match = next(
            (
                other
                for other in target.items
                if item.code is not None
                and other.code == item.code
                and other.answers == item.answers
            ),
            None,
        )
        if match is None:
            return None
        mapping[item.number] = match.number
    return mapping


def _check_codes(
    check: JsonChecker,
    confirmed: Mapping[str, str],
    lists: Mapping[str, AnswerList],
    instruments: Mapping[str, Instrument],
) -> None:
    """Every LOINC code used is confirmed, and every confirmed code is used."""
    used: set[str] = {
        choice.code for answers in lists.values() for choice in answers.choices if choice.code
    }
    for instrument in instruments.values():
        codes = (instrument.panel_code, instrument.total_code, instrument.history_code)
        used |= {code for code in codes if code}
        used |= {item.code for item in instrument.items if item.code}
    unconfirmed = sorted(used - set(confirmed))
    if unconfirmed:
        raise check.error("", f"codes not in loinc_confirmed: {', '.join(unconfirmed)}")
    unused = sorted(set(confirmed) - used)
    if unused:
        raise check.error("loinc_confirmed", f"lists codes no instrument uses: {', '.join(unused)}")


def _rule(check: JsonChecker, where: str, raw: object, catalog: ScreeningCatalog) -> ScreeningRule:
    entry = check.fields(
        raw,
        where,
        required={"screen", "ages", "satisfied_by", "why"},
        optional={"every_months", "sexes"},
    )
    key = check.text(entry["screen"], f"{where} screen")
    instrument = catalog.instruments.get(key)
    if instrument is None:
        raise check.error(where, f"screen {key!r} is not an instrument of {CATALOG}")
    where = f"{where} ({key})"
    ages = _ages(check, f"{where} ages", entry["ages"])
    if not ages.within(instrument.ages):
        raise check.error(where, f"ages must lie within the instrument's ({instrument.ages.label})")
    satisfied_by = tuple(
        check.text(value, f"{where} satisfied_by")
        for value in check.items(entry["satisfied_by"], f"{where} satisfied_by")
    )
    if key not in satisfied_by or len(set(satisfied_by)) != len(satisfied_by):
        raise check.error(where, "satisfied_by names the screen itself, and each instrument once")
    for other in satisfied_by:
        found = catalog.instruments.get(other)
        if found is None or found.kind != instrument.kind:
            raise check.error(
                where, f"satisfied_by {other!r} is not an instrument of the same kind"
            )
    every = instrument.rescreen_months
    if "every_months" in entry:
        every = check.integer(entry["every_months"], f"{where} every_months", 1, MAX_MONTHS)
    sexes = frozenset(Sex)
    if "sexes" in entry:
        sexes = frozenset(
            check.enum(Sex, value, f"{where} sexes")
            for value in check.items(entry["sexes"], f"{where} sexes")
        )
    return ScreeningRule(
        screen=key,
        ages=ages,
        sexes=sexes,
        every_months=every,
        satisfied_by=satisfied_by,
        why=check.text(entry["why"], f"{where} why"),
    )
