"""Configuration presets shipped with wikisync (``wikisync init`` writes one)."""

from __future__ import annotations

from importlib import resources

#: The presets shipped with the package.
PRESETS: tuple[str, ...] = ("fabmob",)


def load_preset(name: str = "fabmob") -> str:
    """Return the TOML text of a shipped preset.

    Args:
        name: the preset's name, one of :data:`PRESETS`.

    Returns:
        The preset's ``wikisync.toml`` text, ready to write or to parse.

    Raises:
        ValueError: no preset has that name.
    """
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; expected one of {', '.join(PRESETS)}")
    return resources.files(__package__).joinpath(f"{name}.toml").read_text(encoding="utf-8")
