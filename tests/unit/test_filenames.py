"""Title <-> file name mapping of the mirror folder (pure)."""

# ruff: noqa: RUF001  (typographic apostrophes and dashes are part of the titles under test)

from __future__ import annotations

import random
import re
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wikisync.core.pages import FRENCH, Namespace, Namespaces
from wikisync.mirror.filenames import (
    CONFLICT_SUFFIX,
    MAIN_FOLDER,
    MAX_NAME_BYTES,
    PAGE_SUFFIX,
    TakenNames,
    derived_name,
    fold_keys,
    folder_name,
    is_shortened,
    namespace_of_folder,
    path_to_title,
    title_to_path,
)

WINDOWS_FORBIDDEN = set('<>:"/\\|?*') | {chr(c) for c in range(32)}
WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{p}{d}" for p in ("com", "lpt") for d in "0123456789¹²³"
}

# Characters MediaWiki allows in titles ($wgLegalTitleChars), beyond letters and digits.
TITLE_PUNCTUATION = " %!\"$&'()*,-./:;=?@\\^`~+"
TITLE_EXTRA = "’·«»–—…éèêëàâäîïôöûüùçœæÉÈÊÀÂÎÔÛÇŒÆßñÑ€°²日本語ЖжΣσς😀\u00a0"


def generated_titles(count: int, seed: int = 2024) -> list[str]:
    rng = random.Random(seed)
    alphabet = (
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        + TITLE_PUNCTUATION * 2
        + TITLE_EXTRA
    )
    titles: set[str] = set()
    while len(titles) < count:
        length = rng.choice([1, 2, 3, 8, 20, 40, 90, 250])
        raw = "".join(rng.choice(alphabet) for _ in range(length))
        if rng.random() < 0.3:
            raw = rng.choice(["Catégorie:", "Modèle:", "Discussion:", "Fichier:", "Aide:"]) + raw
        title = FRENCH.normalize(raw)
        if FRENCH.split(title)[1]:
            titles.add(title)
    return sorted(titles)


TITLES = generated_titles(3000)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Accueil", "_main/Accueil.wiki"),
        ("Catégorie:Evénement", "Catégorie/Evénement.wiki"),
        ("Modèle:Event", "Modèle/Event.wiki"),
        ("Atelier vélo à Lyon", "_main/Atelier vélo à Lyon.wiki"),
        ("Acteur Mobilité 3", "_main/Acteur Mobilité 3.wiki"),
        ("L’atelier d'été · 2024", "_main/L’atelier d'été · 2024.wiki"),
        ("Projets/covoiturage", "_main/Projets%2Fcovoiturage.wiki"),
        ("Covoiturage: bilan", "_main/Covoiturage%3A bilan.wiki"),
        ("Qui ? quoi ! 100 %", "_main/Qui %3F quoi ! 100 %25.wiki"),
        ('Le "vélo" <grand> | petit*', "_main/Le %22vélo%22 %3Cgrand%3E %7C petit%2A.wiki"),
        ("A\\b", "_main/A%5Cb.wiki"),
        ("Tilde~ici", "_main/Tilde%7Eici.wiki"),
        ("La Rochelle", "_main/La Rochelle.wiki"),
        ("La rochelle", "_main/La rochelle.wiki"),
        ("Journée FabMob", "_main/Journée FabMob.wiki"),
        ("IPhone", "_main/IPhone.wiki"),
        ("Inc.", "_main/Inc..wiki"),
        (".htaccess", "_main/%2Ehtaccess.wiki"),
        ("Nul", "_main/Nu%6C.wiki"),
        ("Aux", "_main/Au%78.wiki"),
        ("Con.txt", "_main/Co%6E.txt.wiki"),
        ("Com1", "_main/Com%31.wiki"),
        ("Lpt9.doc", "_main/Lpt%39.doc.wiki"),
        ("Aux armes", "_main/Aux armes.wiki"),
        ("Console", "_main/Console.wiki"),
    ],
)
def test_title_to_path_examples(title: str, expected: str) -> None:
    path = title_to_path(title, FRENCH)
    assert path == PurePosixPath(expected)
    assert path_to_title(path, FRENCH) == title


@pytest.mark.parametrize("title", TITLES[:: len(TITLES) // 300])
def test_path_to_title_inverts_title_to_path_sample(title: str) -> None:
    path = title_to_path(title, FRENCH)
    expected = None if is_shortened(path.name) else title
    assert path_to_title(path, FRENCH) == expected


def test_path_to_title_inverts_title_to_path_for_all_generated_titles() -> None:
    shortened = 0
    for title in TITLES:
        path = title_to_path(title, FRENCH)
        if is_shortened(path.name):
            shortened += 1
            assert path_to_title(path, FRENCH) is None
        else:
            assert path_to_title(path, FRENCH) == title, path
    assert 0 < shortened < len(TITLES) // 2


def test_title_to_path_names_are_portable() -> None:
    for title in TITLES:
        path = title_to_path(title, FRENCH)
        for part in path.parts:
            assert not set(part) & WINDOWS_FORBIDDEN, part
            assert not any(0x7F <= ord(c) <= 0x9F for c in part), part
            assert part[-1] not in ". ", part
            assert not part.startswith((".", " ")), part
            assert part.split(".")[0].rstrip(" ").casefold() not in WINDOWS_RESERVED, part
            assert len(part.encode("utf-8")) <= MAX_NAME_BYTES, part
            assert len(unicodedata.normalize("NFD", part).encode("utf-16-le")) // 2 <= 255
        assert path.suffix == ".wiki"


def allocate_all(titles: list[str], namespaces: Namespaces = FRENCH) -> list[PurePosixPath]:
    taken = TakenNames()
    return [taken.allocate(title, namespaces) for title in titles]


def assert_apart(paths: list[PurePosixPath]) -> None:
    """No two paths name one file on a disk that ignores case or normalises Unicode."""
    seen: dict[str, PurePosixPath] = {}
    for path in paths:
        for key in {
            unicodedata.normalize("NFC", str(path).casefold()),
            unicodedata.normalize("NFC", unicodedata.normalize("NFD", str(path)).casefold()),
            unicodedata.normalize("NFD", str(path)).casefold(),
            str(path).lower(),
        }:
            assert key not in seen, (path, seen.get(key))
            seen[key] = path


def test_allocated_names_are_apart_even_ignoring_case() -> None:
    rng = random.Random(7)
    titles = set(TITLES)
    for title in TITLES[:1000]:
        ns, rest = FRENCH.split(title)
        flipped = "".join(c.swapcase() if rng.random() < 0.3 else c for c in rest)
        titles.add(FRENCH.normalize(FRENCH.join(ns, flipped)))
    ordered = sorted(titles)
    paths = allocate_all(ordered)
    assert_apart(paths)
    tagged = [p for p, t in zip(paths, ordered, strict=True) if p != title_to_path(t, FRENCH)]
    # Only the titles that really clash are tagged: most keep their plain name.
    assert 0 < len(tagged) < len(ordered) // 3
    for path, title in zip(paths, ordered, strict=True):
        expected = None if is_shortened(path.name) else title
        assert path_to_title(path, FRENCH) == expected


@pytest.mark.parametrize(
    "variants",
    [
        ["La Rochelle", "La rochelle", "La ROCHELLE", "LA ROCHELLE", "La RocheLLe"],
        ["Journée FabMob", "Journée fabmob", "Journée Fabmob", "Journée fabMob"],
        ["Écoles", "ÉCOLES", "ÉcoleS"],
        ["Straße", "STRAẞE", "Strasse", "STRASSE"],
        ["Σίσυφος", "ΣΊΣΥΦΟΣ", "Σίσυφοσ"],
    ],
)
def test_case_variants_get_names_apart(variants: list[str]) -> None:
    paths = allocate_all(variants)
    assert paths[0] == title_to_path(variants[0], FRENCH)  # the first keeps its plain name
    assert all(re.search(r"~[2-9]\.wiki$", p.name) for p in paths[1:]), paths
    assert_apart(paths)
    assert [path_to_title(p, FRENCH) for p in paths] == variants


def test_case_variants_apart_in_case_sensitive_namespace() -> None:
    namespaces = Namespaces.from_list(
        [Namespace(0, "", first_letter_case=False), Namespace(14, "Catégorie", "Category")]
    )
    variants = ["iPhone", "IPhone", "iphone", "Iphone", "Vélo", "vélo"]
    paths = allocate_all(variants, namespaces)
    assert [p.name for p in paths] == [
        "iPhone.wiki",
        "IPhone~2.wiki",
        "iphone~3.wiki",
        "Iphone~4.wiki",
        "Vélo.wiki",
        "vélo~2.wiki",
    ]
    assert_apart(paths)
    assert [path_to_title(p, namespaces) for p in paths] == variants


def test_a_clash_is_told_with_the_file_in_the_way() -> None:
    taken = TakenNames(["_main/Acteur ABC.wiki", "Catégorie/Vélo.wiki"])
    assert taken.allocate("Acteur abc", FRENCH) == PurePosixPath("_main/Acteur abc~2.wiki")
    assert taken.clash_of("Acteur abc") == "_main/Acteur ABC.wiki"
    # Another folder, another name: no clash.
    assert taken.allocate("Vélo", FRENCH) == PurePosixPath("_main/Vélo.wiki")
    assert taken.clash_of("Vélo") is None
    # A name written in NFD on disk (macOS) clashes with its NFC twin.
    nfd = TakenNames([unicodedata.normalize("NFD", "_main/Mobilité douce.wiki")])
    assert nfd.allocate("Mobilité douce", FRENCH).name == "Mobilité douce~2.wiki"
    # An older mirror's tagged names are taken as they are.
    old = TakenNames(["_main/Acteur Mobilité 3~1s.wiki"])
    assert old.allocate("Acteur Mobilité 3", FRENCH).name == "Acteur Mobilité 3.wiki"


def test_fold_keys_meet_for_names_one_disk_would_confuse() -> None:
    assert fold_keys("_main/Straße.wiki") & fold_keys("_main/STRASSE.wiki")
    assert fold_keys("_main/é.wiki") & fold_keys(unicodedata.normalize("NFD", "_main/É.wiki"))
    assert not fold_keys("_main/Vélo.wiki") & fold_keys("_main/Velo.wiki")


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["", "Catégorie:", "Modèle:"]),
            st.text(st.sampled_from("aAbBéÉeE\u0301sSßẞσςΣ:/~ .%İıiI"), min_size=1, max_size=6),
            st.sampled_from([1, 1, 1, 60]),
        ),
        max_size=25,
    )
)
@settings(max_examples=200, deadline=None)
def test_fuzz_allocated_names_are_apart_fit_and_map_back(
    raw: list[tuple[str, str, int]],
) -> None:
    titles = list(
        dict.fromkeys(
            t
            for prefix, text, repeat in raw
            if FRENCH.split(t := FRENCH.normalize(prefix + text * repeat))[1]
            # MediaWiki refuses a title, or a name after its namespace, starting with ":".
            and not t.startswith(":")
            and not FRENCH.split(t)[1].startswith(":")
        )
    )
    paths = allocate_all(titles)
    assert_apart(paths)
    for path, title in zip(paths, titles, strict=True):
        assert len(path.name.encode("utf-8")) + len(CONFLICT_SUFFIX) <= MAX_NAME_BYTES
        assert derived_name(path.name, CONFLICT_SUFFIX) == path.name + CONFLICT_SUFFIX
        if is_shortened(path.name):
            assert path_to_title(path, FRENCH) is None
        else:
            assert path_to_title(path, FRENCH) == title


def test_path_to_title_reads_nfd_names_from_macos() -> None:
    path = title_to_path("Catégorie:Evénement à Besançon", FRENCH)
    nfd = PurePosixPath(unicodedata.normalize("NFD", str(path)))
    assert str(nfd) != str(path)
    assert path_to_title(nfd, FRENCH) == "Catégorie:Evénement à Besançon"


def test_path_to_title_accepts_windows_paths() -> None:
    assert path_to_title(PureWindowsPath("Modèle\\Event.wiki"), FRENCH) == "Modèle:Event"


def test_title_to_path_shortens_long_names_with_a_hash() -> None:
    base = "Très long titre d’atelier sur la mobilité " * 6
    one, two = base + "A", base + "B"
    path_one, path_two = title_to_path(one, FRENCH), title_to_path(two, FRENCH)
    assert path_one != path_two
    for path in (path_one, path_two):
        assert is_shortened(path.name)
        assert len(path.name.encode("utf-8")) <= MAX_NAME_BYTES
        assert path.name.startswith("Très long titre")
        assert path_to_title(path, FRENCH) is None


def test_title_to_path_does_not_cut_inside_an_escape() -> None:
    title = "x" + "/" * 200
    name = title_to_path(title, FRENCH).name
    stem = name.split("~~")[0]
    assert stem.count("%") * 3 == len(stem) - 1


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("_main/accueil.wiki", "Accueil"),
        ("_main/La Rochelle.wiki", "La Rochelle"),
        ("_main/La Rochelle~zz.wiki", "La Rochelle"),
        ("Category/Evénement.wiki", "Catégorie:Evénement"),
        ("catégorie/evénement.wiki", "Catégorie:Evénement"),
        ("Accueil.wiki", "Accueil"),
        ("Catégorie%3AEvénement.wiki", "Catégorie:Evénement"),
        ("_main/100%.wiki", "100%"),
        ("_main/Atelier_vélo.wiki", "Atelier vélo"),
    ],
)
def test_path_to_title_is_lenient_with_hand_made_names(path: str, title: str) -> None:
    assert path_to_title(path, FRENCH) == title


@pytest.mark.parametrize(
    "path",
    [
        "README.md",
        "_main/Accueil.txt",
        "_main/sous/Accueil.wiki",
        "Inconnu/Accueil.wiki",
        "_main/.cache.wiki",
        "_main/%FF%FE.wiki",
        "_main/Catégorie%3AEvénement.wiki",
        "_main/Long titre~~0123456789ab.wiki",
        "_main/.wiki",
    ],
)
def test_path_to_title_returns_none_for_what_is_not_a_page_name(path: str) -> None:
    assert path_to_title(path, FRENCH) is None


def test_folder_names_never_collide() -> None:
    folders = [folder_name(ns, FRENCH) for ns in FRENCH.by_id]
    assert len({f.casefold() for f in folders}) == len(folders)
    assert folder_name(0, FRENCH) == MAIN_FOLDER
    assert all(namespace_of_folder(folder_name(ns, FRENCH), FRENCH) == ns for ns in FRENCH.by_id)


def test_folder_name_escapes_awkward_namespace_names() -> None:
    namespaces = Namespaces.from_list(
        [Namespace(0, ""), Namespace(100, "Projet."), Namespace(102, "Con")]
    )
    assert folder_name(100, namespaces) == "Projet%2E"
    assert folder_name(102, namespaces) == "Co%6E"
    assert path_to_title("Co%6E/Vélo.wiki", namespaces) == "Con:Vélo"


def test_title_to_path_rejects_an_empty_title() -> None:
    with pytest.raises(ValueError, match="empty"):
        title_to_path("Catégorie:", FRENCH)


# -- names that leave room for the derived files, and a fuzz ------------------------------


def test_a_244_byte_title_leaves_room_for_its_conflict_file() -> None:
    # A legal title (MediaWiki allows 255 bytes) whose plain name fits 255 bytes
    # but not with ".remote": the name is cut, so the conflict file fits too.
    title = "Atelier " + "x" * 236
    assert len(title.encode("utf-8")) == 244
    path = title_to_path(title, FRENCH)
    conflict = derived_name(path.name, CONFLICT_SUFFIX)
    assert len(conflict.encode("utf-8")) <= MAX_NAME_BYTES
    assert conflict == path.name + CONFLICT_SUFFIX
    assert is_shortened(path.name)  # its title lives in pages.jsonl


def test_derived_name_of_a_name_too_long_for_its_suffix_is_cut_and_unique() -> None:
    # Names made by hand (or by an older wikisync) may fill all 255 bytes.
    first, second = "a" * 250 + ".wiki", "a" * 249 + "b.wiki"
    one, two = derived_name(first, CONFLICT_SUFFIX), derived_name(second, CONFLICT_SUFFIX)
    assert one != two
    for name in (one, two):
        assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
        assert name.endswith(".wiki" + CONFLICT_SUFFIX)
        assert not name.endswith(PAGE_SUFFIX)  # never read as a page file


_TITLE_CHARS = st.characters(
    blacklist_categories=("Cs",),  # lone surrogates: no UTF-8 title holds one
    blacklist_characters="#<>[]|{}\x7f",  # not legal in MediaWiki titles
    min_codepoint=0x20,
)


@given(
    raw=st.text(_TITLE_CHARS, min_size=1, max_size=120).map(lambda t: t * 3),
    prefix=st.sampled_from(["", "Catégorie:", "Modèle:", "Aide:", "Utilisateur:"]),
)
@settings(max_examples=300, deadline=None)
def test_fuzz_title_to_path_fits_is_safe_and_reversible(raw: str, prefix: str) -> None:
    title = FRENCH.normalize(prefix + raw)
    if not FRENCH.split(title)[1]:
        return
    path = title_to_path(title, FRENCH)
    assert len(path.parts) == 2
    for part in path.parts:
        assert part not in ("", ".", "..")
        assert "/" not in part and "\0" not in part and "\\" not in part
        assert not part.startswith(".")
        assert len(part.encode("utf-8")) <= MAX_NAME_BYTES
        nfd = unicodedata.normalize("NFD", part)
        assert len(nfd.encode("utf-16-le")) // 2 <= MAX_NAME_BYTES
    conflict = derived_name(path.name, CONFLICT_SUFFIX)
    assert len(conflict.encode("utf-8")) <= MAX_NAME_BYTES
    if is_shortened(path.name):
        assert path_to_title(path, FRENCH) is None  # its title comes from pages.jsonl
    else:
        assert path_to_title(path, FRENCH) == title
