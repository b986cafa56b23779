"""The exactly optimal quantiser kernel: time and error against k-means and ckwrap.

Prints a markdown table for (a) the raccoon face at 4, 8 and 16 bins, (b) a
synthetic 12-bit image (2048 x 2048, all 4096 levels occur) at 256 bins and
(c) a synthetic 16-bit image with about 50,000 distinct levels at 256 bins:

- ``optimal_bin_edges`` on the image's histogram (best of several runs; one
  run for (c)) and its mean squared error per pixel, each pixel decoded to
  its bin's mean;
- k-means: ``refine_kmeans`` on the histogram from uniform edges, and
  ``ImageQuantizer(strategy="kmeans").fit`` on the image where it runs;
- ``ImageQuantizer(strategy="optimal").fit`` once the estimator offers it;
- ``ckwrap.ckmeans`` (Ckmeans.1d.dp) where it is installed: on every pixel
  of the face (its natural use) and on the weighted levels of each image.

Run: ``python benchmarks/bench_optimal.py``.
"""

import platform
import sys
import time
import warnings

import numpy as np

from sk_imagequant._histogram import level_counts
from sk_imagequant._kmeans import refine_kmeans, squared_error
from sk_imagequant._optimal import optimal_bin_edges
from sk_imagequant.datasets import load_face

try:
    import ckwrap
except ImportError:  # a benchmark-only reference
    ckwrap = None


def best_time(function, repeat):
    """Shortest wall time of ``repeat`` calls of ``function()``, and its result."""
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def synthetic(n_levels, spread=1.0, seed=0, side=2048):
    """A smooth image plus noise, rounded to integers in ``0..n_levels - 1``.

    The smooth part covers ``spread`` of the range, centred, and the noise
    has a standard deviation of 2 % of that.
    """
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:side, 0:side] / side
    smooth = 0.6 * x + 0.4 * y + 0.25 * np.sin(9 * x) * np.cos(7 * y)
    smooth = (smooth - smooth.min()) / (smooth.max() - smooth.min())
    scale = spread * (n_levels - 1)
    image = (smooth - 0.5) * scale + 0.5 * (n_levels - 1)
    image += rng.normal(0, 0.02 * scale, image.shape)
    return np.clip(np.round(image), 0, n_levels - 1).astype(np.uint16)


def ckwrap_edges(values, n_bins, weights=None):
    """Edges halfway between the clusters ``ckwrap.ckmeans`` finds."""
    result = ckwrap.ckmeans(values, n_bins, weights=weights)
    lows = np.array([values[result.labels == k].min() for k in range(n_bins)])
    highs = np.array([values[result.labels == k].max() for k in range(n_bins)])
    order = np.argsort(lows)
    lows, highs = lows[order], highs[order]
    return np.r_[lows[0], 0.5 * (highs[:-1] + lows[1:]), highs[-1]]


def fit_time(image, n_bins, strategy, repeat):
    """Best fit time of ``ImageQuantizer``, or why it is not available."""
    from sk_imagequant import ImageQuantizer

    quantizer = ImageQuantizer(n_bins=n_bins, strategy=strategy)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            seconds, _ = best_time(lambda: quantizer.fit(image), repeat)
    except (ValueError, TypeError) as error:  # e.g. a strategy not offered yet
        return f"n/a ({type(error).__name__})"
    return f"{seconds * 1e3:.1f} ms"


def milliseconds(seconds):
    return f"{seconds * 1e3:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


def row(name, image, n_bins, repeat, pixels_ckwrap=False):
    levels, counts = level_counts(image.ravel())
    n_pixels = counts.sum()
    seconds, edges = best_time(lambda: optimal_bin_edges(levels, counts, n_bins), repeat)
    optimal = squared_error(levels, counts, edges) / n_pixels
    uniform = np.linspace(levels[0], levels[-1], n_bins + 1)
    kmeans_seconds, kmeans_edges = best_time(
        lambda: refine_kmeans(levels, counts, uniform), repeat
    )
    kmeans = squared_error(levels, counts, kmeans_edges) / n_pixels
    fit_repeat = max(1, min(repeat, 3))
    fit_kmeans = fit_time(image, n_bins, "kmeans", fit_repeat)
    fit_optimal = fit_time(image, n_bins, "optimal", fit_repeat)
    if ckwrap is None:
        ck = "not installed"
    else:
        ck_seconds, ck_edges = best_time(
            lambda: ckwrap_edges(levels, n_bins, weights=counts), fit_repeat
        )
        ck_error = squared_error(levels, counts, ck_edges) / n_pixels
        ck = f"{milliseconds(ck_seconds)}, {ck_error:.6g}"
        if pixels_ckwrap:
            values = image.ravel().astype(np.float64)
            ck_seconds, result = best_time(lambda: ckwrap.ckmeans(values, n_bins), 1)
            ck_error = result.withinss.sum() / n_pixels
            ck += f"; all pixels {milliseconds(ck_seconds)}, {ck_error:.6g}"
    print(
        f"| {name} | {levels.size} | {n_bins} | {milliseconds(seconds)} | {optimal:.6g} | "
        f"{milliseconds(kmeans_seconds)}, {kmeans:.6g} | {fit_kmeans} | {fit_optimal} | "
        f"{ck} |",
        flush=True,
    )


def main():
    print(f"`{' '.join([sys.executable, *sys.argv])}`")
    print(
        f"{platform.platform()}, {platform.machine()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, ckwrap "
        f"{getattr(ckwrap, '__version__', 'installed') if ckwrap else 'not installed'}"
    )
    print()
    face = load_face()
    seconds, _ = best_time(lambda: level_counts(face.ravel()), 20)  # for context
    print(
        f"Histogram of the face {face.shape} {face.dtype} (level_counts): "
        f"{seconds * 1e3:.2f} ms"
    )
    print()
    print(
        "Time of the optimal kernel on the histogram (best of 20, of 3 for the 12-bit "
        "image, one run for the 16-bit one) and MSE per pixel, each pixel decoded to "
        "its bin's mean; k-means: refine_kmeans on the histogram from uniform edges, "
        "and ImageQuantizer fit (best of 3); ckwrap.ckmeans on the weighted levels "
        "(and on every pixel of the face): time, MSE."
    )
    print()
    print(
        "| image | levels | bins | optimal | optimal MSE | refine_kmeans: time, MSE | "
        'fit "kmeans" | fit "optimal" | ckwrap: time, MSE |'
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for n_bins in (4, 8, 16):
        row("face, uint8", face, n_bins, repeat=20, pixels_ckwrap=True)
    row("12-bit 2048x2048", synthetic(1 << 12), 256, repeat=3)
    row("16-bit 2048x2048", synthetic(1 << 16, spread=0.7, seed=1), 256, repeat=1)


if __name__ == "__main__":
    main()
