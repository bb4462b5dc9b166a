"""List items added and removed one at a time (``set Tags+=vélo`` / ``Tags-=vélo``)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wikisync.core.edits import EditError, set_params
from wikisync.core.errors import FieldValueError
from wikisync.core.fields.checks import check_item_edit
from wikisync.core.fields.list_items import ItemEdit, ListItemError, list_spans
from wikisync.core.schema import FieldSpec

WORDS = ("vélo", "bus", "marche", "[[Lyon]]", "[[Paris|la capitale]]", "{{lien|a, b}}", "x (y, z)")
NEW_ITEMS = ("covoiturage", "Tram", "[[Nantes]]", "auto-partage")


@st.composite
def lists(draw: st.DrawFn) -> str:
    items = draw(st.lists(st.sampled_from(WORDS), max_size=5, unique=True))
    separator = draw(st.sampled_from([",", ";", "•"]))
    before = draw(st.sampled_from(["", " ", "  "]))
    after = draw(st.sampled_from(["", " ", "\t"]))
    return (before + separator + after).join(items)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(value=lists(), item=st.sampled_from(NEW_ITEMS))
def test_item_edit_add_then_remove_gives_back_the_original_bytes(value: str, item: str) -> None:
    added = ItemEdit("add", item).apply(value)
    assert added != value and added.endswith(item)
    assert ItemEdit("remove", item).apply(added) == value


@settings(max_examples=300, derandomize=True, deadline=None)
@given(value=lists(), item=st.sampled_from(NEW_ITEMS))
def test_item_edit_of_an_absent_item_removed_or_a_present_one_added_changes_nothing(
    value: str, item: str
) -> None:
    assert ItemEdit("remove", item).apply(value) == value
    added = ItemEdit("add", item).apply(value)
    assert ItemEdit("add", item.upper()).apply(added) == added  # compared as where compares


@settings(max_examples=200, derandomize=True, deadline=None)
@given(value=lists(), item=st.sampled_from(NEW_ITEMS))
def test_set_params_add_then_remove_in_a_page_keeps_every_other_byte(value: str, item: str) -> None:
    page = f"Intro\n{{{{Event\n| Tags  = {value} <!-- à revoir -->\n|place=Lyon\n}}}}\nFin"
    added = set_params(page, ["Event"], {"Tags": ItemEdit("add", item)})
    assert added.changed
    before, after = page.split("\n"), added.wikitext.split("\n")
    assert [a for a, b in zip(before, after, strict=True) if a != b] == [before[2]]
    removed = set_params(added.wikitext, ["Event"], {"Tags": ItemEdit("remove", item)})
    assert removed.wikitext == page


@pytest.mark.parametrize(
    ("value", "item", "expected"),
    [
        ("", "vélo", "vélo"),
        ("bus", "vélo", "bus, vélo"),
        ("bus ; marche", "vélo", "bus ; marche ; vélo"),
        ("bus,marche", "VÉLO", "bus,marche,VÉLO"),
        ("bus, vélo", "Vélo", "bus, vélo"),
        ("[[Vélo]], bus", "vélo", "[[Vélo]], bus"),
        ("conseiller·e·s, bus", "vélo", "conseiller·e·s, bus, vélo"),
        ("bus,car ; tram", "vélo", "bus,car ; tram,vélo"),
        ("bus · car · tram", "vélo", "bus · car · tram · vélo"),
        ("a, b,", "vélo", "a, b, vélo,"),
    ],
)
def test_item_edit_add_uses_the_lists_own_separator_and_spacing(
    value: str, item: str, expected: str
) -> None:
    assert ItemEdit("add", item).apply(value) == expected


@pytest.mark.parametrize(
    ("value", "item", "expected"),
    [
        ("vélo", "vélo", ""),
        ("vélo, bus, marche", "vélo", "bus, marche"),
        ("bus, vélo, marche", "Vélo", "bus, marche"),
        ("bus ;vélo", "vélo", "bus"),
        ("vélo, bus, vélo", "vélo", "bus"),
        ("[[vélo]], bus", "vélo", "bus"),
        ("{{lien|vélo, bus}}, bus", "vélo", "{{lien|vélo, bus}}, bus"),
        ("(vélo, bus), car", "vélo", "(vélo, bus), car"),
    ],
)
def test_item_edit_remove_takes_every_copy_with_its_separator(
    value: str, item: str, expected: str
) -> None:
    assert ItemEdit("remove", item).apply(value) == expected


def test_list_spans_skip_separators_inside_links_templates_and_parentheses() -> None:
    value = "a, [[b, c]] ;{{d|e;f}} , (g, h)"
    assert [value[s:e] for s, e in list_spans(value)] == ["a", "[[b, c]]", "{{d|e;f}}", "(g, h)"]
    other = "a/b/ c, d"
    assert [other[s:e] for s, e in list_spans(other, "/")] == ["a", "b", "c, d"]


@pytest.mark.parametrize("value", ["a<br>b", "a\nb", "* a\n* b", "# a"])
def test_item_edit_refuses_lists_written_with_breaks_or_bullets(value: str) -> None:
    with pytest.raises(ListItemError, match="edit this one by hand"):
        ItemEdit("add", "c").apply(value)
    with pytest.raises(EditError, match=r'Page "P": \{\{Event\}\} parameter "Tags"'):
        page = f"{{{{Event|Tags={value}}}}}"
        set_params(page, ["Event"], {"Tags": ItemEdit("add", "c")}, title="P")


def test_set_params_item_edit_adds_a_missing_parameter_and_leaves_it_absent_on_remove() -> None:
    assert set_params("{{Event}}", ["Event"], {"Tags": ItemEdit("add", "a")}).wikitext == (
        "{{Event|Tags=a}}"
    )
    result = set_params("{{Event}}", ["Event"], {"Tags": ItemEdit("remove", "a")})
    assert result.wikitext == "{{Event}}" and not result.changed


def test_set_params_item_edit_checks_only_the_item_not_the_templates_already_there() -> None:
    page = "{{Event|Tags={{lien|x}}, b}}"
    assert set_params(page, ["Event"], {"Tags": ItemEdit("add", "c")}).wikitext == (
        "{{Event|Tags={{lien|x}}, b, c}}"
    )
    with pytest.raises(EditError):
        set_params(page, ["Event"], {"Tags": ItemEdit("add", "{{x}}")})


@pytest.mark.parametrize(
    ("spec", "item", "message"),
    [
        (FieldSpec("place"), "Lyon", 'field "place" is text, not a list'),
        (FieldSpec("Tags", "list"), "a, b", 'holds the separator ","'),
        (FieldSpec("Tags", "list", separators="/"), "a/b", 'holds the separator "/"'),
        (FieldSpec("Tags", "list"), "  ", "is empty"),
        (FieldSpec("Tags", "list"), "a}}b", 'field "Tags"'),
    ],
)
def test_check_item_edit_refuses_what_is_not_one_item_of_a_list(
    spec: FieldSpec, item: str, message: str
) -> None:
    with pytest.raises(FieldValueError, match=message):
        check_item_edit(spec, ItemEdit("add", item))


def test_check_item_edit_hands_the_fields_separators_on() -> None:
    edit = check_item_edit(FieldSpec("Tags", "list", separators="/"), ItemEdit("add", " a "))
    assert edit == ItemEdit("add", "a", "/")
    assert edit.apply("x / y") == "x / y / a"
