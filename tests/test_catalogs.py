"""The reference catalogs load, hold what the screens need, and rank suggestions well."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ma_tui.data import catalogs
from ma_tui.data.catalogs import (
    HPI_FIELDS,
    CatalogError,
    CatalogItem,
    Complaint,
    DoseForm,
    MedicationItem,
    Named,
    find,
    match_tier,
    medication_line,
    names_then_aliases,
    suggest,
)
from ma_tui.data.models.history import AllergyCategory
from ma_tui.data.models.patients import Coverage
from ma_tui.demo.people import PATIENTS
from ma_tui.patients.registration import column_limit

CATALOG_DIR = Path(catalogs.__file__).parent

LOADERS: dict[str, Callable[[], Sequence[Named]]] = {
    "conditions.json": catalogs.conditions,
    "procedures.json": catalogs.procedures,
    "medications.json": catalogs.medications,
    "frequencies.json": catalogs.frequencies,
    "routes.json": catalogs.routes,
    "allergens.json": catalogs.allergens,
    "reactions.json": catalogs.reactions,
    "relations.json": catalogs.relations,
    "payers.json": catalogs.payers,
    "complaints.json": catalogs.complaints,
}
ALL_CATALOGS = [loader() for loader in LOADERS.values()]


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _names(items: Sequence[Named]) -> set[str]:
    return {item.name for item in items}


T = TypeVar("T", bound=Named)


def _get(items: Sequence[T], name: str) -> T:
    found = find(items, name)
    assert found is not None, f"{name!r} is missing"
    return found


def _matches(item: Named, typed: str) -> bool:
    """An independent statement of the three tiers suggest() may match by."""
    query, name = _norm(typed), _norm(item.name)
    if not query:
        return False
    word_start = any(
        name.startswith(query, start) and not name[start - 1].isalnum()
        for start in range(1, len(name))
    )
    aliases = (_norm(alias) for alias in item.aliases)
    return name.startswith(query) or any(a.startswith(query) for a in aliases) or word_start


# ------------------------------------------------------------------ the files


@pytest.mark.parametrize("filename", sorted(LOADERS))
def test_every_catalog_loads_and_names_its_source(filename: str) -> None:
    items = LOADERS[filename]()
    assert items
    assert len(catalogs.catalog_source(filename)) > 20
    raw = json.loads((CATALOG_DIR / filename).read_text(encoding="utf-8"))
    assert len(raw["items"]) == len(items)


def test_every_json_file_in_the_folder_has_a_loader() -> None:
    on_disk = {path.name for path in CATALOG_DIR.glob("*.json")}
    assert set(LOADERS) <= on_disk
    # vital_ranges.json belongs to the vitals screen, not to autocomplete; the screening,
    # point-of-care, vaccine, refill, room, clinic-hours and standing-order files are
    # loaded and checked by their own modules of ma_tui.data.catalogs.
    assert on_disk - set(LOADERS) <= {
        "vital_ranges.json",
        "screenings.json",
        "poc_tests.json",
        "vaccines.json",
        "immunization_schedule.json",
        "refill_protocols.json",
        "room_types.json",
        "clinic_hours.json",
        "screening_rules.json",
        "standing_orders.json",
    }


@pytest.mark.parametrize("filename", sorted(LOADERS))
def test_files_are_pretty_printed_utf8(filename: str) -> None:
    text = (CATALOG_DIR / filename).read_bytes().decode("utf-8")
    assert text.startswith("{\n")
    assert text.endswith("}\n")


@pytest.mark.parametrize("filename", sorted(LOADERS))
def test_no_duplicate_names_or_blank_aliases(filename: str) -> None:
    items = LOADERS[filename]()
    names = [_norm(item.name) for item in items]
    assert len(names) == len(set(names))
    for item in items:
        assert all(alias.strip() == alias and alias for alias in item.aliases), item.name
        assert len({_norm(a) for a in item.aliases}) == len(item.aliases), item.name


def test_condition_codes_look_like_icd10cm() -> None:
    for item in catalogs.conditions():
        assert item.code is not None, item.name
        assert catalogs._ICD10CM.fullmatch(item.code), item


def test_required_conditions() -> None:
    conditions = catalogs.conditions()
    expected = {
        "asthma": "J45.909",
        "chronic obstructive pulmonary disease": "J44.9",
        "hypertension": "I10",
        "hyperlipidemia": "E78.5",
        "type 2 diabetes mellitus": "E11.9",
    }
    for name, code in expected.items():
        assert _get(conditions, name).code == code
    assert "COPD" in _get(conditions, "chronic obstructive pulmonary disease").aliases
    assert {"diabetes", "DM2", "T2DM"} <= set(_get(conditions, "type 2 diabetes mellitus").aliases)
    aliases = {alias for item in conditions for alias in item.aliases}
    assert {"HTN", "COPD", "GERD", "CHF", "CKD", "OSA", "ADHD"} <= aliases
    assert len(conditions) >= 150


def test_required_procedures() -> None:
    procedures = catalogs.procedures()
    assert len(procedures) >= 60
    for name in ("appendectomy", "cholecystectomy", "tonsillectomy", "cesarean section"):
        _get(procedures, name)
    assert "lap chole" in _get(procedures, "cholecystectomy").aliases
    assert "T&A" in _get(procedures, "tonsillectomy and adenoidectomy").aliases
    assert "TKA" in _get(procedures, "total knee replacement").aliases
    assert "CABG" in _get(procedures, "coronary artery bypass graft").aliases
    assert "C-section" in _get(procedures, "cesarean section").aliases


# -------------------------------------------------------------- medications


def test_every_medication_has_forms_with_known_routes_and_frequencies() -> None:
    routes = _names(catalogs.routes())
    frequencies = _names(catalogs.frequencies())
    for item in catalogs.medications():
        assert 1 <= len(item.forms) <= 4, item.name
        assert len(set(item.forms)) == len(item.forms), item.name
        assert item.name[0].islower(), item.name
        for form in item.forms:
            assert form.route in routes, (item.name, form)
            assert form.frequency in frequencies, (item.name, form)


def test_required_medications() -> None:
    meds = catalogs.medications()
    assert len(meds) >= 150
    oral = "oral"
    assert _get(meds, "metformin").forms[0] == DoseForm("500 mg", oral, "twice daily")
    assert DoseForm("10 mg", oral, "once daily") in _get(meds, "lisinopril").forms
    assert {"Prinivil", "Zestril"} <= set(_get(meds, "lisinopril").aliases)
    albuterol = _get(meds, "albuterol inhaler").forms
    assert DoseForm("2 puffs", "inhaled", "every 4 hours as needed") in albuterol
    assert DoseForm("2 puffs", "inhaled", "as needed") in albuterol
    assert DoseForm("18 mcg", "inhaled", "once daily") in _get(meds, "tiotropium").forms
    assert DoseForm("5 mg", oral, "once daily") in _get(meds, "amlodipine").forms
    atorvastatin = _get(meds, "atorvastatin").forms
    assert DoseForm("40 mg", oral, "at bedtime") in atorvastatin
    assert DoseForm("40 mg", oral, "once daily") in atorvastatin
    for liquid in ("amoxicillin suspension", "acetaminophen liquid", "ibuprofen liquid"):
        assert all(form.route == oral for form in _get(meds, liquid).forms)


def test_frequencies_and_routes_have_their_abbreviations() -> None:
    frequencies = catalogs.frequencies()
    for name, alias in {
        "once daily": "qd",
        "twice daily": "bid",
        "three times daily": "tid",
        "four times daily": "qid",
        "at bedtime": "qhs",
        "as needed": "prn",
        "every 4 hours as needed": "q4h prn",
    }.items():
        assert alias in _get(frequencies, name).aliases
    _get(frequencies, "weekly")
    routes = catalogs.routes()
    expected = {
        "oral": {"po"},
        "inhaled": {"inh"},
        "subcutaneous": {"sc", "subq"},
        "intramuscular": {"im"},
        "sublingual": {"sl"},
    }
    for name, aliases in expected.items():
        assert aliases <= set(_get(routes, name).aliases)
    for name in ("topical", "ophthalmic", "otic", "nasal", "rectal", "transdermal", "vaginal"):
        _get(routes, name)


def test_medication_line() -> None:
    lisinopril = _get(catalogs.medications(), "lisinopril")
    form = DoseForm("10 mg", "oral", "once daily")
    assert medication_line(lisinopril, form) == "lisinopril 10 mg oral once daily"
    albuterol = _get(catalogs.medications(), "albuterol inhaler")
    assert (
        medication_line(albuterol, albuterol.forms[0])
        == "albuterol inhaler 2 puffs inhaled every 4 hours as needed"
    )
    bare = MedicationItem("melatonin", (), (DoseForm("3 mg", "oral", "at bedtime"),))
    assert medication_line(bare, DoseForm(" ", "oral", "")) == "melatonin oral"


# -------------------------------------------------- allergies, family, complaints


def test_allergen_categories_are_allergy_categories() -> None:
    allergens = catalogs.allergens()
    assert len(allergens) >= 80
    for item in allergens:
        assert item.category is not None
        AllergyCategory(item.category)
    used = {item.category for item in allergens}
    assert used == {category.value for category in AllergyCategory}


def test_required_allergens() -> None:
    allergens = catalogs.allergens()
    expected = {
        "medication": [
            "penicillin",
            "amoxicillin",
            "sulfonamide antibiotics",
            "cephalosporins",
            "codeine",
            "morphine",
            "aspirin",
            "NSAIDs",
            "ibuprofen",
            "iodinated contrast",
        ],
        "food": [
            "peanut",
            "tree nuts",
            "shellfish",
            "egg",
            "milk",
            "wheat",
            "soy",
            "fish",
            "sesame",
        ],
        "environment": ["latex", "bee venom", "pollen", "dust mites", "cat dander", "mold"],
    }
    for category, names in expected.items():
        for name in names:
            assert _get(allergens, name).category == category
    assert "sulfa" in _get(allergens, "sulfonamide antibiotics").aliases


def test_required_reactions_and_relations() -> None:
    reactions = catalogs.reactions()
    for name in (
        "rash",
        "hives",
        "itching",
        "swelling",
        "anaphylaxis",
        "shortness of breath",
        "nausea",
        "vomiting",
        "diarrhea",
    ):
        _get(reactions, name)
    relations = catalogs.relations()
    for name in (
        "mother",
        "father",
        "sister",
        "brother",
        "son",
        "daughter",
        "maternal grandmother",
        "maternal grandfather",
        "paternal grandmother",
        "paternal grandfather",
    ):
        _get(relations, name)


def test_complaints_and_their_hpi_prompts() -> None:
    complaints = catalogs.complaints()
    assert len(complaints) >= 50
    for item in complaints:
        assert set(item.hpi) <= set(HPI_FIELDS), item.name
    for name in (
        "cough",
        "fever",
        "sore throat",
        "ear pain",
        "pulling at ear",
        "shortness of breath",
        "abdominal pain",
        "back pain",
        "headache",
        "rash",
        "follow-up visit",
        "medication refill",
        "annual physical",
        "well-child check",
    ):
        _get(complaints, name)
    chest_pain = _get(complaints, "chest pain").hpi
    assert chest_pain == ("onset", "location", "character", "radiation", "severity")
    assert _get(complaints, "medication refill").hpi == ()


def test_required_payers() -> None:
    payers = catalogs.payers()
    assert 40 <= len(payers) <= 60
    for name in (
        "Aetna",
        "Anthem Blue Cross Blue Shield",
        "Blue Cross Blue Shield",
        "Cigna",
        "UnitedHealthcare",
        "Humana",
        "Kaiser Permanente",
        "Medicare",
        "Medicaid",
        "TRICARE",
        "VA Community Care",
        "CHIP",
        "AARP Medicare Advantage",
        "Ambetter",
        "Oscar Health",
        "Molina Healthcare",
        "WellCare",
        "Florida Blue",
    ):
        _get(payers, name)
    assert "UHC" in _get(payers, "UnitedHealthcare").aliases
    assert "BCBS" in _get(payers, "Blue Cross Blue Shield").aliases
    assert "Anthem" in _get(payers, "Anthem Blue Cross Blue Shield").aliases
    # Blank is self-pay: no payer, name or alias, says otherwise.
    texts = names_then_aliases(payers)
    assert not [text for text in texts if "self" in text.casefold()]
    # Whatever is taken from the catalog fits where a payer is stored.
    assert max(len(text) for text in texts) <= column_limit(Coverage, "payer")


def test_the_demo_clinics_payers_are_offered_first() -> None:
    demo = list(dict.fromkeys(cover.payer for person in PATIENTS for cover in person.cover))
    assert set(demo) == {
        "Blue Meadow Health",
        "Cedar Mutual",
        "Harborview Employer PPO",
        "Medicare",
        "State Medicaid",
    }
    first = [item.name for item in catalogs.payers()[: len(demo)]]
    assert sorted(first) == sorted(demo)
    assert "contracted" in catalogs.catalog_source("payers.json")


def test_names_then_aliases() -> None:
    items = [
        CatalogItem("blue cross blue shield", aliases=("BCBS", "Blue Cross")),
        CatalogItem("Blue Cross", aliases=("bcbs", "Anthem")),
        CatalogItem("aetna"),
    ]
    assert names_then_aliases(items) == (
        "blue cross blue shield",
        "Blue Cross",
        "aetna",
        "BCBS",
        "Anthem",
    )
    assert names_then_aliases([]) == ()


# ------------------------------------------------------------ bad files


@pytest.fixture
def catalog_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the loaders at an empty folder, with their caches cleared around the test."""
    catalogs.clear_caches()
    monkeypatch.setattr(catalogs, "CATALOG_DIR", tmp_path)
    yield tmp_path
    monkeypatch.undo()
    catalogs.clear_caches()


def _write(folder: Path, name: str, document: object) -> None:
    text = document if isinstance(document, str) else json.dumps(document)
    (folder / name).write_text(text, encoding="utf-8")


GOOD_MED = {"name": "x", "forms": [{"dose": "1 mg", "route": "oral", "frequency": "once"}]}


@pytest.mark.parametrize(
    ("filename", "document", "message"),
    [
        ("routes.json", "{not json", "cannot be read"),
        ("routes.json", [], "exactly"),
        ("routes.json", {"items": [{"name": "oral"}]}, "exactly"),
        ("routes.json", {"source": "", "items": [{"name": "oral"}]}, "source"),
        ("routes.json", {"source": "s", "items": []}, "non-empty list"),
        ("routes.json", {"source": "s", "items": ["oral"]}, "items[0] must be an object"),
        ("routes.json", {"source": "s", "items": [{"aliases": []}]}, "lacks name"),
        ("routes.json", {"source": "s", "items": [{"name": " oral"}]}, "name must be"),
        ("routes.json", {"source": "s", "items": [{"name": "a", "cod": "x"}]}, "unknown keys"),
        ("routes.json", {"source": "s", "items": [{"name": "a"}, {"name": "A"}]}, "repeats"),
        ("routes.json", {"source": "s", "items": [{"name": "a", "aliases": "b"}]}, "aliases"),
        ("routes.json", {"source": "s", "items": [{"name": "a", "aliases": [""]}]}, "aliases"),
        (
            "conditions.json",
            {"source": "s", "items": [{"name": "asthma", "code": "asthma"}]},
            "not an ICD-10-CM code",
        ),
        (
            "allergens.json",
            {"source": "s", "items": [{"name": "dust", "category": "dirt"}]},
            "category",
        ),
        ("allergens.json", {"source": "s", "items": [{"name": "dust"}]}, "category"),
        ("medications.json", {"source": "s", "items": [{"name": "x", "forms": []}]}, "forms"),
        (
            "medications.json",
            {"source": "s", "items": [{"name": "x", "forms": [{"dose": "1 mg"}]}]},
            "forms[0]",
        ),
        (
            "complaints.json",
            {"source": "s", "items": [{"name": "cough", "hpi": ["smell"]}]},
            "unknown fields smell",
        ),
    ],
)
def test_a_bad_file_raises_a_clear_error(
    catalog_dir: Path, filename: str, document: object, message: str
) -> None:
    _write(catalog_dir, filename, document)
    with pytest.raises(CatalogError, match="catalog " + filename.replace(".", r"\.")) as info:
        LOADERS[filename]()
    assert message in str(info.value)


def test_a_missing_file_raises_a_clear_error(catalog_dir: Path) -> None:
    with pytest.raises(CatalogError, match=r"routes\.json: file not found"):
        catalogs.routes()


def test_a_good_minimal_file_loads(catalog_dir: Path) -> None:
    _write(catalog_dir, "medications.json", {"source": "s", "items": [GOOD_MED]})
    assert catalogs.medications() == (MedicationItem("x", (), (DoseForm("1 mg", "oral", "once"),)),)


# ------------------------------------------------------------- suggesting


@pytest.mark.parametrize(
    ("loader", "typed", "first"),
    [
        (catalogs.medications, "lis", "lisinopril"),
        (catalogs.medications, "metf", "metformin"),
        (catalogs.medications, "METF", "metformin"),
        (catalogs.medications, "inhaler", "albuterol inhaler"),
        (catalogs.medications, "zestril", "lisinopril"),
        (catalogs.conditions, "copd", "chronic obstructive pulmonary disease"),
        (catalogs.conditions, "htn", "hypertension"),
        (catalogs.conditions, "  Hyper", "hypertension"),
        (catalogs.allergens, "pcn", "penicillin"),
        (catalogs.allergens, "sulfa d", "sulfonamide antibiotics"),
        (catalogs.procedures, "lap chole", "cholecystectomy"),
        (catalogs.procedures, "t&a", "tonsillectomy and adenoidectomy"),
        (catalogs.frequencies, "bid", "twice daily"),
        (catalogs.routes, "po", "oral"),
        (catalogs.complaints, "chest", "chest pain"),
        (catalogs.payers, "uhc", "UnitedHealthcare"),
        (catalogs.payers, "bcbstx", "Blue Cross Blue Shield of Texas"),
        (catalogs.payers, "blue m", "Blue Meadow Health"),
    ],
)
def test_suggest_examples(loader: Callable[[], Sequence[Named]], typed: str, first: str) -> None:
    assert suggest(loader(), typed)[0].name == first


def test_suggest_blank_text_gives_nothing() -> None:
    for text in ("", " ", "\t\n"):
        assert suggest(catalogs.conditions(), text) == []
    assert suggest(catalogs.conditions(), "a", limit=0) == []
    assert suggest(catalogs.conditions(), "a", limit=-3) == []


def test_suggest_tiers_and_order_within_a_tier() -> None:
    items = [
        CatalogItem("pulmonary fibrosis"),
        CatalogItem("chronic obstructive pulmonary disease", aliases=("COPD",)),
        CatalogItem("pulled muscle"),
        CatalogItem("pulmonic stenosis"),
        CatalogItem("pink eye", aliases=("pulling at eye",)),
        CatalogItem("ear pulling"),
        CatalogItem("pull"),
    ]
    names = [item.name for item in suggest(items, "pul", limit=10)]
    assert names == [
        # name prefix, shorter first, then alphabetical
        "pull",
        "pulled muscle",
        "pulmonic stenosis",
        "pulmonary fibrosis",
        # alias prefix
        "pink eye",
        # a later word of the name, shorter first
        "ear pulling",
        "chronic obstructive pulmonary disease",
    ]
    assert [match_tier(CatalogItem(n), "pul") for n in ("pull", "ear pulling", "x")] == [
        0,
        2,
        None,
    ]
    assert [item.name for item in suggest(items, "pul", limit=2)] == ["pull", "pulled muscle"]


def test_suggest_matches_word_starts_only() -> None:
    items = [CatalogItem("hypertension"), CatalogItem("sulfamethoxazole-trimethoprim")]
    assert suggest(items, "tension") == []  # inside a word, not at its start
    assert [i.name for i in suggest(items, "trim")] == ["sulfamethoxazole-trimethoprim"]


def test_suggest_works_on_every_kind_of_item() -> None:
    complaint = Complaint("ear pain", ("earache",), ("onset",))
    med = MedicationItem("amoxicillin", ("Amoxil",), (DoseForm("500 mg", "oral", "tid"),))
    assert suggest([complaint], "earache") == [complaint]
    assert suggest([med], "amox") == [med]


@pytest.mark.parametrize("catalog", ALL_CATALOGS, ids=list(LOADERS))
def test_typing_an_items_exact_name_puts_it_first(catalog: Sequence[Named]) -> None:
    for item in catalog:
        assert suggest(catalog, item.name, limit=1) == [item]
        assert suggest(catalog, item.name.upper())[0] == item


@given(
    catalog=st.sampled_from(ALL_CATALOGS),
    typed=st.text(max_size=30),
    limit=st.integers(min_value=-1, max_value=20),
)
def test_suggest_on_any_text(catalog: Sequence[Named], typed: str, limit: int) -> None:
    found = suggest(catalog, typed, limit=limit)
    assert len(found) <= max(limit, 0)
    assert all(_matches(item, typed) for item in found)
    tiers = [match_tier(item, typed) for item in found]
    assert None not in tiers
    assert tiers == sorted(tier or 0 for tier in tiers)


@given(data=st.data(), catalog=st.sampled_from(ALL_CATALOGS))
def test_suggest_on_a_prefix_of_a_name_or_alias(
    data: st.DataObject, catalog: Sequence[Named]
) -> None:
    item = data.draw(st.sampled_from(catalog))
    word = data.draw(st.sampled_from([item.name, *item.aliases]))
    cut = data.draw(st.integers(min_value=1, max_value=len(word)))
    typed = word[:cut]
    found = suggest(catalog, typed, limit=len(catalog))
    if typed.strip():
        assert item in found
        assert all(_matches(other, typed) for other in found)
        missing = [other for other in catalog if _matches(other, typed) and other not in found]
        assert missing == []
