"""Patient search at 100,000 and 1,000,000 patients: indexed keys against a LIKE scan.

Fills temporary SQLite files (the migrated schema, opened as the program opens
it) with synthetic patients: common family and given names weighted so that
``smi jo`` or ``gar`` find thousands, a long tail of rarer ones, accents, Korean
and Chinese names. Then times what the queue does on every keystroke (parse the
text, open a session, ``search_patients`` with the queue's limit) for a set of
typed queries, and the same queries as a plain ``LIKE '%...%'`` scan. Figures,
not pass/fail; merged into ``bench/results.json``.

    python bench/search.py [--sizes 100000,1000000] [--repeat 200] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

# Run as ``python bench/search.py`` from anywhere: the repository root first.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import record, summary_ms
from ma_tui.core.parsing import ParseError, parse_date_of_birth
from ma_tui.data.folding import patient_search_keys
from ma_tui.data.migrate import upgrade
from ma_tui.data.models.patients import Patient, Sex
from ma_tui.data.store import create_store_engine, sqlite_url
from ma_tui.patients.search import parse_search, search_patients

TODAY = date(2026, 11, 23)
LIMIT = 50  # the queue's OTHER_PATIENTS_LIMIT order of magnitude
FIRST_MRN = 10_000_000
CHUNK = 20_000  # rows per executemany
PATIENT = SQLModel.metadata.tables["patient"]
# What an MA types: two name prefixes, one, family-comma-given, a date of birth,
# an MRN prefix, an apostrophe, a Korean name run together, a first keystroke.
QUERIES = ("smi jo", "gar", "nguyen, t", "4/12/1968", "1000123", "o'br", "김민", "s")


def _words(text: str) -> list[str]:
    """Words split on spaces; a no-break space keeps a name of several words whole."""
    return [word.replace("\u00a0", " ") for word in text.split(" ") if word]


# Common family names, most frequent first; a long tail of made-up ones below.
FAMILIES = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
    "Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris "
    "Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly "
    "Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza "
    "Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez "
    "Nguyễn García O'Brien O'Connor Müller Kowalski Łukasiewicz Ábrahám Søndergaard "
    "Dvořák Šimůnek 김 이 박 최 王 李 张 de\u00a0la\u00a0Cruz Whitfield Whitaker"
)
GIVENS = _words(
    "James John Robert Michael William David Joseph Thomas Charles Christopher Daniel Matthew "
    "Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy Ronald "
    "Jason Edward Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott "
    "Brandon Benjamin Samuel Gregory Alexander Patrick Frank Raymond Jack Dennis Jerry Tyler "
    "Jose Juan Luis Carlos Jorge Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica "
    "Sarah Karen Lisa Nancy Betty Margaret Sandra Ashley Kimberly Emily Donna Michelle Carol "
    "Amanda Dorothy Melissa Deborah Stephanie Rebecca Sharon Laura Cynthia Kathleen Amy "
    "Angela Shirley Anna Brenda Pamela Emma Nicole Helen Samantha Katherine Christine Debra "
    "Rachel Carolyn Janet Catherine Maria Heather Diane Ruth Julie Olivia Joyce Virginia "
    "Victoria Kelly Lauren Christina Joan Evelyn Judith Megan Andrea Cheryl Hannah Jacqueline "
    "Martha Gloria Teresa Ann Sara Madison Frances Kathryn Janice Jean Abigail Alice Judy "
    "Sophia Grace Denise Amber Doris Marilyn Danielle Beverly Isabella Theresa Diana Natalie "
    "Brittany Charlotte Marie Kayla Alexis Lori Dana Thu Tuan Lan Văn\u00a0Đức José Zoë Éva "
    "Łukasz Søren 민준 서연 지훈 伟 芳 Mary\u00a0Ann"
)
# The long tail: family names made of syllables (Kadmoren, Tulvas, ...).
_ONSETS = _words("b br c ch d dr f g gr h j k kr l m n p pr r s sh st t tr v w z")
_VOWELS = _words("a e i o u ai ea io ou")
_CODAS = ["", *_words("n r s l m nd rt st ck ng")]
_ENDINGS = ["", *_words("son sen man er ez ski ova ley berg ford wood")]
TAIL_NAMES = 20_000
# As in the US census: Smith is 0.8 % of people, the 100th name under 0.1 %; the
# common names above are then about 13 % of patients, the tail the rest.
SMITH_SHARE = 0.0083


def _zipf_weights(count: int, exponent: float, first: float = 1.0) -> list[float]:
    return [first / (rank**exponent) for rank in range(1, count + 1)]


def _tail_names(rng: random.Random, count: int) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        syllables = rng.randint(1, 3)
        word = "".join(
            rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables)
        )
        names.add((word + rng.choice(_ENDINGS)).capitalize())
    return sorted(names)


def patient_rows(count: int, *, seed: int = 2026) -> Iterator[dict[str, Any]]:
    """``count`` synthetic patients as rows of the patient table, search keys included.

    Written with plain inserts (no ORM objects, so no ORM events): the keys are
    computed here with the same function the ORM uses.
    """
    rng = random.Random(seed)
    tail = _tail_names(rng, TAIL_NAMES)
    families = FAMILIES + tail
    head_weights = _zipf_weights(len(FAMILIES), 0.6, SMITH_SHARE)
    each_tail = (1 - sum(head_weights)) / len(tail)
    family_weights = head_weights + [each_tail] * len(tail)
    given_weights = _zipf_weights(len(GIVENS), 0.6)
    first_born = date(1930, 1, 1).toordinal()
    last_born = date(2025, 12, 31).toordinal()
    stamp = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
    sexes = [Sex.FEMALE, Sex.MALE, Sex.FEMALE, Sex.MALE, Sex.OTHER, Sex.UNKNOWN]
    done = 0
    while done < count:
        size = min(CHUNK, count - done)
        family_names = rng.choices(families, weights=family_weights, k=size)
        given_names = rng.choices(GIVENS, weights=given_weights, k=size)
        for offset in range(size):
            number = done + offset
            family, given = family_names[offset], given_names[offset]
            mrn = str(FIRST_MRN + number)
            yield {
                "mrn": mrn,
                "family_name": family,
                "given_name": given,
                "birth_date": date.fromordinal(rng.randint(first_born, last_born)),
                "sex": sexes[number % len(sexes)],
                "interpreter_needed": False,
                "active": rng.random() > 0.03,
                "created_at": stamp,
                "updated_at": stamp,
                **patient_search_keys(family, given, mrn),
            }
        done += size


def fill(path: Path, count: int, *, seed: int = 2026) -> Engine:
    """A migrated SQLite file at ``path`` holding ``count`` synthetic patients."""
    engine = create_store_engine(sqlite_url(path))
    upgrade(engine)
    insert = PATIENT.insert()
    with engine.begin() as connection:
        # A big page cache for the load only: the indexes are filled in random order.
        connection.exec_driver_sql("PRAGMA cache_size = -400000")
        chunk: list[dict[str, Any]] = []
        for row in patient_rows(count, seed=seed):
            chunk.append(row)
            if len(chunk) == CHUNK:
                connection.execute(insert, chunk)
                chunk = []
        if chunk:
            connection.execute(insert, chunk)
        connection.exec_driver_sql("PRAGMA cache_size = -2000")
    # A new pool: the searches run on connections as the program opens them.
    engine.dispose()
    return engine


def indexed_search(engine: Engine, text: str) -> list[Patient]:
    """What the queue does on a keystroke: parse, open a session, search."""
    query = parse_search(text, TODAY)
    if query is None:
        return []
    with Session(engine) as session:
        return search_patients(session, query, limit=LIMIT)


def like_search(engine: Engine, text: str) -> list[tuple[Any, ...]]:
    """The same query as a plain scan: each word anywhere in a name or the MRN.

    A date of birth is an equality beside it (OR): the scan is what costs.
    """
    words = [word for word in text.replace(",", " ").split() if word]
    patient = PATIENT
    per_word = [
        sa.or_(
            patient.c.family_name.like(f"%{word}%"),
            patient.c.given_name.like(f"%{word}%"),
            patient.c.mrn.like(f"%{word}%"),
        )
        for word in words
    ]
    condition = sa.and_(*per_word)
    with contextlib.suppress(ParseError):
        condition = sa.or_(condition, patient.c.birth_date == parse_date_of_birth(text, TODAY))
    statement = (
        sa.select(patient)
        .where(patient.c.active.is_(True), condition)
        .order_by(
            sa.func.lower(patient.c.family_name), sa.func.lower(patient.c.given_name), patient.c.id
        )
        .limit(LIMIT)
    )
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(statement)]


def time_each(
    engine: Engine, texts: tuple[str, ...], repeat: int, how: str
) -> dict[str, list[float]]:
    """Seconds per call of each text, the texts taken in turn ``repeat`` times."""
    search = indexed_search if how == "indexed" else like_search
    for text in texts:  # warm the caches and the statement cache first
        search(engine, text)
    seconds: dict[str, list[float]] = {text: [] for text in texts}
    for _ in range(repeat):
        for text in texts:
            start = time.perf_counter()
            search(engine, text)
            seconds[text].append(time.perf_counter() - start)
    return seconds


def _label(size: int) -> str:
    """``100k``, ``1m``: the keys of the recorded figures."""
    for unit, suffix in ((1_000_000, "m"), (1000, "k")):
        if size >= unit and size % unit == 0:
            return f"{size // unit}{suffix}"
    return str(size)


def _pooled(seconds: dict[str, list[float]]) -> list[float]:
    return [value for values in seconds.values() for value in values]


def run(sizes: list[int], repeat: int, like_repeat: int, folder: Path) -> dict[str, Any]:
    figures: dict[str, Any] = {"search_ms": {}, "search_like_ms": {}}
    ratio = None
    for size in sizes:
        label = _label(size)
        start = time.perf_counter()
        engine = fill(folder / f"patients_{label}.db", size)
        print(f"\n{size:,} patients: filled in {time.perf_counter() - start:.1f} s")
        indexed = time_each(engine, QUERIES, repeat, "indexed")
        scanned = time_each(engine, QUERIES, like_repeat, "like")
        print(f"  {'query':<12} {'found':>5} {'median':>9} {'p95':>9}   {'LIKE median':>11}")
        for text in QUERIES:
            found = len(indexed_search(engine, text))
            mine, theirs = summary_ms(indexed[text]), summary_ms(scanned[text])
            print(
                f"  {text:<12} {found:>5} {mine['median']:>6.2f} ms {mine['p95']:>6.2f} ms"
                f"   {theirs['median']:>8.1f} ms"
            )
        overall, like = summary_ms(_pooled(indexed)), summary_ms(_pooled(scanned))
        print(
            f"  {'all':<12} {'':>5} {overall['median']:>6.2f} ms {overall['p95']:>6.2f} ms"
            f"   {like['median']:>8.1f} ms"
        )
        figures["search_ms"][label] = overall
        figures["search_like_ms"][label] = like
        ratio = statistics.median(_pooled(scanned)) / statistics.median(_pooled(indexed))
        engine.dispose()
        for leftover in folder.glob(f"patients_{label}.db*"):
            leftover.unlink()
    if ratio is not None:
        figures["search_vs_like_ratio"] = round(ratio, 1)
        print(f"\nLIKE scan / indexed search, medians at {_label(sizes[-1])}: {ratio:.1f}x")
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="patients, comma-separated")
    parser.add_argument("--repeat", type=int, default=200, help="timed searches per query")
    parser.add_argument("--like-repeat", type=int, default=5, help="timed LIKE scans per query")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    args = parser.parse_args(argv)
    sizes = sorted(int(size) for size in args.sizes.split(",") if size.strip())
    repeat, like_repeat = args.repeat, args.like_repeat
    if args.quick:
        sizes, repeat, like_repeat = [1000, 10_000], 20, 3
    with tempfile.TemporaryDirectory() as folder:
        figures = run(sizes, repeat, like_repeat, Path(folder))
    if args.quick:
        print("(quick run: not recorded)")
        return
    record(figures)


if __name__ == "__main__":
    main()
