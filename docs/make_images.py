"""Make the README's pictures: run the demo, keep a few figures, shrink them.

    python docs/make_images.py

Needs the ``plot`` extra (matplotlib, which brings Pillow). The figures are
re-encoded with a palette of 128 colours, which keeps each under 100 KB.
"""

import contextlib
import io
import tempfile
from pathlib import Path

from PIL import Image

from sk_imagequant._demo import main

FIGURES = ["kmeans.png", "optimal.png", "histogram_centres.png", "rate_distortion.png"]
IMAGES = Path(__file__).resolve().parent / "images"

with tempfile.TemporaryDirectory() as folder:
    with contextlib.redirect_stdout(io.StringIO()):
        status = main(["demo", "--output", folder])
    if status != 0:
        raise SystemExit(status)
    IMAGES.mkdir(exist_ok=True)
    for name in FIGURES:
        figure = Image.open(Path(folder) / name).convert("RGB")
        palette = figure.quantize(colors=128, dither=Image.Dither.NONE)
        palette.save(IMAGES / name, optimize=True)
        print(f"{IMAGES / name}: {(IMAGES / name).stat().st_size} bytes")

# ColorQuantizer: china.jpg at 64 colours, its rendering and its palette.
import matplotlib  # noqa: E402

matplotlib.use("Agg")
from sklearn.datasets import load_sample_image  # noqa: E402

from sk_imagequant import ColorQuantizer  # noqa: E402
from sk_imagequant.plot import PaletteDisplay  # noqa: E402

china = load_sample_image("china.jpg")
display = PaletteDisplay.from_estimator(ColorQuantizer(n_colors=64).fit(china), china)
with tempfile.TemporaryDirectory() as folder:
    display.figure_.savefig(Path(folder) / "colour.png", dpi=80)
    figure = Image.open(Path(folder) / "colour.png").convert("RGB")
    figure.quantize(colors=128, dither=Image.Dither.NONE).save(
        IMAGES / "colour_palette.png", optimize=True
    )
colour = IMAGES / "colour_palette.png"
print(f"{colour}: {colour.stat().st_size} bytes")
