"""
Colour quantisation: scikit-learn's recipe and ColorQuantizer
=============================================================

scikit-learn's gallery example "Color Quantization using K-Means" reduces the
Summer Palace photo (china.jpg, 96 615 distinct colours) to 64 colours: it
fits :class:`~sklearn.cluster.KMeans` on 1000 random pixels, then
``predict`` gives every pixel its nearest cluster centre; a random codebook
of 64 pixels is the baseline. Here is the same story with
:class:`~sk_imagequant.ColorQuantizer`, which fits its palette on every pixel
(from the colour histogram) and maps every pixel to its nearest palette
colour exactly, in a fraction of the time KMeans takes on all the pixels.
"""

# %%
# The recipe
# ----------
# As in scikit-learn's example: floats in [0, 1], one row a pixel, KMeans on
# a random sample of 1000 pixels, and a random codebook for comparison.
from time import perf_counter

import matplotlib.pyplot as plt
import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import load_sample_image
from sklearn.metrics import pairwise_distances_argmin
from sklearn.utils import shuffle

from sk_imagequant import ColorQuantizer, pack_codes
from sk_imagequant.plot import PaletteDisplay

n_colors = 64
china = load_sample_image("china.jpg")
height, width, _ = china.shape
image_array = china.reshape(-1, 3) / 255

start = perf_counter()
sample = shuffle(image_array, random_state=0, n_samples=1000)
kmeans = KMeans(n_clusters=n_colors, random_state=0).fit(sample)
labels = kmeans.predict(image_array)
kmeans_seconds = perf_counter() - start

codebook_random = shuffle(image_array, random_state=0, n_samples=n_colors)
labels_random = pairwise_distances_argmin(codebook_random, image_array, axis=0)


def mse(rendering):
    """Mean squared error against the photo, in grey levels (0 to 255)."""
    return np.mean(np.square(rendering.reshape(china.shape) * 255.0 - china))


mse_kmeans = mse(kmeans.cluster_centers_[labels])
mse_random = mse(codebook_random[labels_random])

# %%
# ColorQuantizer
# --------------
# The estimator takes the uint8 image as it is, ``(H, W, 3)``, and gives one
# code a pixel, ``(H, W)`` uint8; the palette is uint8 too.
start = perf_counter()
quantizer = ColorQuantizer(n_colors=n_colors)
codes = quantizer.fit_transform(china)
ours_seconds = perf_counter() - start
rendering = quantizer.inverse_transform(codes)
mse_ours = np.mean(np.square(rendering.astype(np.float64) - china))

print(f"image {china.shape} {china.dtype}; codes {codes.shape} {codes.dtype}")
print(f"palette {quantizer.palette_.shape} {quantizer.palette_.dtype}")
print(f"MSE, random codebook:           {mse_random:7.2f}")
print(f"MSE, KMeans on 1000 pixels:     {mse_kmeans:7.2f}")
print(f"MSE, ColorQuantizer:            {mse_ours:7.2f}")
print(f"PSNR, ColorQuantizer: {quantizer.score(china):.2f} dB")
print(
    f"time (this run): recipe {1000 * kmeans_seconds:.0f} ms, "
    f"ColorQuantizer {1000 * ours_seconds:.0f} ms"
)

# %%
# The codes take 6 bits a pixel once packed: the photo's 819 840 bytes
# become 204 960 bytes of codes and a 192-byte palette.
packed = pack_codes(codes, n_bins=quantizer.n_colors_)
print(f"packed codes: {packed.n_bits} bits a pixel, {packed.nbytes} bytes")

# %%
# The renderings
# --------------
# The random codebook misses the rare colours; KMeans on 1000 pixels bands
# the sky; the palette fitted on every pixel follows it more closely.
fig, axes = plt.subplots(2, 2, figsize=(10, 7.4), layout="constrained")
panels = [
    (china, f"Original ({len(np.unique(image_array, axis=0))} colours)"),
    (rendering, f"ColorQuantizer ({n_colors} colours, MSE {mse_ours:.1f})"),
    (
        kmeans.cluster_centers_[labels].reshape(height, width, 3),
        f"KMeans on 1000 pixels (MSE {mse_kmeans:.1f})",
    ),
    (
        codebook_random[labels_random].reshape(height, width, 3),
        f"Random codebook (MSE {mse_random:.1f})",
    ),
]
for ax, (picture, title) in zip(axes.ravel(), panels, strict=True):
    ax.imshow(picture)
    ax.set_title(title)
    ax.set_axis_off()

# %%
# The palette, and dithering
# --------------------------
# :class:`~sk_imagequant.plot.PaletteDisplay` draws the image, its rendering
# and the palette in code order. At 16 colours the sky bands; with
# ``dither=True`` (Floyd-Steinberg error diffusion, by Pillow) the error of
# each pixel is spread onto its neighbours, which trades the bands for fine
# noise. A dithered pixel's code is no longer its nearest colour.
few = ColorQuantizer(n_colors=16).fit(china)
PaletteDisplay.from_estimator(few, china, label="16 colours, nearest")
dithered = ColorQuantizer(n_colors=16, dither=True).fit(china)
PaletteDisplay.from_estimator(dithered, china, label="16 colours, dithered")

plt.show()
