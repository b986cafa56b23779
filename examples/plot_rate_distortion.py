"""
Rate and distortion of the four strategies
==========================================

How much error does each strategy leave for a given number of bits a pixel?
Here the raccoon face is quantised to 2 to 64 grey levels with each of
:class:`~sk_imagequant.ImageQuantizer`'s strategies, decoding each code either
to the middle of its bin (``centers="midpoint"``, as
:class:`~sklearn.preprocessing.KBinsDiscretizer` does) or to the mean of its
pixels (``centers="centroid"``), and the peak signal-to-noise ratio
(:meth:`~sk_imagequant.ImageQuantizer.score`) is plotted against the rate.
"""

# %%
# The sweep
# ---------
# Each fit uses every pixel of the face (through its histogram) and takes a
# millisecond or two, so all 504 quantisers take a few seconds. The rate is
# ``log2(n_bins)`` bits a pixel, what an ideal fixed-length code would spend;
# :func:`~sk_imagequant.pack_codes` rounds it up to whole bits.
import matplotlib.pyplot as plt
import numpy as np

from sk_imagequant import ImageQuantizer
from sk_imagequant.datasets import load_face

face = load_face()
n_bins = np.arange(2, 65)
bits = np.log2(n_bins)
strategies = ["uniform", "quantile", "kmeans", "optimal"]
psnr = {
    (strategy, centers): np.array(
        [
            ImageQuantizer(n, strategy=strategy, centers=centers).fit(face).score(face)
            for n in n_bins
        ]
    )
    for strategy in strategies
    for centers in ("midpoint", "centroid")
}

# %%
# The PSNR at 4, 8 and 16 grey levels, in dB.
print(f"{'n_bins':>6} {'strategy':<9} {'midpoint':>9} {'centroid':>9}")
for n in (4, 8, 16):
    for strategy in strategies:
        midpoint, centroid = (psnr[strategy, c][n - 2] for c in ("midpoint", "centroid"))
        print(f"{n:>6} {strategy:<9} {midpoint:>9.2f} {centroid:>9.2f}")

# %%
# Rate against distortion
# -----------------------
# Every curve climbs about 6 dB a bit, the rule of thumb for quantisers. Each
# solid curve (centroids) lies above the dashed one of its strategy
# (midpoints): for the same bins, decoding to their means never adds error.
# ``optimal`` with centroids is the least error any set of grey levels reaches,
# so no curve rises above it; with midpoints it gives part of that away, since
# its bins are chosen for their means. ``quantile`` spends bins on equal counts
# of pixels, not on error.
fig, ax = plt.subplots(figsize=(8, 5), layout="constrained")
for strategy, colour in zip(strategies, plt.cm.tab10.colors, strict=False):
    for centers, style in (("centroid", "-"), ("midpoint", "--")):
        ax.plot(
            bits,
            psnr[strategy, centers],
            linestyle=style,
            color=colour,
            label=f"{strategy}, {centers}",
        )


def label_axes(ax, ylabel, title):
    """Rate on the x axis, in bits and in levels; a grid and a legend."""
    ticks = [2, 4, 8, 16, 32, 64]
    ax.set_xticks(np.log2(ticks), [f"{np.log2(t):g}\n({t} levels)" for t in ticks])
    ax.set_xlabel("bits a pixel, log2(n_bins)")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(ncols=2)
    ax.set_title(title)


label_axes(ax, "PSNR (dB)", "The raccoon face: distortion against rate")

# %%
# The gap to the optimum
# ----------------------
# The curves crowd together; their distance below ``optimal`` with centroids
# tells them apart. ``kmeans`` with centroids is within a tenth of a dB of it up
# to 8 levels, but with many levels its iterations, started from uniform bins,
# barely move them, and it ends about as far below as ``uniform``.
# ``quantile`` falls further behind as the levels grow. Below 14 levels,
# ``optimal`` with midpoints does worse than ``kmeans`` with midpoints.
best = psnr["optimal", "centroid"]
fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
for strategy, colour in zip(strategies, plt.cm.tab10.colors, strict=False):
    for centers, style in (("centroid", "-"), ("midpoint", "--")):
        gap = best - psnr[strategy, centers]
        ax.plot(bits, gap, linestyle=style, color=colour, label=f"{strategy}, {centers}")
label_axes(ax, "dB below optimal, centroid", "Distance to the least error")

plt.show()
