"""A data-quality report as one self-contained HTML page.

:func:`render_quality_html` turns a :class:`~wikisync.ops.quality.check.QualityReport`
into a page that opens in any browser, offline: inline CSS, an inline SVG bar
chart of problems per field for each record type, no JavaScript, no font,
image or style sheet from the network. Every text from the wiki or the
configuration (titles, values, field and type names, URLs) is escaped with
:func:`html.escape`, so a hostile page title or value shows as text. Labels,
what was expected and the shipped preset's type descriptions are French or
English (the report's ``lang``, through :mod:`wikisync.i18n`'s catalogues).
Pure, and deterministic: the same report gives the same bytes (no clock is read).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from wikisync.__about__ import __version__
from wikisync.i18n import translations
from wikisync.ops.quality.check import (
    FieldQuality,
    QualityProblem,
    QualityReport,
    TypeQuality,
    expected_in,
)

__all__ = ["labels_in", "render_quality_html"]


def labels_in(lang: str) -> dict[str, str]:
    """The report's labels in a language (:mod:`wikisync.i18n`'s catalogues)."""
    _ = translations(lang).gettext
    return {
        "title": _("Data quality"),
        "summary": _("Summary"),
        "type": _("Type"),
        "pages": _("Pages"),
        "records": _("Records"),
        "problems": _("Problems"),
        "total": _("Total"),
        "field": _("Field"),
        "filled": _("Filled"),
        "chart": _("Problems per field"),
        "page": _("Page"),
        "value": _("Value"),
        "expected": _("Expected / problem"),
        "edit": _("edit"),
        "edit_column": _("Edit"),
        "whole_page": _("(page)"),
        "no_value": _("(no value)"),
        "empty": _("(empty)"),
        "no_problem": _("No problems."),
        "no_links": _("No links to the wiki: its address is not known."),
        "made_by": _("Report made by wikisync"),
    }


def _counts(item: TypeQuality, lang: str) -> str:
    ngettext = translations(lang).ngettext
    problems = len(item.problems)
    return ", ".join(
        [
            ngettext("%(n)d page", "%(n)d pages", item.pages) % {"n": item.pages},
            ngettext("%(n)d record", "%(n)d records", item.records) % {"n": item.records},
            ngettext("%(n)d problem", "%(n)d problems", problems) % {"n": problems},
        ]
    )


_CSS = """\
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:2em auto;max-width:70em;\
padding:0 1em;color:#202122;background:#fff;line-height:1.4}
h1{font-size:1.8em;margin-bottom:.2em}
h2{font-size:1.4em;border-bottom:1px solid #a2a9b1;margin-top:2em}
h2 small{font-size:.65em;font-weight:normal;color:#54595d}
.site{color:#54595d;margin-top:0;overflow-wrap:anywhere}
table{border-collapse:collapse;margin:1em 0}
th,td{border:1px solid #c8ccd1;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#eaecf0}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tr.bad td.n.p{color:#b32424;font-weight:bold}
tfoot td{font-weight:bold}
.problems td{overflow-wrap:anywhere;max-width:28em}
.problems td.f{white-space:nowrap;overflow-wrap:normal}
.muted{color:#72777d;font-style:italic}
code{white-space:pre-wrap;background:#f8f9fa;padding:0 .2em}
.fields{display:flex;flex-wrap:wrap;gap:2em;align-items:flex-start}
svg text{font-family:"DejaVu Sans",Arial,sans-serif;font-size:12px;fill:#202122}
svg rect.bar{fill:#d33}
.ok{color:#14866d}
a{color:#0645ad}
footer{margin-top:3em;color:#72777d;font-size:.85em}
"""

# The bar chart's geometry, in pixels.
_LABEL_WIDTH = 170
_BAR_WIDTH = 220
_ROW = 20
_LABEL_CHARS = 24


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def render_quality_html(report: QualityReport) -> str:
    """Render a data-quality report as a self-contained HTML page.

    Args:
        report: the report (:func:`~wikisync.ops.quality.check.check_types`).

    Returns:
        The page, UTF-8 text ending with a newline; the same report gives
        the same text.

    Example:
        >>> from wikisync.ops.quality.check import QualityReport
        >>> page = render_quality_html(QualityReport("Wiki <test>", "en", ()))
        >>> "<title>Data quality — Wiki &lt;test&gt;</title>" in page
        True
    """
    labels = labels_in(report.lang)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{_e(report.lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(labels['title'])} — {_e(report.site)}</title>",
        f"<style>\n{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{_e(labels['title'])}</h1>",
        f'<p class="site">{_e(report.site)}</p>',
    ]
    if report.links is None:
        parts.append(f'<p class="muted">{_e(labels["no_links"])}</p>')
    parts.extend(_summary(report, labels))
    for number, item in enumerate(report.types):
        parts.extend(_type_section(report, item, number, labels))
    parts.append(f"<footer>{_e(labels['made_by'])} {_e(__version__)}</footer>")
    parts.extend(["</body>", "</html>"])
    return "\n".join(parts) + "\n"


def _summary(report: QualityReport, labels: dict[str, str]) -> list[str]:
    rows = [
        '<section id="summary">',
        f"<h2>{_e(labels['summary'])}</h2>",
        '<table class="summary">',
        f'<thead><tr><th>{_e(labels["type"])}</th><th class="n">{_e(labels["pages"])}</th>'
        f'<th class="n">{_e(labels["records"])}</th>'
        f'<th class="n">{_e(labels["problems"])}</th></tr></thead>',
        "<tbody>",
    ]
    for number, item in enumerate(report.types):
        bad = ' class="bad"' if item.problems else ""
        rows.append(
            f'<tr{bad}><td><a href="#type-{number}">{_e(item.name)}</a></td>'
            f'<td class="n">{item.pages}</td><td class="n">{item.records}</td>'
            f'<td class="n p">{len(item.problems)}</td></tr>'
        )
    rows.append("</tbody>")
    if len(report.types) > 1:
        rows.append(
            f"<tfoot><tr><td>{_e(labels['total'])}</td>"
            f'<td class="n">{sum(item.pages for item in report.types)}</td>'
            f'<td class="n">{sum(item.records for item in report.types)}</td>'
            f'<td class="n">{report.problem_count}</td></tr></tfoot>'
        )
    rows.extend(["</table>", "</section>"])
    return rows


def _type_section(
    report: QualityReport, item: TypeQuality, number: int, labels: dict[str, str]
) -> list[str]:
    heading = _e(item.name)
    if item.description:
        # the shipped preset's descriptions are in the catalogues; others stay as written
        description = translations(report.lang).gettext(item.description)
        heading += f" <small>{_e(description)}</small>"
    counts = _counts(item, report.lang)
    parts = [
        f'<section class="type" id="type-{number}">',
        f"<h2>{heading}</h2>",
        f'<p class="counts">{_e(counts)}</p>',
        '<div class="fields">',
        *_fields_table(item, labels),
    ]
    chart = _chart(item, labels)
    if chart:
        parts.append(chart)
    parts.append("</div>")
    if item.problems:
        parts.extend(_problems_table(report, item.problems, labels))
    else:
        parts.append(f'<p class="ok">{_e(labels["no_problem"])}</p>')
    parts.append("</section>")
    return parts


def _fields_table(item: TypeQuality, labels: dict[str, str]) -> list[str]:
    rows = [
        '<table class="fields-table">',
        f'<thead><tr><th>{_e(labels["field"])}</th><th class="n">{_e(labels["filled"])}</th>'
        f'<th class="n">{_e(labels["problems"])}</th></tr></thead>',
        "<tbody>",
    ]
    for field in item.fields:
        bad = ' class="bad"' if field.problems else ""
        rows.append(
            f"<tr{bad}><td>{_e(field.name)}</td>"
            f'<td class="n">{field.filled} / {item.records}</td>'
            f'<td class="n p">{field.problems}</td></tr>'
        )
    if item.page_problems:
        rows.append(
            f'<tr class="bad"><td class="muted">{_e(labels["whole_page"])}</td>'
            f'<td class="n"></td><td class="n p">{item.page_problems}</td></tr>'
        )
    rows.extend(["</tbody>", "</table>"])
    return rows


def _chart_rows(item: TypeQuality, labels: dict[str, str]) -> list[FieldQuality]:
    rows = [field for field in item.fields if field.problems]
    if item.page_problems:
        rows.append(FieldQuality(labels["whole_page"], 0, item.page_problems))
    return rows


def _chart(item: TypeQuality, labels: dict[str, str]) -> str:
    """A horizontal bar chart of problems per field, as inline SVG ("" when none)."""
    rows = _chart_rows(item, labels)
    if not rows:
        return ""
    most = max(row.problems for row in rows)
    width = _LABEL_WIDTH + _BAR_WIDTH + 40
    height = _ROW * len(rows) + 30
    caption = f"{labels['chart']} — {item.name}"
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_e(caption)}">',
        f"<title>{_e(caption)}</title>",
        f'<text x="0" y="14" font-weight="bold">{_e(labels["chart"])}</text>',
    ]
    for index, row in enumerate(rows):
        y = 24 + index * _ROW
        bar = max(2, round(_BAR_WIDTH * row.problems / most))
        label = row.name if len(row.name) <= _LABEL_CHARS else row.name[: _LABEL_CHARS - 1] + "…"
        parts.append(
            f"<g><title>{_e(row.name)}: {row.problems}</title>"
            f'<text x="{_LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end">{_e(label)}</text>'
            f'<rect class="bar" x="{_LABEL_WIDTH}" y="{y + 2}" width="{bar}" height="{_ROW - 6}"/>'
            f'<text x="{_LABEL_WIDTH + bar + 4}" y="{y + 13}">{row.problems}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _shown_value(value: str | None, labels: dict[str, str]) -> str:
    if value is None:
        return f'<span class="muted">{_e(labels["no_value"])}</span>'
    if not value.strip():
        return f'<span class="muted">{_e(labels["empty"])}</span>'
    return f"<code>{_e(value)}</code>"


def _problems_table(
    report: QualityReport, problems: Sequence[QualityProblem], labels: dict[str, str]
) -> list[str]:
    links = report.links
    head = (
        f"<th>{_e(labels['page'])}</th><th>{_e(labels['field'])}</th>"
        f"<th>{_e(labels['value'])}</th><th>{_e(labels['expected'])}</th>"
    )
    if links is not None:
        head += f"<th>{_e(labels['edit_column'])}</th>"
    rows = ['<table class="problems">', f"<thead><tr>{head}</tr></thead>", "<tbody>"]
    tr = translations(report.lang)
    for problem in problems:
        expected = expected_in(problem.expected, tr)
        title = _e(problem.title)
        if links is not None:
            title = f'<a class="page" href="{_e(links.page_url(problem.title))}">{title}</a>'
        field = (
            _e(problem.field)
            if problem.field is not None
            else f'<span class="muted">{_e(labels["whole_page"])}</span>'
        )
        cells = [
            f"<td>{title}</td>",
            f'<td class="f">{field}</td>',
            f"<td>{_shown_value(problem.value, labels)}</td>",
            f'<td title="{_e(problem.message)}">{_e(expected)}</td>',
        ]
        if links is not None:
            cells.append(
                f'<td><a class="edit" href="{_e(links.edit_url(problem.title))}">'
                f"{_e(labels['edit'])}</a></td>"
            )
        rows.append("<tr>" + "".join(cells) + "</tr>")
    rows.extend(["</tbody>", "</table>"])
    return rows
