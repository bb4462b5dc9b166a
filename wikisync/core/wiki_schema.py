"""What a wiki's own structure pages say about its records: templates, forms, properties.

Pure reading (wikitext in, facts out) for proposing record types from a wiki:

* an infobox template (``Modèle:Event``) gives the parameters it uses
  (``{{{startDate|}}}``; a nested default ``{{{place|{{{Lieu|}}}}}}`` makes
  ``Lieu`` another name of ``place``), the categories it adds outside
  ``<noinclude>``, its Semantic MediaWiki annotations (``[[Date::{{{startDate|}}}]]``,
  ``{{#set:…}}``), the lists it splits (``{{#arraymap:{{{Tags|}}}|,|x|[[Tags::x]]}}``)
  and how it shows a value (``[[Fichier:{{{Main_Picture}}}]]`` is a file,
  ``[{{{url}}} site]`` a URL);
* a Page Forms form (``Formulaire:Event``) gives, per template it fills
  (``{{{for template|Event}}}``), each field's input type, list delimiter,
  allowed values and whether it is mandatory
  (``{{{field|startDate|input type=datepicker|mandatory}}}``);
* a Semantic MediaWiki property page gives the property's declared type
  (``[[Has type::Date]]``, French ``[[A le type::Date]]``) and allowed values.

:mod:`wikisync.core.type_proposal` turns these facts into ``[types.*]`` tables.
Read through mwparserfromhell nodes; only a form field's option list (plain
``key=value`` pieces between pipes) is split as text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import mwparserfromhell
from mwparserfromhell.nodes import Argument, Tag, Template, Text, Wikilink
from mwparserfromhell.wikicode import Wikicode

from wikisync.core.pages import CATEGORY_NS, Namespaces
from wikisync.core.text import fold

__all__ = [
    "FILE_NS",
    "FORM_NS",
    "PROPERTY_NS",
    "FormField",
    "ParamUse",
    "TemplateFacts",
    "read_form",
    "read_property",
    "read_template",
]

#: Namespace numbers the extensions use by default: Semantic MediaWiki's
#: ``Property:`` (``Attribut:`` in French) and Page Forms' ``Form:`` (``Formulaire:``).
PROPERTY_NS = 102
FORM_NS = 106
FILE_NS = 6

#: The names of SMW's "has type" property, in the languages the wiki may use.
_HAS_TYPE = frozenset({"has type", "a le type", "hat datentyp", "tiene tipo", "ha tipo"})
_ALLOWS_VALUE = frozenset(
    {"allows value", "valeurs autorisées", "valeur autorisée", "erlaubt wert", "permite valor"}
)


@dataclass(slots=True)
class ParamUse:
    """How one template parameter is used in the template's text.

    Attributes:
        name: the parameter's name.
        aliases: other parameters read in its place (nested defaults).
        properties: SMW properties it is annotated with.
        separator: the separator ``#arraymap`` splits it with (None: not split).
        shown_as: ``"file"`` (a file link's target) or ``"url"`` (an external link's).
    """

    name: str
    aliases: list[str] = field(default_factory=list)
    properties: list[str] = field(default_factory=list)
    separator: str | None = None
    shown_as: str | None = None


@dataclass(slots=True)
class TemplateFacts:
    """What an infobox template's text says.

    Attributes:
        params: the parameters it uses, in order of first use.
        categories: the categories it adds to the pages using it (without prefix).
    """

    params: dict[str, ParamUse] = field(default_factory=dict)
    categories: list[str] = field(default_factory=list)

    @property
    def annotates(self) -> bool:
        """Whether any parameter is stored in a Semantic MediaWiki property."""
        return any(use.properties for use in self.params.values())


@dataclass(frozen=True, slots=True)
class FormField:
    """One ``{{{field|…}}}`` of a Page Forms form, in a ``{{{for template|…}}}`` block.

    Attributes:
        template: the template the field fills.
        name: the template parameter.
        input_type: the ``input type=`` option (``""`` when not given).
        delimiter: the list delimiter (``list`` or ``delimiter=``; None: not a list).
        values: the ``values=`` choices.
        mandatory: whether the form requires it.
        property: the ``property=`` option (the SMW property it feeds).
        uploadable: whether the form offers an upload (a file name).
    """

    template: str
    name: str
    input_type: str = ""
    delimiter: str | None = None
    values: tuple[str, ...] = ()
    mandatory: bool = False
    property: str = ""
    uploadable: bool = False


def _code(text: Any) -> Any:
    # Wikitext, or a page's text already parsed (within the parse budget).
    return mwparserfromhell.parse(text) if isinstance(text, str) else text


def _walk(code: Any) -> Iterator[Any]:
    """Every node, depth first, leaving out what ``<noinclude>`` holds."""
    for node in code.nodes:
        if isinstance(node, Tag) and str(node.tag).strip().lower() == "noinclude":
            continue
        yield node
        if isinstance(node, Tag) and node.contents is not None:
            yield from _walk(node.contents)
        elif isinstance(node, Template):
            yield from _walk(node.name)
            for param in node.params:
                yield from _walk(param.value)
        elif isinstance(node, Wikilink):
            yield from _walk(node.title)
            if node.text is not None:
                yield from _walk(node.text)
        elif isinstance(node, Argument) and node.default is not None:
            yield from _walk(node.default)


def _argument_names(code: Any) -> list[str]:
    # The parameters an expression reads, outermost first ({{{a|{{{b|}}}}}} → a, b).
    names = []
    for node in _walk(code):
        if isinstance(node, Argument):
            name = str(node.name).strip()
            if name and "{" not in name:
                names.append(name)
    return names


def read_template(wikitext: str | Wikicode, namespaces: Namespaces) -> TemplateFacts:
    """Read what an infobox template's text says about its parameters.

    Args:
        wikitext: the template page's text (or its parsed code).
        namespaces: the wiki's namespaces (to tell category and file links).

    Example:
        >>> facts = read_template("[[Date::{{{startDate|}}}]]", Namespaces.french())
        >>> facts.params["startDate"].properties
        ['Date']
    """
    facts = TemplateFacts()
    code = _code(wikitext)

    def use(name: str) -> ParamUse:
        return facts.params.setdefault(name, ParamUse(name))

    previous: Any = None
    for node in _walk(code):
        if isinstance(node, Argument):
            names = _argument_names(_code(str(node)))
            if names:
                main = use(names[0])
                for alias in names[1:]:
                    use(alias)
                    if alias not in main.aliases:
                        main.aliases.append(alias)
                if isinstance(previous, Text) and previous.value.endswith("["):
                    main.shown_as = main.shown_as or "url"
        elif isinstance(node, Wikilink):
            _read_link(node, namespaces, facts, use)
        elif isinstance(node, Template):
            _read_function(node, use)
        previous = node
    return facts


def _read_link(node: Wikilink, namespaces: Namespaces, facts: TemplateFacts, use: Any) -> None:
    title = str(node.title).strip()
    if "::" in title:
        prop, _, value = title.partition("::")
        for name in _argument_names(_code(value))[:1]:
            _add_property(use(name), prop)
        return
    names = _argument_names(node.title)
    if names:  # a link whose target holds a parameter: [[Fichier:{{{Main_Picture}}}|…]]
        head, colon, _ = title.partition(":")
        if colon and namespaces.split(f"{head}:X")[0] == FILE_NS:
            use(names[0]).shown_as = "file"
        return
    ns, rest = namespaces.split(title)
    if ns == CATEGORY_NS and not title.startswith(":") and rest not in facts.categories:
        facts.categories.append(rest)


def _add_property(found: ParamUse, prop: str) -> None:
    prop = prop.strip()
    if prop and prop not in found.properties:
        found.properties.append(prop)


def _read_function(node: Template, use: Any) -> None:
    name = str(node.name)
    head, _, first = name.partition(":")
    head = fold(head)
    if head == "#arraymap" and node.params:
        names = _argument_names(_code(first))
        if not names:
            return
        found = use(names[0])
        separator = str(node.params[0].value).strip() if node.params else ","
        found.separator = separator or ","
        if len(node.params) >= 3:
            for link in _code(str(node.params[2].value)).filter_wikilinks():
                prop, sep, _ = str(link.title).partition("::")
                if sep:
                    _add_property(found, prop)
    elif head in ("#set", "#subobject"):
        prop, equals, value = first.partition("=")  # {{#set:Prop={{{x|}}}|…}}
        names = _argument_names(_code(value)) if equals and head == "#set" else []
        if names and "{" not in prop:
            _add_property(use(names[0]), prop)
        for param in node.params:
            if not param.showkey:
                continue
            names = _argument_names(param.value)
            if names:
                _add_property(use(names[0]), str(param.name))


def read_form(wikitext: str | Wikicode) -> list[FormField]:
    """The fields of a Page Forms form, each with the template it fills.

    Example:
        >>> read_form("{{{for template|Event}}}{{{field|Tags|list|delimiter=;}}}{{{end template}}}")
        [FormField(template='Event', name='Tags', input_type='', delimiter=';', values=(), \
mandatory=False, property='', uploadable=False)]
    """
    fields: list[FormField] = []
    template = ""
    for node in _code(wikitext).filter_arguments(recursive=True):
        keyword = fold(str(node.name))
        pieces = [] if node.default is None else [p.strip() for p in str(node.default).split("|")]
        if keyword == "for template":
            template = pieces[0] if pieces else ""
        elif keyword == "end template":
            template = ""
        elif keyword == "field" and template and pieces and pieces[0]:
            fields.append(_form_field(template, pieces[0], pieces[1:]))
    return fields


def _form_field(template: str, name: str, options: list[str]) -> FormField:
    flags: set[str] = set()
    settings: dict[str, str] = {}
    for option in options:
        key, sep, value = option.partition("=")
        if sep:
            settings[fold(key)] = value.strip()
        else:
            flags.add(fold(option))
    delimiter = settings.get("delimiter")
    if delimiter is None and "list" in flags:
        delimiter = ","
    input_type = fold(settings.get("input type", ""))
    if delimiter is None and input_type in ("tokens", "checkboxes", "listbox"):
        delimiter = ","
    values = tuple(v.strip() for v in settings.get("values", "").split(",") if v.strip())
    return FormField(
        template=template,
        name=name,
        input_type=input_type,
        delimiter=delimiter,
        values=values,
        mandatory="mandatory" in flags,
        property=settings.get("property", ""),
        uploadable="uploadable" in flags,
    )


def read_property(wikitext: str | Wikicode) -> tuple[str, tuple[str, ...]]:
    """A Semantic MediaWiki property's declared type and allowed values.

    Returns:
        The type as written (``"Date"``, ``"Texte"``; ``""`` when none is
        declared) and the allowed values.

    Example:
        >>> read_property("Cette propriété est de type [[A le type::Date]].")
        ('Date', ())
    """
    declared = ""
    allowed: list[str] = []
    for link in _code(wikitext).filter_wikilinks(recursive=True):
        prop, sep, value = str(link.title).partition("::")
        if not sep:
            continue
        key = fold(prop.replace("_", " "))
        if key in _HAS_TYPE and not declared:
            declared = value.strip()
        elif key in _ALLOWS_VALUE and value.strip():
            allowed.append(value.strip())
    return declared, tuple(allowed)
