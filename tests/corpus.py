"""A synthetic, FabMob-like wiki corpus for tests, deterministic from a seed.

:func:`generate_corpus` invents French pages shaped like the FabMob wiki's
(events, actors, communs, projects, communities, their ``Modèle:`` and
``Catégorie:`` pages and the hand-written index pages carrying wikisync
markers), including a few deliberately malformed pages listed in
``Corpus.planted``. :func:`write_export_xml` writes any pages as a MediaWiki
export file (schema 0.11) that ``maintenance/importDump.php`` imports and a
streaming dump reader can read. All text here is invented; nothing is copied
from the real wiki.

Layout of the default corpus (``generate_corpus()``):

* ``Catégorie:Evénement`` holds ``events`` event pages, including four
  planted ones; its subcategory ``Catégorie:Webinaire`` holds two more event
  pages, which only a recursive listing finds (``events + 2`` in all).
* ``Catégorie:Acteur``, ``Catégorie:Commun``, ``Catégorie:Projet``,
  ``Catégorie:Communauté`` hold ``actors``, ``communs``, ``projects`` and
  ``communities`` pages.
* ``Catégorie:Mobilité active`` and ``Catégorie:Vélo`` contain each other
  (a harmless cycle) and two communs each.
* Index pages ``Evénements``, ``Acteurs``, ``Communs`` carry
  ``<!-- wikisync:begin NAME -->``/``<!-- wikisync:end NAME -->`` markers
  (NAME ``events``, ``actors``, ``communs``): ``events`` and ``communs``
  around a stale list that wikisync wrote (count and hash in the begin
  marker), ``actors`` around nothing (markers placed by hand).
"""

# ruff: noqa: RUF001  (typographic apostrophes are part of the realistic French text)

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from wikisync.core.pages import CATEGORY_NS, FRENCH, MAIN_NS, TEMPLATE_NS, PageText
from wikisync.core.sections import make_section

EVENT_CATEGORY = "Evénement"
EVENT_SUBCATEGORY = "Webinaire"
CYCLE_CATEGORIES = ("Mobilité active", "Vélo")
#: Index page title -> marker name.
INDEX_PAGES = {"Evénements": "events", "Acteurs": "actors", "Communs": "communs"}
#: The smallest sizes that still hold every planted problem.
MIN_SIZES = {"events": 8, "actors": 2, "communs": 2, "projects": 1, "communities": 1}

_CATEGORY_LINK = re.compile(
    r"\[\[\s*(?:Catégorie|Category)\s*:\s*([^\]|]+?)\s*(?:\|[^\]]*)?\]\]", re.I
)
_BASE_TIME = datetime(2025, 1, 6, 8, 0, 0, tzinfo=UTC)
_FIRST_PAGEID = 101
_FIRST_REVID = 1001

_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
)  # fmt: skip
_CITIES = (
    "Paris", "Lyon", "Nantes", "Rennes", "Bordeaux", "Lille", "Grenoble", "Toulouse",
    "Marseille", "Strasbourg", "Saint-Étienne", "Besançon", "Clermont-Ferrand", "Montréal",
    "Quimper", "L'Isle-d'Abeau", "Aix-en-Provence", "Orléans",
)  # fmt: skip
_PLACES = (
    "{city}", "{city}, salle des fêtes", "En ligne", "Tiers-lieu La Roue Libre, {city}",
    "Hôtel de ville de {city}", "{city} (lieu communiqué aux inscrit·e·s)",
)  # fmt: skip
_EVENT_KINDS = (
    "Atelier", "Rencontre", "Meetup", "Hackathon", "Séminaire", "Journée", "Forum",
    "Café", "Conférence", "Balade urbaine",
)  # fmt: skip
_EVENT_TYPES = ("Atelier", "Conférence", "Rencontre", "Hackathon", "Formation", "Visite")
_TOPICS = (
    "covoiturage du quotidien", "vélo-cargo", "données ouvertes de transport",
    "mobilité rurale", "logistique urbaine", "autopartage", "rétrofit électrique",
    "intermodalité", "marche en ville", "mobilité inclusive", "transport à la demande",
    "bornes de recharge", "communs numériques", "stationnement partagé", "l'écomobilité scolaire",
    "conseiller·e·s en mobilité", "trains de nuit", "la cyclologistique",
)  # fmt: skip
_TAGS = (
    "covoiturage", "vélo", "données", "open data", "logiciel libre", "rural", "transport public",
    "électrique", "piéton", "accessibilité", "logistique", "carte", "API", "territoires",
)  # fmt: skip
_THEMES = (
    "Mobilité rurale", "Communs", "Données", "Vélo", "Logistique", "Véhicule intermédiaire",
    "Covoiturage", "Inclusion",
)  # fmt: skip
_ORG_FORMS = (
    "Association", "Coopérative", "Collectif", "Atelier", "Réseau", "Agence", "Syndicat mixte",
    "Start-up", "Laboratoire",
)  # fmt: skip
_ORG_NAMES = (
    "Roulons Ensemble", "Vélo·cité", "du Rail Partagé", "Mobil’Idées", "Les Pédales Douces",
    "Trajets Communs", "L'Autre Route", "Cargo & Cie", "Roue Libre", "des Chemins de Traverse",
    "Kilomètre Zéro", "Ville Apaisée", "Open Transit", "La Navette d’Ici",
)  # fmt: skip
_ACTOR_TYPES = ("Association", "Entreprise", "Collectivité", "Laboratoire", "Coopérative")
_COMMUN_KINDS = (
    "Boîte à outils", "Jeu de données", "Guide pratique", "Logiciel", "Kit d’atelier",
    "Référentiel", "Carte collaborative", "Méthode",
)  # fmt: skip
_PROJECT_KINDS = ("Expérimentation", "Plateforme", "Programme", "Prototype", "Service")
_CHALLENGES = (
    "Défi : rendre le covoiturage quotidien évident",
    "Défi : une mobilité choisie dans les territoires peu denses",
    "Défi : des données de mobilité ouvertes et fiables",
    "Défi : décarboner la logistique du dernier kilomètre",
)
_SENTENCES = (
    "Nous échangerons sur les retours d'expérience, avec des élu·e·s et des usager·e·s.",
    "L’objectif est de partager des outils libres, des données ouvertes, des méthodes.",
    "Chacun·e peut venir avec ses questions, ses projets ou simplement sa curiosité.",
    "Le format alterne présentations courtes, ateliers en petits groupes et temps informels.",
    "Les conseiller·e·s en mobilité présenteront leurs pratiques, leurs freins et leurs réussites.",
    "Un compte rendu sera publié sur le wiki, ouvert aux contributions de toutes et tous.",
    "La participation est gratuite, mais l'inscription est conseillée (places limitées).",
    "Après l'atelier, on prendra le temps d’un café, d'une balade ou d’un repas partagé.",
    "Les contenus produits sont sous licence libre, réutilisables sans demander d'autorisation.",
    "On y parlera budgets, gouvernance, partage de la valeur, et de ce qui coince, aussi.",
)  # fmt: skip


@dataclass(frozen=True)
class Corpus:
    """A generated wiki: its pages and the planted problems.

    Attributes:
        pages: every page (content, ``Modèle:``, ``Catégorie:`` and index pages).
        planted: title -> short description of the problem planted in that page.
    """

    pages: list[PageText]
    planted: dict[str, str] = field(default_factory=dict)

    def titles_in(self, category: str) -> list[str]:
        """Sorted titles of the non-category pages whose wikitext links the category.

        Args:
            category: the category without its namespace prefix (``"Evénement"``).

        Returns:
            The direct members, as ``list=categorymembers&cmtype=page`` lists them.
        """
        wanted = FRENCH.normalize(f"Catégorie:{category}")
        return sorted(
            page.title
            for page in self.pages
            if page.ns != CATEGORY_NS and wanted in _categories_of(page.wikitext)
        )

    def page(self, title: str) -> PageText:
        """The page with this title (``KeyError`` if there is none)."""
        for page in self.pages:
            if page.title == title:
                return page
        raise KeyError(title)


def generate_corpus(
    *,
    events: int = 40,
    actors: int = 20,
    communs: int = 10,
    projects: int = 8,
    communities: int = 5,
    seed: int = 1,
) -> Corpus:
    """Invent a FabMob-like corpus; the same arguments always give the same pages.

    Args:
        events: event pages directly in ``Catégorie:Evénement``, counting the
            four planted ones (at least 8); two more go to its subcategory
            ``Catégorie:Webinaire``.
        actors: actor pages (at least 2; one has ``Adherent=peut-être``).
        communs: commun pages (``Modèle:Ressource``).
        projects: project pages (``Modèle:Project``).
        communities: community pages (``Modèle:Communauté``).
        seed: the random seed.

    Returns:
        The corpus, pages in a stable order, each with a page id, revision id
        and timestamp.

    Raises:
        ValueError: a size below its minimum (see ``MIN_SIZES``).
    """
    sizes = {
        "events": events,
        "actors": actors,
        "communs": communs,
        "projects": projects,
        "communities": communities,
    }
    for name, size in sizes.items():
        if size < MIN_SIZES[name]:
            raise ValueError(f"{name}={size}: at least {MIN_SIZES[name]} needed")
    return _Generator(random.Random(seed)).build(**sizes)


def write_export_xml(pages: Iterable[PageText], path: Path, *, sitename: str = "Wiki Test") -> None:
    """Write pages as a MediaWiki export file (schema 0.11), streaming.

    Args:
        pages: the pages; each needs ``pageid``, ``revid`` and ``timestamp``
            (missing ones get placeholders so the file stays valid).
        path: the file to write (UTF-8).
        sitename: the wiki name, also the project namespace (4) name.
    """
    namespaces = _export_namespaces(sitename)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(
            '<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/"'
            ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
            ' xsi:schemaLocation="http://www.mediawiki.org/xml/export-0.11/'
            ' http://www.mediawiki.org/xml/export-0.11.xsd" version="0.11" xml:lang="fr">\n'
        )
        out.write("  <siteinfo>\n")
        out.write(f"    <sitename>{escape(sitename)}</sitename>\n")
        out.write("    <dbname>wiki</dbname>\n")
        out.write("    <base>http://127.0.0.1/index.php/Accueil</base>\n")
        out.write("    <generator>MediaWiki 1.39.0</generator>\n")
        out.write("    <case>first-letter</case>\n")
        out.write("    <namespaces>\n")
        for ns, name in namespaces:
            if name:
                out.write(
                    f'      <namespace key="{ns}" case="first-letter">{escape(name)}</namespace>\n'
                )
            else:
                out.write(f'      <namespace key="{ns}" case="first-letter" />\n')
        out.write("    </namespaces>\n")
        out.write("  </siteinfo>\n")
        for number, page in enumerate(pages):
            out.write(_page_xml(page, number))
        out.write("</mediawiki>\n")


def sha1_base36(text: str) -> str:
    """The ``<sha1>`` of a revision: SHA-1 of the UTF-8 text in base 36, 31 digits."""
    number = int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16)
    digits = ""
    while number:
        number, rest = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[rest] + digits
    return digits.rjust(31, "0")


def _categories_of(wikitext: str) -> set[str]:
    return {FRENCH.normalize(f"Catégorie:{name}") for name in _CATEGORY_LINK.findall(wikitext)}


def _export_namespaces(sitename: str) -> list[tuple[int, str]]:
    names = {4: sitename, 5: f"Discussion {sitename}"}
    return [(ns, names.get(ns, FRENCH.name(ns))) for ns in sorted(FRENCH.by_id)]


def _page_xml(page: PageText, number: int) -> str:
    pageid = page.pageid if page.pageid is not None else _FIRST_PAGEID + number
    revid = page.revid or _FIRST_REVID + number
    timestamp = page.timestamp or _timestamp(number)
    size = len(page.wikitext.encode("utf-8"))
    redirect = _redirect_target(page.wikitext)
    lines = [
        "  <page>",
        f"    <title>{escape(page.title)}</title>",
        f"    <ns>{page.ns}</ns>",
        f"    <id>{pageid}</id>",
    ]
    if redirect:
        lines.append(f"    <redirect title={quoteattr(redirect)} />")
    lines += [
        "    <revision>",
        f"      <id>{revid}</id>",
        f"      <timestamp>{escape(timestamp)}</timestamp>",
        "      <contributor>",
        "        <username>Admin</username>",
        "        <id>1</id>",
        "      </contributor>",
        "      <comment>Corpus de test synthétique</comment>",
        "      <model>wikitext</model>",
        "      <format>text/x-wiki</format>",
        f'      <text bytes="{size}" xml:space="preserve">{escape(page.wikitext)}</text>',
        f"      <sha1>{sha1_base36(page.wikitext)}</sha1>",
        "    </revision>",
        "  </page>",
        "",
    ]
    return "\n".join(lines)


def _redirect_target(wikitext: str) -> str | None:
    match = re.match(r"#(?:REDIRECT|REDIRECTION)\s*\[\[([^\]|]+)", wikitext, re.I)
    return FRENCH.normalize(match.group(1)) if match else None


def _timestamp(number: int) -> str:
    return (_BASE_TIME + timedelta(minutes=7 * number)).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Generator:
    """One generation run: a random source and the titles taken so far."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: set[str] = set()
        self.pages: list[tuple[str, int, str]] = []  # title, ns, wikitext
        self.planted: dict[str, str] = {}

    # -- the whole corpus -------------------------------------------------

    def build(
        self, *, events: int, actors: int, communs: int, projects: int, communities: int
    ) -> Corpus:
        actor_titles = [self._title(self._actor_title) for _ in range(actors)]
        community_titles = [self._title(self._community_title) for _ in range(communities)]
        commun_titles = [self._title(self._commun_title) for _ in range(communs)]
        project_titles = [self._title(self._project_title) for _ in range(projects)]
        event_titles = [self._title(self._event_title) for _ in range(events + 2)]
        self.links = actor_titles + commun_titles + community_titles

        self._add_templates()
        self._add_categories()
        self._add_events(event_titles)
        for number, title in enumerate(actor_titles):
            self._add(title, MAIN_NS, self._actor(title, number))
        for number, title in enumerate(commun_titles):
            extra = list(CYCLE_CATEGORIES) if number < 2 else []
            self._add(title, MAIN_NS, self._commun(title, extra))
        for title in project_titles:
            self._add(title, MAIN_NS, self._project(community_titles))
        for title in community_titles:
            self._add(title, MAIN_NS, self._community(title))
        self._add_index_pages(event_titles, actor_titles)

        pages = [
            PageText(
                title=title,
                wikitext=text,
                revid=_FIRST_REVID + number,
                timestamp=_timestamp(number),
                ns=ns,
                pageid=_FIRST_PAGEID + number,
            )
            for number, (title, ns, text) in enumerate(self.pages)
        ]
        return Corpus(pages=pages, planted=dict(self.planted))

    def _add(self, title: str, ns: int, wikitext: str) -> None:
        self.pages.append((title, ns, wikitext))

    def _title(self, invent: Callable[[], str]) -> str:
        for _ in range(5):
            title = FRENCH.normalize(invent())
            if title not in self.taken:
                break
        number = 2
        base = title
        while title in self.taken:
            title = f"{base} ({number})"
            number += 1
        self.taken.add(title)
        return title

    # -- small random pieces ----------------------------------------------

    def _pick(self, items: tuple[str, ...] | list[str]) -> str:
        return self.rng.choice(items)

    def _some(self, items: tuple[str, ...], low: int, high: int) -> list[str]:
        return self.rng.sample(items, self.rng.randint(low, high))

    def _tags(self) -> str:
        return ", ".join(self._some(_TAGS, 1, 4))

    def _themes(self) -> str:
        # The real wiki mixes "A,B" and "A, B".
        separator = "," if self.rng.random() < 0.6 else ", "
        return separator.join(self._some(_THEMES, 1, 3))

    def _url(self, slug: str) -> str:
        host = self._pick(("example.org", "www.example.net", "agenda.example.com"))
        shape = self.rng.randrange(4)
        if shape == 0:
            return f"https://{host}/{slug}"
        if shape == 1:
            return f"https://{host}/evenements?id={self.rng.randint(10, 9999)}&lang=fr"
        if shape == 2:
            return f"https://{host}/{slug}#inscription"
        return f"https://{host}/p/{slug}?vue=complete#programme"

    def _slug(self, title: str) -> str:
        return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "page"

    def _link(self) -> str:
        title = self._pick(self.links)
        if self.rng.random() < 0.5:
            return f"[[{title}]]"
        return f"[[{title}|{title.split()[-1]}]]"

    def _prose(self, sentences: int) -> str:
        chosen = [self._pick(_SENTENCES) for _ in range(sentences)]
        if self.rng.random() < 0.5:
            chosen.insert(self.rng.randrange(len(chosen) + 1), f"Avec {self._link()}.")
        return " ".join(chosen)

    def _long_prose(self) -> str:
        paragraphs = [self._prose(self.rng.randint(1, 3)) for _ in range(self.rng.randint(1, 3))]
        return "\n\n".join(paragraphs)

    def _picture(self, title: str) -> str:
        name = re.sub(r"[\[\]{}|#<>]", "", title)
        return f"{name} {self.rng.randint(1, 9)}.{self._pick(('jpg', 'png', 'JPG'))}"

    def _date(self, year: int, month: int, day: int, style: str) -> str:
        if style == "fr":
            day_text = "1er" if day == 1 else str(day)
            return f"{day_text} {_MONTHS[month - 1]} {year}"
        if style == "datetime":
            return f"{year:04d}-{month:02d}-{day:02d}T{self.rng.randint(8, 19):02d}:30:00"
        return f"{year:04d}-{month:02d}-{day:02d}"

    def _infobox(self, name: str, params: list[tuple[str, str]], layout: str) -> str:
        if layout == "inline":
            return "{{" + name + "".join(f"|{key}={value}" for key, value in params) + "}}"
        if layout == "spaced":
            return "{{" + name + "\n" + "".join(f"| {k} = {v}\n" for k, v in params) + "}}"
        return "{{" + name + "\n" + "".join(f"|{k}={v}\n" for k, v in params) + "}}"

    def _layout(self) -> str:
        roll = self.rng.random()
        return "inline" if roll < 0.1 else "spaced" if roll < 0.3 else "lines"

    def _category_links(self, *categories: str) -> str:
        links = []
        for category in categories:
            roll = self.rng.random()
            if roll < 0.05:
                links.append(f"[[Category:{category}]]")
            elif roll < 0.15:
                links.append(f"[[Catégorie:{category}|*]]")
            else:
                links.append(f"[[Catégorie:{category}]]")
        return "\n".join(links)

    # -- titles -------------------------------------------------------------

    def _event_title(self) -> str:
        year = self.rng.randint(2018, 2028)
        kind = self._pick(_EVENT_KINDS)
        topic = self._pick(_TOPICS)
        city = self._pick(_CITIES)
        shape = self.rng.randrange(5)
        if shape == 0:
            return f"{kind} {topic} {city} {year}"
        if shape == 1:
            return f"{kind} « {topic} » à {city}"
        if shape == 2:
            return f"{kind} d’échanges : {topic} ({city}, {year})"
        if shape == 3:
            return f"{kind} {topic} {self.rng.randint(1, 12)}"
        return f"{kind} de l'{self._pick(('hiver', 'été', 'automne'))} {year} — {topic}"

    def _actor_title(self) -> str:
        return f"{self._pick(_ORG_FORMS)} {self._pick(_ORG_NAMES)} {self._pick(_CITIES)}"

    def _commun_title(self) -> str:
        return f"{self._pick(_COMMUN_KINDS)} {self._pick(_TOPICS)}"

    def _project_title(self) -> str:
        return f"{self._pick(_PROJECT_KINDS)} {self._pick(_TOPICS)} en {self._pick(_CITIES)}"

    def _community_title(self) -> str:
        return f"Communauté {self._pick(_THEMES)} et {self._pick(_TOPICS)}"

    # -- content pages ------------------------------------------------------

    def _add_events(self, titles: list[str]) -> None:
        planted = {
            titles[3]: ("bad-date", 'startDate is "day", not a date'),
            titles[7]: ("no-infobox", "in Catégorie:Evénement but has no infobox template"),
            titles[5]: ("duplicate", 'parameter "place" appears twice in {{Event}}'),
            titles[-4]: ("unclosed", "the {{Event template is never closed (no }})"),
        }
        webinars = {titles[1], titles[-2]}
        for number, title in enumerate(titles):
            problem = planted.get(title, ("", ""))[0]
            category = EVENT_SUBCATEGORY if title in webinars else EVENT_CATEGORY
            self._add(title, MAIN_NS, self._event(title, number, category, problem))
            if problem:
                self.planted[title] = planted[title][1]

    def _event(self, title: str, number: int, category: str, problem: str) -> str:
        rng = self.rng
        year = 2018 + number % 11  # every year 2018-2028, past and future
        month, day = rng.randint(1, 12), rng.choice((1, 1, *range(2, 29)))
        roll = rng.random()
        style = "fr" if roll < 0.15 else "datetime" if roll < 0.3 else "iso"
        start = self._date(year, month, day, style)
        end_day = min(28, day + rng.choice((0, 0, 1, 2)))
        end = "" if rng.random() < 0.15 else self._date(year, month, end_day, style)
        template = "Event"
        if number % 10 == 2:
            template = "Evénement"
        elif number % 10 == 6:
            template = "Événement"
        place_key = "Lieu" if number % 10 in (4, 9) else "place"
        city = self._pick(_CITIES)
        place = self._pick(_PLACES).format(city=city)
        params = [
            ("startDate", "day" if problem == "bad-date" else start),
            ("endDate", end),
            (place_key, place),
            ("type", "Webinaire" if category == EVENT_SUBCATEGORY else self._pick(_EVENT_TYPES)),
            ("shortDescription", f"{title.split(' ')[0]} ouvert·e à toutes et tous, à {city}."),
            ("description", self._long_prose()),
            ("Tags", self._tags()),
            ("Theme", self._themes()),
            ("Main_Picture", self._picture(title)),
            ("url", self._url(self._slug(title))),
        ]
        if problem == "duplicate":
            params.insert(4, ("place", f"Salle polyvalente, {self._pick(_CITIES)}"))
        layout = "lines" if problem in ("unclosed", "duplicate") else self._layout()
        infobox = self._infobox(template, params, layout)
        if problem == "unclosed":
            infobox = infobox.removesuffix("}}").rstrip("\n")
        prose = f"== Programme ==\n{self._prose(rng.randint(1, 3))}"
        if problem == "no-infobox":
            return (
                f"'''{title}''' : {self._prose(2)}\n\n{prose}\n\n{self._category_links(category)}\n"
            )
        return f"{infobox}\n{prose}\n\n{self._category_links(category)}\n"

    def _actor(self, title: str, number: int) -> str:
        adherent = self._pick(("oui", "non", "oui", "Oui", "non"))
        if number == 1:
            adherent = "peut-être"
            self.planted[title] = 'Adherent is "peut-être", not oui/non'
        cities = ", ".join(self._some(_CITIES, 1, 3))
        name = title if self.rng.random() < 0.8 else title.split(" ", 1)[1]
        params = [
            ("name", name),
            ("villes d'implantation", cities),
            ("Adherent", adherent),
            ("type", self._pick(_ACTOR_TYPES)),
            ("url", self._url(self._slug(title))),
            ("Tags", self._tags()),
            ("Main_Picture", self._picture(title)),
        ]
        layout = self._layout()
        if number == 0:
            layout = "inline"
            params = [("name", name), ("Adherent", "oui")]
        infobox = self._infobox("Acteur", params, layout)
        prose = self._prose(self.rng.randint(1, 2))
        return f"{infobox}\n{prose}\n\n{self._category_links('Acteur')}\n"

    def _commun(self, title: str, extra_categories: list[str]) -> str:
        params = [
            ("shortDescription", f"{title.split(' ')[0]} libre, réutilisable et documenté·e."),
            ("description", self._long_prose()),
            ("Tags", self._tags()),
            ("Theme", self._themes()),
            ("Main_Picture", self._picture(title)),
            ("url", self._url(self._slug(title))),
        ]
        infobox = self._infobox("Ressource", params, self._layout())
        categories = self._category_links("Commun", *extra_categories)
        return f"{infobox}\n{self._prose(1)}\n\n{categories}\n"

    def _project(self, community_titles: list[str]) -> str:
        month = _MONTHS[self.rng.randrange(12)].capitalize()
        params = [
            ("shortDescription", self._prose(1)),
            ("description", self._long_prose()),
            ("location", ", ".join(self._some(_CITIES, 1, 2))),
            ("url", self._url("projet")),
            ("Tags", self._tags()),
            ("Theme", self._themes()),
            ("from", self._pick((f"{month} {self.rng.randint(2018, 2024)}", "2021", "2022-09"))),
            ("challenge", f"[[{self._pick(_CHALLENGES)}]]"),
            ("communauté d'intérêt", f"[[{self._pick(community_titles)}]]"),
            ("chat", f"https://chat.example.org/channel/projet-{self.rng.randint(1, 99)}"),
            ("complement", "Besoin d’aide : développeur·se·s, testeur·se·s, territoires pilotes."),
            ("pageCo", f"https://pad.example.org/p/projet-{self.rng.randint(1, 99)}?vue=1#notes"),
        ]
        infobox = self._infobox("Project", params, self._layout())
        return f"{infobox}\n{self._prose(1)}\n\n{self._category_links('Projet')}\n"

    def _community(self, title: str) -> str:
        objectives = "\n".join(f"* {self._pick(_SENTENCES)}" for _ in range(self.rng.randint(2, 3)))
        params = [
            ("Titre", title.removeprefix("Communauté ")),
            ("description", self._long_prose()),
            ("Tags", self._tags()),
            ("Theme", self._themes()),
            ("Objectifs", "\n" + objectives),
            ("challenge", f"{self._pick(_CHALLENGES)}, {self._pick(_CHALLENGES)}"),
            ("Main_Picture", self._picture(title)),
        ]
        infobox = self._infobox("Communauté", params, "lines")
        return f"{infobox}\n{self._prose(1)}\n\n{self._category_links('Communauté')}\n"

    # -- structure pages ----------------------------------------------------

    def _add_templates(self) -> None:
        specs = {
            "Event": ("startDate", "endDate", "place", "Lieu", "type", "shortDescription", "url"),
            "Acteur": ("name", "villes d'implantation", "Adherent", "type", "url"),
            "Ressource": ("shortDescription", "Tags", "Theme", "url"),
            "Project": ("shortDescription", "location", "Theme", "from", "challenge"),
            "Communauté": ("Titre", "Tags", "Theme", "Objectifs", "challenge"),
        }
        for name, params in specs.items():
            rows = "".join(f"|-\n! {param}\n| {{{{{{{param}|}}}}}}\n" for param in params)
            text = (
                '{| class="wikitable infobox"\n'
                f"|+ {name}\n{rows}|}}\n"
                f"<noinclude>Modèle d'infobox « {name} » (corpus de test).</noinclude>\n"
            )
            self._add(f"Modèle:{name}", TEMPLATE_NS, text)
        for alias in ("Evénement", "Événement"):
            self._add(f"Modèle:{alias}", TEMPLATE_NS, "#REDIRECTION [[Modèle:Event]]\n")

    def _add_categories(self) -> None:
        texts = {
            EVENT_CATEGORY: "Les événements du réseau : ateliers, rencontres, webinaires.\n",
            EVENT_SUBCATEGORY: f"Les événements en ligne.\n\n[[Catégorie:{EVENT_CATEGORY}]]\n",
            "Acteur": "Les organisations actives dans la communauté.\n",
            "Commun": "Les communs : ressources partagées, ouvertes et réutilisables.\n",
            "Projet": "Les projets en cours et passés.\n",
            "Communauté": "Les communautés d'intérêt.\n",
            CYCLE_CATEGORIES[0]: f"Marche, vélo et cie.\n\n[[Catégorie:{CYCLE_CATEGORIES[1]}]]\n",
            CYCLE_CATEGORIES[1]: f"Tout sur le vélo.\n\n[[Catégorie:{CYCLE_CATEGORIES[0]}]]\n",
        }
        for name, text in texts.items():
            self._add(f"Catégorie:{name}", CATEGORY_NS, text)

    def _add_index_pages(self, event_titles: list[str], actor_titles: list[str]) -> None:
        stale_events = "".join(f"* [[{title}]]\n" for title in event_titles[:3])
        lists = {
            "events": stale_events + "* [[Rencontre disparue 2017]]\n",
            "actors": "",
            "communs": "''Liste en cours de construction.''\n",
        }
        intros = {
            "events": "Voici les événements passés et à venir. Pour ajouter le vôtre, "
            "créez une page dans la [[:Catégorie:Evénement|catégorie Evénement]].",
            "actors": f"Les acteurs et actrices du réseau, par exemple [[{actor_titles[0]}]].",
            "communs": "Le catalogue des communs. ''Ne modifiez pas la liste à la main.''",
        }
        for title, marker in INDEX_PAGES.items():
            # "events" and "communs" were last written by wikisync (their begin
            # marker holds count and hash) and are stale now; "actors" has
            # markers placed by hand around nothing, for a first run to fill.
            section = (
                f"<!-- wikisync:begin {marker} -->\n<!-- wikisync:end {marker} -->"
                if not lists[marker]
                else make_section(marker, lists[marker])
            )
            text = (
                f"{intros[marker]}\n\n== Liste ==\n{section}\n\n== Voir aussi ==\n* [[Accueil]]\n"
            )
            self._add(title, MAIN_NS, text)
