"""Title normalisation and namespaces (pure)."""

from __future__ import annotations

import unicodedata

import pytest

from wikisync.core.pages import CATEGORY_NS, FRENCH, Namespace, Namespaces, normalize_title


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("evénement", "Evénement"),
        ("Atelier_vélo__à  Lyon ", "Atelier vélo à Lyon"),
        ("category:Evénement", "Catégorie:Evénement"),
        ("CATÉGORIE:acteur", "Catégorie:Acteur"),
        (":Modèle:event", "Modèle:Event"),
        ("template:Event", "Modèle:Event"),
        ("Image:Logo.png", "Fichier:Logo.png"),
        ("Foo:bar", "Foo:bar"),
        ("l'atelier", "L'atelier"),
        ("ßtraße", "ßtraße"),
        (unicodedata.normalize("NFD", "Évènement"), "Évènement"),
    ],
)
def test_normalize_title_follows_mediawiki(raw: str, expected: str) -> None:
    assert normalize_title(raw) == expected


def test_normalize_title_is_idempotent() -> None:
    once = normalize_title("catégorie:__mobilité_douce")
    assert normalize_title(once) == once == "Catégorie:Mobilité douce"


def test_namespaces_split_and_join() -> None:
    assert FRENCH.split("Catégorie:Evénement") == (CATEGORY_NS, "Evénement")
    assert FRENCH.split("Pas un espace:titre") == (0, "Pas un espace:titre")
    assert FRENCH.join(CATEGORY_NS, "Acteur") == "Catégorie:Acteur"
    assert FRENCH.join(0, "Accueil") == "Accueil"


def test_namespaces_case_sensitive_namespace_keeps_first_letter() -> None:
    namespaces = Namespaces.from_list(
        [Namespace(0, ""), Namespace(100, "Wiktionnaire", first_letter_case=False)]
    )
    assert namespaces.normalize("wiktionnaire:mot") == "Wiktionnaire:mot"
    assert namespaces.normalize("mot") == "Mot"


def test_namespaces_name_unknown_raises() -> None:
    with pytest.raises(ValueError, match="unknown namespace 99"):
        FRENCH.name(99)


def test_normalize_is_idempotent_when_upper_casing_makes_a_composable_letter() -> None:
    # dotless i + combining acute has no precomposed form; "I" + acute is "Í" in NFC.
    once = FRENCH.normalize("\u0131\u0301le")
    assert once == "\u00cdle"
    assert FRENCH.normalize(once) == once
