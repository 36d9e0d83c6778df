"""Training presets by name ("full", "quick", "tiny", ...): the one chooser every task's config uses."""

from __future__ import annotations


def pick_preset(presets: dict, name: str):
    """presets[name], or a ValueError naming the choices."""
    if name not in presets:
        raise ValueError(f"unknown preset {name!r}; choose one of {sorted(presets)}")
    return presets[name]
