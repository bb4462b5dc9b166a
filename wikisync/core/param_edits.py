"""The three edits of one infobox node: set a parameter, rename one, remove one.

:class:`_SetEdit` sets values (plain or one list item), :func:`_rename_one` and
:func:`_remove_one` rename and remove every copy of a parameter; each records a
:class:`~wikisync.core.param_change.ParamChange` per parameter looked at and the
warnings a human should read. The layout rules live in
:mod:`wikisync.core.param_layout`, the refusals in :mod:`wikisync.core.edit_checks`;
:mod:`wikisync.core.edits` finds the nodes and checks the result.

Pure: nodes in, nodes edited in place.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import mwparserfromhell

from wikisync.core.edit_checks import (
    EditError,
    check_value,
    on_page,
    quote_value,
    refuse_renumbering,
)
from wikisync.core.fields.list_items import ItemEdit, ListItemError
from wikisync.core.param_change import ParamChange
from wikisync.core.param_layout import (
    SPACE,
    add_param,
    aligned_column,
    delete_param,
    has_comment,
    param_name,
    read_layout,
    renamed,
    split_value,
    trailing_space,
)

__all__: list[str] = []


class _SetEdit:
    """One set_params call: its options, what it changed and what it noticed."""

    def __init__(self, add_missing: bool, trusted: bool, title: str | None) -> None:
        self.add_missing = add_missing
        self.trusted = trusted
        self.title = title
        self.changes: list[ParamChange] = []
        self.warnings: list[str] = []
        self._checked: set[tuple[str, str]] = set()

    def apply(self, node: Any, position: int, name: str, value: str | ItemEdit) -> None:
        """Set ``name`` to ``value`` (already trimmed) in one infobox."""
        label = _label(node)
        where = f"{on_page(self.title)}{{{{{label}}}}}"
        found = _positions(node, name)
        if isinstance(value, ItemEdit):
            self._edit_item(node, position, name, value, found)
            return
        if not found:
            if not self.add_missing:
                self.warnings.append(f'{where} has no parameter "{name}"; not added')
                return
            self._check(label, name, value)
            add_param(node, name, value)
            self.changes.append(ParamChange(label, name, "add", None, value, position))
            return
        if len(found) > 1:
            self.warnings.append(
                f'{where} parameter "{name}" is given {len(found)} times; the last one '
                "(the one MediaWiki uses) was edited, remove the others"
            )
        param = node.params[found[-1]]
        lead, core, trail = split_value(param.value, read_layout(node, len(node.params)))
        old = str(param.value).strip(SPACE)
        # The current value is never refused: writing it again changes nothing.
        if value in (core, old):
            self.changes.append(ParamChange(label, name, "unchanged", old, old, position))
            return
        self._check(label, name, value)
        if mwparserfromhell.parse(value).filter_comments():
            # The caller wrote the comments they want: the old ones go.
            lead = lead[: len(lead) - len(lead.lstrip(SPACE))]
            trail = trailing_space(trail)
        elif has_comment(lead) or has_comment(trail.split("\n", 1)[0]):
            self.warnings.append(
                f'{where} parameter "{name}": the comment beside the old value '
                f"{quote_value(core)} was kept; check it still applies"
            )
        if not param.showkey and "=" in value:
            param.showkey = True
            param.name = name
            self.warnings.append(
                f'{where} positional parameter {name} is now written "{name}=…" '
                'because its value holds "="'
            )
        param.value = lead + value + trail
        new = str(param.value).strip(SPACE)
        self.changes.append(ParamChange(label, name, "set", old, new, position))

    def _edit_item(
        self, node: Any, position: int, name: str, edit: ItemEdit, found: list[int]
    ) -> None:
        """Add or remove one list item in ``name``; the rest of the value stays byte for byte."""
        label = _label(node)
        if not found:
            if edit.action == "add":
                self.apply(node, position, name, edit.item)
            return
        if len(found) > 1:
            self.warnings.append(
                f'{on_page(self.title)}{{{{{label}}}}} parameter "{name}" is given '
                f"{len(found)} times; the last one (the one MediaWiki uses) was edited, "
                "remove the others"
            )
        param = node.params[found[-1]]
        lead, core, trail = split_value(param.value, read_layout(node, len(node.params)))
        old = str(param.value).strip(SPACE)
        try:
            new_core = edit.apply(core)
        except ListItemError as exc:
            raise EditError(
                f'{on_page(self.title)}{{{{{label}}}}} parameter "{name}": {exc}',
                title=self.title,
                wiki_template=label,
                param=name,
                value=core,
            ) from None
        if new_core == core:
            self.changes.append(ParamChange(label, name, "unchanged", old, old, position))
            return
        self._check(label, name, edit.item)
        param.value = lead + new_core + trail
        new = str(param.value).strip(SPACE)
        self.changes.append(ParamChange(label, name, "set", old, new, position))

    def _check(self, label: str, name: str, value: str) -> None:
        if (name, value) not in self._checked:
            check_value(name, value, self.trusted, label, self.title)
            self._checked.add((name, value))


def _rename_one(
    node: Any,
    position: int,
    old: str,
    new: str,
    changes: list[ParamChange],
    warnings: list[str],
    title: str | None,
) -> None:
    label = _label(node)
    found = _positions(node, old)
    if not found or old == new:
        return
    current = str(node.params[found[-1]].value).strip(SPACE)
    existing = _positions(node, new)
    if existing:
        other = str(node.params[existing[-1]].value).strip(SPACE)
        if other != current:
            raise EditError(
                f'{on_page(title)}{{{{{label}}}}} has both "{old}" ({quote_value(current)}) and '
                f'"{new}" ({quote_value(other)}); merge them by hand, then rename',
                title=title,
                wiki_template=label,
                param=old,
                value=current,
            )
        warnings.append(
            f'{on_page(title)}{{{{{label}}}}} already has "{new}" with the same value; '
            f'"{old}" was removed instead of renamed'
        )
        _remove_one(node, position, old, changes, warnings, title)
        return
    if len(found) > 1:
        warnings.append(
            f'{on_page(title)}{{{{{label}}}}} parameter "{old}" is given {len(found)} times; '
            "every copy was renamed"
        )
    column = aligned_column(node)
    for i in found:
        param = node.params[i]
        if not param.showkey:
            refuse_renumbering(node, i, label, old, title)
            param.showkey = True
            param.name = new
        else:
            param.name = renamed(node, i, new, column)
        changes.append(ParamChange(label, old, "rename", current, current, position, new))


def _remove_one(
    node: Any,
    position: int,
    name: str,
    changes: list[ParamChange],
    warnings: list[str],
    title: str | None,
) -> None:
    label = _label(node)
    found = _positions(node, name)
    if len(found) > 1:
        warnings.append(
            f'{on_page(title)}{{{{{label}}}}} parameter "{name}" is given {len(found)} times; '
            "every copy was removed"
        )
    for i in reversed(found):
        param = node.params[i]
        if not param.showkey:
            refuse_renumbering(node, i, label, name, title)
        old = str(param.value).strip(SPACE)
        delete_param(node, i)
        changes.append(ParamChange(label, name, "remove", old, None, position))
    changes[len(changes) - len(found) :] = reversed(changes[len(changes) - len(found) :])


def _positions(node: Any, name: str) -> list[int]:
    wanted = unicodedata.normalize("NFC", name.strip())
    return [i for i, param in enumerate(node.params) if param_name(param) == wanted]


def _label(node: Any) -> str:
    return str(node.name).strip(SPACE)
