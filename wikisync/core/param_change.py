"""What one edit did to one parameter of one infobox: :class:`ParamChange`.

Made by :mod:`wikisync.core.edits`, checked by :mod:`wikisync.core.edit_checks`, reported
by the batch reports. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ParamChange"]


@dataclass(frozen=True, slots=True)
class ParamChange:
    """What one edit did to one parameter of one infobox, for reports and diffs.

    Attributes:
        wiki_template: the template's name as written on the page (``"Event"``).
        param: the parameter's name (for ``rename``, the old name).
        action: ``"set"``, ``"add"``, ``"rename"``, ``"remove"`` or ``"unchanged"``.
        old: the value before (trimmed), or None when the parameter was absent.
        new: the value after (trimmed), or None when it was removed.
        index: which matching infobox of the page (0 for the first).
        new_param: for ``rename``, the new name; otherwise None.
    """

    wiki_template: str
    param: str
    action: str
    old: str | None
    new: str | None
    index: int = 0
    new_param: str | None = None

    def to_dict(self) -> dict[str, object]:
        """Return the change as a JSON-ready dict."""
        return {
            "wiki_template": self.wiki_template,
            "index": self.index,
            "param": self.param,
            "new_param": self.new_param,
            "action": self.action,
            "old": self.old,
            "new": self.new,
        }
