"""What the rows of one page do to it on a spreadsheet import: an edit, or a page to create.

:class:`_PageImport` turns the rows of one exported page into its new text
(only the changed cells, checked against what the page held at export time,
read through :class:`_OldTexts`); :class:`_PageCreate` turns rows with a title
and no revision into a new page (never an overwrite). Driven by
:func:`wikisync.ops.spreadsheet.import_records`, which documents the rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wikisync.core.edits import ParamChange, read_params
from wikisync.core.errors import (
    EditConflictError,
    PageDeletedError,
    PageMovedError,
    PublishError,
)
from wikisync.core.fields.checks import (
    FieldValueError,
    check_field_value,
    check_item_edit,
    field_param,
    field_spec,
    item_edit_done,
    same_value,
    styled_value,
)
from wikisync.core.fields.list_items import ItemEdit
from wikisync.core.pages import CATEGORY_NS, PageText
from wikisync.core.said import said
from wikisync.core.schema import FieldSpec, RecordType
from wikisync.ops.batch.report import OnPage, PageReport
from wikisync.ops.batch.run import PageOutcome, set_infobox
from wikisync.ops.create import check_new_values, new_page_text
from wikisync.ops.sheet import (
    SheetRow,
    text_sha1,
)
from wikisync.ports.outcome import Outcome
from wikisync.ports.source import Source

__all__: list[str] = []


class _OldTexts:
    """Page texts at exported revisions (a live wiki keeps them; a folder does not)."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.texts: dict[int, str | None] = {}
        self.titles: dict[int, str] = {}

    def fetch(self, revids: Iterable[int]) -> None:
        wanted = sorted({revid for revid in revids if revid not in self.texts})
        self.texts.update(dict.fromkeys(wanted))
        if not wanted:
            return
        for revid, (title, text) in self.source.revision_texts(wanted).items():
            self.titles[revid] = title
            if text is not None:
                self.texts[revid] = text

    def get(self, revid: int) -> str | None:
        if revid not in self.texts:
            self.fetch([revid])
        return self.texts.get(revid)

    def title_of(self, revid: int) -> str:
        """The title of the page that holds this revision now (``""``: none, or unknown)."""
        if revid not in self.texts:
            self.fetch([revid])
        return self.titles.get(revid, "")


@dataclass(slots=True)
class _PageImport:
    """The rows of one page and how to turn them into its new text."""

    title: str
    rows: list[SheetRow]
    record_type: RecordType
    specs: Mapping[str, FieldSpec]
    old: _OldTexts
    trusted: bool
    letters: Mapping[str, str] = field(default_factory=dict)

    def compute(self, page: PageText | None) -> PageOutcome:
        if page is None:  # never a page to create: deleted, or moved (its revision says where)
            now = self.old.title_of(self.rows[0].revid)
            if now and now != self.title:
                raise PageMovedError(
                    said(
                        'Page "%(title)s" was moved to "%(now)s" since the export; rows '
                        "%(rows)s were not written",
                        title=self.title,
                        now=now,
                        rows=", ".join(str(row.row) for row in self.rows),
                    ),
                    title=self.title,
                    new_title=now,
                )
            raise PageDeletedError(
                said(
                    'Page "%(title)s" was deleted since the export; nothing was saved, and it '
                    "was not re-created",
                    title=self.title,
                ),
                title=self.title,
            )
        infoboxes = read_params(page.wikitext, self.record_type.templates, title=page.title)
        digest = text_sha1(page.wikitext)
        same_base = all(row.revid == page.revid and row.sha1 in ("", digest) for row in self.rows)
        if not same_base:
            return self._changed_since(page, infoboxes)
        problems: list[str] = []
        edits: list[tuple[SheetRow, dict[str, str | ItemEdit]]] = []
        for row in self.rows:
            if row.index >= len(infoboxes):
                problems.append(
                    f"row {row.row}, column index: the page has no infobox {row.index} "
                    f"(it has {len(infoboxes)})"
                )
                continue
            changed = self._changed(row, infoboxes[row.index])
            for name, value in changed.items():
                try:
                    changed[name] = self._checked(name, value)
                except FieldValueError as exc:
                    problems.append(f"row {row.row}, column {self._column(name)}: {exc}")
            edits.append((row, changed))
        if problems:
            note = "; ".join(problems) + "; the page was left as it is"
            return PageOutcome(page.wikitext, status=Outcome.INVALID, note=note)
        return self._apply(page, infoboxes, edits)

    def _changed(
        self, row: SheetRow, original: Mapping[str, str] | None
    ) -> dict[str, str | ItemEdit]:
        changed: dict[str, str | ItemEdit] = {}
        for name, cell in row.cells.items():
            spec = self.specs[name]
            before = original.get(field_param(spec, original), "") if original is not None else None
            edit = _item_edit(spec, cell)
            if edit is not None:
                changed[name] = edit
            elif before is None or not same_value(spec, cell, before):
                changed[name] = cell.strip()
        return changed

    def _checked(self, name: str, value: str | ItemEdit) -> str | ItemEdit:
        if isinstance(value, ItemEdit):
            return check_item_edit(
                self.specs[name],
                value,
                trusted=self.trusted,
                options=self.record_type.options(name),
            )
        check_field_value(self.specs[name], value, trusted=self.trusted)
        return value

    def _changed_since(self, page: PageText, infoboxes: tuple[dict[str, str], ...]) -> PageOutcome:
        """Write the changed cells whose fields the wiki's edit left alone; else a conflict."""
        edits: list[tuple[SheetRow, dict[str, str | ItemEdit]]] = []
        problems: list[str] = []
        for row in self.rows:
            old_text = self.old.get(row.revid) if row.revid != page.revid else None
            originals = (
                read_params(old_text, self.record_type.templates, title=self.title)
                if old_text
                else ()
            )
            original = originals[row.index] if row.index < len(originals) else None
            changed = self._changed(row, original)
            now = infoboxes[row.index] if row.index < len(infoboxes) else None
            if original is not None and len(originals) != len(infoboxes):
                original = None  # infoboxes added or removed: the index may not match
            pending: dict[str, str | ItemEdit] = {}
            for name, value in changed.items():
                spec = self.specs[name]
                have = now.get(field_param(spec, now), "") if now is not None else None
                if have is not None and _holds(spec, value, have):
                    continue  # the page already holds the cell
                if have is not None and isinstance(value, ItemEdit):
                    pending[name] = self._checked(name, value)  # one item, whatever the list holds
                    continue
                if have is None or original is None:
                    raise EditConflictError(
                        said(
                            'Page "%(title)s" changed on the wiki since the export (revision '
                            "%(was)s, now %(now)s); row %(row)s was not written, nothing was "
                            "overwritten: export again and redo the change",
                            title=self.title,
                            was=row.revid,
                            now=page.revid,
                            row=row.row,
                        ),
                        title=self.title,
                    )
                was = original.get(field_param(spec, original), "")
                if not same_value(spec, was, have):
                    raise EditConflictError(
                        said(
                            'Page "%(title)s" changed on the wiki since the export: field '
                            '"%(field)s" was "%(was)s" in revision %(base)s and is "%(have)s" in '
                            'revision %(now)s; row %(row)s\'s "%(value)s" was not written, '
                            "nothing was overwritten: export again and redo the change",
                            title=self.title,
                            field=name,
                            was=was,
                            base=row.revid,
                            have=have,
                            now=page.revid,
                            row=row.row,
                            value=value,
                        ),
                        title=self.title,
                    )
                try:
                    value = self._checked(name, value)
                except FieldValueError as exc:
                    problems.append(f"row {row.row}, column {self._column(name)}: {exc}")
                pending[name] = value
            if pending:
                edits.append((row, pending))
        if problems:
            note = "; ".join(problems) + "; the page was left as it is"
            return PageOutcome(page.wikitext, status=Outcome.INVALID, note=note)
        if not edits:
            return PageOutcome(page.wikitext, note="already holds the spreadsheet's values")
        return self._apply(page, infoboxes, edits)

    def _apply(
        self,
        page: PageText,
        infoboxes: tuple[dict[str, str], ...],
        edits: Sequence[tuple[SheetRow, Mapping[str, str | ItemEdit]]],
    ) -> PageOutcome:
        text = page.wikitext
        changes: list[ParamChange] = []
        warnings: list[str] = []
        for row, changed in edits:
            if not changed:
                continue
            params = infoboxes[row.index]
            wanted: dict[str, str | ItemEdit] = {}
            made: dict[str, str | ItemEdit] = {}  # a point in the page's own {{coord}}
            for name, value in changed.items():
                param = field_param(self.specs[name], params)
                if isinstance(value, ItemEdit):  # one list item: the list keeps its own form
                    wanted[param] = value
                    continue
                styled, markup = styled_value(self.specs[name], params.get(param, ""), value)
                (made if markup else wanted)[param] = styled
            for group, trusted in ((wanted, self.trusted), (made, True)):
                if group:
                    text = set_infobox(
                        text,
                        self.record_type.templates,
                        group,
                        row.index,
                        trusted,
                        self.title,
                        changes,
                        warnings,
                    )
        return PageOutcome(text, tuple(changes), tuple(warnings))

    def _column(self, name: str) -> str:
        letter = self.letters.get(name)
        return f"{letter} ({name})" if letter else name


def _item_edit(spec: FieldSpec, cell: str) -> ItemEdit | None:
    """A list field's ``+=ITEM`` / ``-=ITEM`` cell as the item edit it asks for, else None."""
    text = cell.strip()
    if spec.type != "list" or text[:2] not in ("+=", "-="):
        return None
    return ItemEdit("add" if text[0] == "+" else "remove", text[2:].strip())


def _holds(spec: FieldSpec, value: str | ItemEdit, have: str) -> bool:
    if isinstance(value, ItemEdit):
        return item_edit_done(value, have)
    return same_value(spec, value, have)


def _word_creations(creations: Mapping[str, _PageCreate], on_page: OnPage | None) -> OnPage:
    # Each page's report, its status worded for a page to create, before on_page sees it.
    def word(page: PageReport, done: int, total: int) -> None:
        creation = creations.get(page.title)
        if creation is not None:
            page.status = creation.status_of(page.status)
        if on_page is not None:
            on_page(page, done, total)

    return word


@dataclass(slots=True)
class _PageCreate:
    """Rows with a title and no revision: a page to create (never to overwrite)."""

    title: str
    rows: list[SheetRow]
    record_type: RecordType
    trusted: bool
    letters: Mapping[str, str]
    source: Source
    template_dirs: Sequence[str | Path]
    invalid: bool = False

    def compute(self, page: PageText | None) -> PageOutcome:
        numbers = ", ".join(str(row.row) for row in self.rows)
        if page is not None and self._holds(page):
            # Made by an earlier import (or by hand) with these very values:
            # nothing to do, which is what the row asks for.
            return PageOutcome(
                page.wikitext,
                status=Outcome.UNCHANGED,
                note="exists already with this row's values",
            )
        if page is not None:
            raise EditConflictError(
                said(
                    'Page "%(title)s" exists already; row %(rows)s (no revision: a page to '
                    "create) was not imported, nothing was overwritten: export the page to edit it",
                    title=self.title,
                    rows=numbers,
                ),
                title=self.title,
            )
        row = self.rows[0]
        problem = ""
        if len(self.rows) > 1 or row.index != 0 or row.revid != 0:
            problem = f"rows {numbers}: a page to create takes one row, index 0 and no revision"
        else:
            problem = self._check(row)
        if problem:
            self.invalid = True
            raise PublishError(f"{problem}; the page was not created", title=self.title)
        category = self.source.namespaces.by_id.get(CATEGORY_NS)
        text = new_page_text(
            self.record_type,
            self.title,
            {name: cell.strip() for name, cell in row.cells.items() if cell.strip()},
            trusted=self.trusted,
            category_ns=category.name if category is not None else "Catégorie",
            template_dirs=self.template_dirs,
        )
        return PageOutcome(text, note="created from the type's page skeleton")

    def _holds(self, page: PageText) -> bool:
        """Whether the page's one infobox holds every value of the (single) row."""
        if len(self.rows) != 1 or self.rows[0].index != 0:
            return False
        infoboxes = read_params(page.wikitext, self.record_type.templates, title=page.title)
        if len(infoboxes) != 1:
            return False
        params = infoboxes[0]
        for name, cell in self.rows[0].cells.items():
            spec = field_spec(self.record_type, name)
            have = params.get(field_param(spec, params), "")
            if not same_value(spec, cell.strip(), have):
                return False
        return True

    def _check(self, row: SheetRow) -> str:
        values = {name: cell.strip() for name, cell in row.cells.items() if cell.strip()}
        try:
            check_new_values(self.record_type, values, trusted=self.trusted)
        except FieldValueError as exc:
            letter = self.letters.get(exc.field)
            column = f"column {letter} ({exc.field})" if letter else f"field {exc.field}"
            return f"row {row.row}, {column}: {exc}"
        return ""

    def status_of(self, status: Outcome) -> Outcome:
        # run_pages words every save "edited"; a page made here was created.
        if self.invalid:
            return Outcome.INVALID
        return Outcome.CREATED if status == Outcome.EDITED else status
