"""Draw the icons of the web app manifest into fablab/static/icons (the PNGs are committed).

A white nut (a hexagon with a hole: a fab lab makes things) on the theme's jade green.
`python scripts/make_icons.py` needs Pillow (already a runtime dependency).
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

JADE = (0, 122, 80, 255)
WHITE = (255, 255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "fablab" / "static" / "icons"
SCALE = 4  # draw large, then shrink: smooth edges without anti-aliasing primitives


def hexagon(cx: float, cy: float, radius: float) -> list[tuple[float, float]]:
    angles = [math.radians(60 * k + 30) for k in range(6)]
    return [(cx + radius * math.cos(a), cy + radius * math.sin(a)) for a in angles]


def draw_icon(size: int, *, full_bleed: bool, content: float) -> Image.Image:
    """``content``: the part of the icon the nut spans (maskable icons keep it in the safe zone)."""
    big = size * SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if full_bleed:
        draw.rectangle((0, 0, big, big), fill=JADE)
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.2, fill=JADE)
    centre = big / 2
    outer = big * content / 2
    draw.polygon(hexagon(centre, centre, outer), fill=WHITE)
    hole = outer * 0.45
    draw.ellipse((centre - hole, centre - hole, centre + hole, centre + hole), fill=JADE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    draw_icon(192, full_bleed=False, content=0.62).save(OUT / "icon-192.png", optimize=True)
    draw_icon(512, full_bleed=False, content=0.62).save(OUT / "icon-512.png", optimize=True)
    # Maskable: the launcher crops to its own shape; keep the nut inside the central 80 % circle.
    draw_icon(512, full_bleed=True, content=0.5).save(OUT / "icon-maskable-512.png", optimize=True)
    # iOS draws its own rounded corners and shows transparency as black: full bleed, no alpha.
    apple = draw_icon(180, full_bleed=True, content=0.55).convert("RGB")
    apple.save(OUT / "apple-touch-icon.png", optimize=True)
    print(f"icons written to {OUT}")


if __name__ == "__main__":
    main()
