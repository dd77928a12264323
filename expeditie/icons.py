"""The app's icons as PNG, drawn from its own SVGs: `python -m expeditie.icons` (`make icons`).

static/icons/pitstop.svg (rounded, for "any") and pitstop-maskable.svg (the green fills the
square, the drawing keeps to the safe circle) are the sources; Chromium draws each at 192 and
512 pixels, the sizes the web app manifest names (expeditie/offline.py), and Pillow checks the
result. Run it after changing an SVG and commit the PNGs with it: the app never draws them.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
from pathlib import Path

from PIL import Image

ICONS = Path(__file__).resolve().parent.parent / "static" / "icons"
SIZES = (192, 512)
SOURCES = {"pitstop": "pitstop.svg", "pitstop-maskable": "pitstop-maskable.svg"}


def render(svg: str, size: int, page) -> bytes:
    page.set_viewport_size({"width": size, "height": size})
    page.set_content(
        "<!doctype html><style>html,body{margin:0;background:transparent}"
        f"svg{{display:block;width:{size}px;height:{size}px}}</style>{svg}"
    )
    return page.screenshot(
        omit_background=True, clip={"x": 0, "y": 0, "width": size, "height": size}
    )


def main() -> None:
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if chromium is None:
        sys.exit("Chromium is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page()
        for stem, source in SOURCES.items():
            svg = (ICONS / source).read_text(encoding="utf-8")
            for size in SIZES:
                image = Image.open(io.BytesIO(render(svg, size, page)))
                if image.size != (size, size):
                    sys.exit(f"{source} came out {image.size}, not {size}x{size}")
                target = ICONS / f"{stem}-{size}.png"
                image.save(target, optimize=True)
                print(f"{target.relative_to(ICONS.parent.parent)} {size}x{size}")
        browser.close()


if __name__ == "__main__":
    main()
