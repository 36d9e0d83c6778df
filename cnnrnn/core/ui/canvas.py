"""A square to draw on (the drawable-canvas component): white strokes on black, read back as an RGBA array."""

from __future__ import annotations

import numpy as np

EMPTY_BELOW = 32  # a canvas whose brightest pixel is darker than this (0-255) has nothing drawn on it


def drawing_canvas(key: str, stroke_width: int = 18, size: int = 280) -> np.ndarray | None:
    """A black square to draw on in white; returns its (size, size, 4) uint8 RGBA array, or None while it is empty."""
    # Imported here, not at the top: the component registers itself on import, which fails
    # outside a Streamlit run (the page's other modes, the tests and the command line never need it).
    from streamlit_drawable_canvas import st_canvas

    result = st_canvas(
        stroke_width=stroke_width,
        stroke_color="#FFFFFF",
        background_color="#000000",
        height=size,
        width=size,
        drawing_mode="freedraw",
        key=key,
        return_image_data=True,
    )
    image = result.image_data
    if image is None or image[..., :3].max() < EMPTY_BELOW:
        return None
    return image
