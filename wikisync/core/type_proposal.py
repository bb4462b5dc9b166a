"""A ``[types.*]`` proposal from what a wiki's templates, forms and properties say.

:func:`propose_types` weighs, per template parameter, the evidence
:mod:`wikisync.core.wiki_schema` read; :func:`render_proposal` writes the
proposal as commented TOML, each field with where its type comes from, and
what could not be decided. Pure: no I/O.

How a field's type is chosen, strongest evidence first:

1. a list: the template splits it (``#arraymap``) or the form takes several
   values (``list``, ``delimiter=``, tokens/checkboxes input) → ``list``
   with that separator;
2. the form's input type: a date picker → ``date``, a checkbox → ``bool``,
   a map input → ``coord``, a dropdown or radio buttons with ``values=`` →
   ``enum``, an upload → ``file``;
3. the declared type of the SMW property it is stored in (``Date`` → date,
   ``Booléen`` → bool, ``Nombre`` → int, ``URL`` → url, ``Coordonnées
   géographiques`` → coord);
4. how the template shows it: a file link's target → ``file``, an
   external link's → ``url``;
5. a property of type ``Page`` → ``page``; otherwise ``text`` (which
   :mod:`wikisync.ops.from_wiki` may type from the pages' values when nothing
   declares the field).

Two strong pieces of evidence that disagree are written down as undecided,
with the choice made. :func:`demote` sets a field back to text with the
reason, when the pages' own values mostly fail the type.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from wikisync.core.config_tables import toml_key
from wikisync.core.schema import RESERVED_NAMES
from wikisync.core.text import fold
from wikisync.core.wiki_schema import FormField, ParamUse, TemplateFacts

__all__ = [
    "FORM_INPUT_TYPES",
    "PROPERTY_TYPES",
    "Proposal",
    "ProposedField",
    "ProposedType",
    "demote",
    "propose_types",
    "render_proposal",
    "type_key",
]

#: SMW datatypes (English and French labels, folded) → field types.
PROPERTY_TYPES: Mapping[str, str] = {
    **dict.fromkeys(("date",), "date"),
    **dict.fromkeys(("page",), "page"),
    **dict.fromkeys(
        (
            "text",
            "texte",
            "string",
            "chaîne",
            "chaine",
            "code",
            "email",
            "courriel",
            "adresse électronique",
            "telephone number",
            "numéro de téléphone",
            "monolingual text",
            "texte monolingue",
            "external identifier",
            "identifiant externe",
        ),
        "text",
    ),
    **dict.fromkeys(("url", "uri", "annotation uri"), "url"),
    **dict.fromkeys(("number", "nombre", "quantity", "quantité"), "int"),
    **dict.fromkeys(("boolean", "booléen", "booleen"), "bool"),
    # "coord": the coordinates field type (issue 21).
    **dict.fromkeys(
        (
            "geographic coordinate",
            "geographic coordinates",
            "coordonnées géographiques",
            "coordonnées géographique",
            "géographique coordonnée",
        ),
        "coord",
    ),
}

#: Page Forms input types (folded) → field types; list inputs are told by their delimiter.
FORM_INPUT_TYPES: Mapping[str, str] = {
    **dict.fromkeys(("datepicker", "datetimepicker", "date", "datetime", "year"), "date"),
    "checkbox": "bool",
    # Map inputs give coordinates (the coord field type).
    **dict.fromkeys(("googlemaps", "leaflet", "openlayers", "map"), "coord"),
}

#: Form inputs that offer a fixed set of values (an enum when ``values=`` lists them).
_CHOICE_INPUTS = frozenset({"dropdown", "radiobutton"})
#: At most this many allowed values make an enum; more are a note.
MAX_ENUM_VALUES = 40
#: The separators a list field reads without being told (see core/fields/values.py).
_DEFAULT_SEPARATORS = ",;•·"


@dataclass(slots=True)
class ProposedField:
    """One field of a proposed record type.

    Attributes:
        name: the field's name in the configuration.
        param: the template parameter it reads.
        aliases: other parameters read in its place.
        type: the field type.
        separator: a list's separator when not one wikisync reads by default.
        values: an enum's values.
        required: the form marks it mandatory.
        evidence: where the type comes from, for the comment.
        undecided: evidence that disagreed, and what was chosen.
    """

    name: str
    param: str
    aliases: list[str] = field(default_factory=list)
    type: str = "text"
    separator: str = ""
    values: tuple[str, ...] = ()
    required: bool = False
    evidence: list[str] = field(default_factory=list)
    undecided: str = ""


@dataclass(slots=True)
class ProposedType:
    """One proposed record type: a template, its categories and its fields."""

    key: str
    template: str
    template_aliases: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    forms: list[str] = field(default_factory=list)
    fields: list[ProposedField] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Proposal:
    """The types proposed, what was read, and what could not be decided."""

    types: list[ProposedType] = field(default_factory=list)
    undecided: list[str] = field(default_factory=list)
    read: dict[str, int] = field(default_factory=dict)
    lang: str = ""


def type_key(name: str) -> str:
    """A record type's key from a template name: ASCII, lower case, ``_`` for the rest.

    Example:
        >>> type_key("Communauté"), type_key("Fiche projet")
        ('communaute', 'fiche_projet')
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    key = "".join(c if c.isalnum() else "_" for c in ascii_name.lower()).strip("_")
    return "_".join(part for part in key.split("_") if part) or "type"


def propose_types(
    templates: Mapping[str, TemplateFacts],
    forms: Mapping[str, Sequence[FormField]],
    properties: Mapping[str, tuple[str, tuple[str, ...]]],
    *,
    redirects: Mapping[str, str] | None = None,
) -> Proposal:
    """Propose a record type per infobox template.

    A template is an infobox when a form fills it, it stores a parameter in a
    property or it adds a category; other templates with parameters are named
    among the undecided.

    Args:
        templates: per template name (no prefix), what its text says.
        forms: per form name, its fields.
        properties: per property name, its declared type and allowed values.
        redirects: template redirect name → template name (aliases).

    Returns:
        The proposal, types in the templates' order.
    """
    proposal = Proposal()
    by_template: dict[str, list[tuple[str, FormField]]] = {}
    for form_name, form_fields in forms.items():
        for form_field in form_fields:
            by_template.setdefault(fold(form_field.template), []).append((form_name, form_field))
    prop_types = {fold(name): value for name, value in properties.items()}
    keys: set[str] = set()
    for template, facts in templates.items():
        filled = by_template.get(fold(template), [])
        if not (filled or facts.annotates or facts.categories):
            if facts.params:
                proposal.undecided.append(
                    f"template {template!r} takes parameters ({', '.join(list(facts.params)[:5])}"
                    f"{', …' if len(facts.params) > 5 else ''}) but no form, property or "
                    "category says it holds records: left out"
                )
            continue
        key = type_key(template)
        while key in keys:
            key += "_"
        keys.add(key)
        kind = ProposedType(key=key, template=template, categories=list(facts.categories))
        kind.forms = list(dict.fromkeys(name for name, _ in filled))
        kind.template_aliases = sorted(
            alias for alias, target in (redirects or {}).items() if fold(target) == fold(template)
        )
        by_param = {fold(f.name): f for _, f in filled}
        aliases = {alias for use in facts.params.values() for alias in use.aliases}
        names = list(facts.params)
        names += [f.name for _, f in filled if f.name not in facts.params]
        for param in names:
            if param in aliases:
                continue
            use = facts.params.get(param, ParamUse(param))
            proposed = _propose_field(key, use, by_param.get(fold(param)), prop_types)
            if param not in facts.params:
                proposed.evidence.append("not used by the template")
            kind.fields.append(proposed)
            if proposed.undecided:
                proposal.undecided.append(f"{key}.{proposed.name}: {proposed.undecided}")
        if not kind.categories:
            note = "the template adds no category: name the pages' category"
            kind.notes.append(note)
            proposal.undecided.append(f"{key}: {note}")
        proposal.types.append(kind)
    return proposal


def _field_name(type_name: str, param: str) -> str:
    if param not in RESERVED_NAMES:
        return param
    return type_name.split("_")[0] + param[:1].upper() + param[1:]


def _propose_field(
    type_name: str,
    use: ParamUse,
    form: FormField | None,
    prop_types: Mapping[str, tuple[str, tuple[str, ...]]],
) -> ProposedField:
    proposed = ProposedField(name=_field_name(type_name, use.name), param=use.name)
    proposed.aliases = list(use.aliases)
    proposed.required = bool(form and form.mandatory)
    strong: list[tuple[str, str]] = []  # (type, where it was read)
    weak: list[tuple[str, str]] = []
    values: tuple[str, ...] = ()
    if form is not None:
        form_type = FORM_INPUT_TYPES.get(form.input_type)
        if form_type:
            strong.append((form_type, f"form input {form.input_type}"))
        elif form.input_type in _CHOICE_INPUTS and form.values:
            strong.append(("enum", f"form input {form.input_type}"))
            values = form.values
        elif form.uploadable:
            strong.append(("file", "form upload"))
        elif form.input_type:
            proposed.evidence.append(f"form input {form.input_type}")
    props = list(use.properties)
    if form is not None and form.property and form.property not in props:
        props.append(form.property)
    for prop in props:
        declared, allowed = prop_types.get(fold(prop), ("", ()))
        if not declared:
            proposed.evidence.append(f"property {prop} (type not found)")
            continue
        smw = PROPERTY_TYPES.get(fold(declared))
        where = f"property {prop} ({declared})"
        if smw is None:
            proposed.evidence.append(f"{where}: unknown type")
            proposed.undecided = (
                f"property type {declared!r} is not one wikisync knows; read as text"
            )
        elif smw == "page":
            weak.append((smw, where))
        elif smw == "text":
            proposed.evidence.append(where)
        else:
            strong.append((smw, where))
        if allowed and not values:
            values = allowed
    if use.shown_as:
        shown = "a file link's target" if use.shown_as == "file" else "an external link's target"
        strong.append((use.shown_as, f"shown as {shown}"))
    chosen = strong or weak
    if chosen:
        proposed.type = chosen[0][0]
        kinds = list(dict.fromkeys(t for t, _ in strong))
        if len(kinds) > 1:
            proposed.undecided = (
                "the evidence disagrees ("
                + "; ".join(f"{where}: {t}" for t, where in strong)
                + f"); chose {proposed.type}"
            )
    proposed.evidence = [where for _, where in chosen] + proposed.evidence
    separator = use.separator if use.separator is not None else (form.delimiter if form else None)
    if separator is not None:
        where = "#arraymap" if use.separator is not None else "form list"
        if proposed.type not in ("text", "list"):
            proposed.evidence.append(f"items are {proposed.type}s")
        proposed.type = "list"
        proposed.evidence.insert(0, f"{where} {separator!r}")
        if separator.strip() and any(c not in _DEFAULT_SEPARATORS for c in separator.strip()):
            proposed.separator = separator.strip()
        elif not separator.strip():
            proposed.undecided = f"the list separator is {separator!r}; read as a comma"
    elif values and proposed.type in ("text", "page", "enum"):
        if len(values) <= MAX_ENUM_VALUES:
            proposed.type = "enum"
            proposed.values = values
        else:
            proposed.evidence.append(f"{len(values)} allowed values (too many for an enum)")
    return proposed


def demote(proposed: ProposedField, reason: str) -> None:
    """Set a field back to text, keeping why in its evidence."""
    proposed.evidence.insert(0, f"was {proposed.type}: {reason}")
    proposed.type = "text"
    proposed.separator = ""
    proposed.values = ()


def _string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in escaped) + '"'


def _strings(values: Sequence[str]) -> str:
    return "[" + ", ".join(_string(v) for v in values) + "]"


def _key(name: str) -> str:
    # A TOML key: bare when it can be, else a basic string (control characters escaped).
    bare = toml_key(name)
    return bare if bare == name else _string(name)


def _comment(text: str) -> str:
    # One comment line: TOML comments take no control characters.
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _field_line(proposed: ProposedField) -> str:
    parts = []
    if proposed.type != "text":
        parts.append(f"type = {_string(proposed.type)}")
    if proposed.name != proposed.param or proposed.aliases:
        parts.append(f"params = {_strings([proposed.param, *proposed.aliases])}")
    if proposed.separator:
        parts.append(f"separators = {_strings([proposed.separator])}")
    if proposed.values:
        parts.append(f"values = {_strings(proposed.values)}")
    if proposed.required:
        parts.append("required = true")
    value = "{ " + ", ".join(parts) + " }" if parts else '"text"'
    if len(parts) == 1 and parts[0].startswith("type = "):
        value = _string(proposed.type)
    line = f"{_key(proposed.name)} = {value}"
    notes = "; ".join(proposed.evidence) or "no evidence: text"
    return f"{line}   # {_comment(notes)}"


def render_proposal(proposal: Proposal, *, site: str = "") -> str:
    """The proposal as commented ``[types.*]`` TOML tables.

    Example:
        >>> print(render_proposal(Proposal()).splitlines()[0])
        # Record types that wikisync proposes from the wiki's own
    """
    read = proposal.read
    lines = [
        "# Record types that wikisync proposes from the wiki's own",
        "# templates, forms and properties"
        + (f" ({_comment(site)})" if site else "")
        + ": "
        + ", ".join(f"{count} {what}" for what, count in read.items())
        + ".",
        "# Each field says where its type comes from; check them before relying on them.",
        "",
    ]
    if proposal.undecided:
        lines.append("# Could not decide:")
        lines.extend(f"#   - {_comment(item)}" for item in proposal.undecided)
        lines.append("")
    for kind in proposal.types:
        said = [f"template {kind.template}"]
        if kind.forms:
            said.append("form " + ", ".join(kind.forms))
        heading = _comment("; ".join(said))
        lines.append(f"# --- {heading} " + "-" * max(3, 70 - len(heading)))
        lines.extend(f"# {_comment(note)}" for note in kind.notes)
        lines.append(f"[types.{kind.key}]")
        lines.append(f"categories = {_strings(kind.categories)}")
        if proposal.lang:
            lines.append(
                f"lang = {_string(proposal.lang)}   # the wiki's language, for prose lists"
            )
        lines.append(f"templates = {_strings([kind.template, *kind.template_aliases])}")
        lines.append("")
        lines.append(f"[types.{kind.key}.fields]")
        lines.extend(_field_line(proposed) for proposed in kind.fields)
        lines.append("")
    lines.append("# No jobs are proposed: add [jobs.NAME] tables for the index pages to keep")
    lines.append("# (type, page, page_template, marker; see the FabMob preset for examples).")
    lines.append("")
    return "\n".join(lines)
