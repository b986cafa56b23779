"""A sweep of ImageQuantizer against KBinsDiscretizer on random columns.

For each seed, 1500 random columns (whole grey levels, skewed levels, small
integers, decimals, 12-bit levels; 5 to 3000 values; 2 to 64 bins; 30% with
sample weights of one decimal) are fitted by both, on every value
(``subsample=None``). Counts the k-means fits whose squared error (bins
decoded to their means) is above ``KBinsDiscretizer``'s, and the unweighted
quantile fits whose edges differ from its at all.
Run: ``python benchmarks/sweep_kbins.py [--seeds 8] [--columns 1500]``.

``--distinct N`` sweeps instead N random float images of 2,000 to 300,000
pixels, nearly every value distinct and some closer than 1e-8 (where the
k-means guarantee is measured only), at 2 to 1000 bins: it counts the
k-means fits worse than ``KBinsDiscretizer`` and prints the largest error
ratio and the ratio of the total fit times.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.preprocessing import KBinsDiscretizer

from sk_imagequant import ImageQuantizer
from sk_imagequant._histogram import value_counts
from sk_imagequant._kmeans import squared_error


def column(rng):
    kind = rng.integers(6)
    n = int(rng.integers(5, 3000))
    if kind == 0:
        return rng.integers(0, 256, n)
    if kind == 1:
        return np.clip(rng.exponential(20, n), 0, 255).astype(int)
    if kind == 2:
        return rng.integers(-5, 12, n)
    if kind == 3:
        return np.round(rng.normal(0, 1, n), 1)
    if kind == 4:
        return rng.choice([0.1, 0.2, 0.3, 0.4, 0.6, 1.1, -0.4, 0.7], n)
    return rng.integers(0, 4096, n)


def sweep(seed, n_columns):
    rng = np.random.default_rng(seed)
    counts = dict(kmeans=0, kmeans_worse=0, quantile=0, quantile_differ=0)
    for _ in range(n_columns):
        values = column(rng)
        data = values.reshape(-1, 1)
        floats = data.astype(np.float64)
        n_bins = int(rng.integers(2, min(65, values.size) + 1))
        weights = None
        if rng.random() < 0.3:
            weights = np.round(rng.uniform(0.1, 3, values.size), 1)
        if np.unique(values).size < 2:
            continue
        reference = KBinsDiscretizer(
            n_bins, encode="ordinal", strategy="kmeans", subsample=None
        )
        try:
            reference.fit(floats, sample_weight=weights)
        except ValueError:  # KMeans wants at least n_bins values
            continue
        ours = ImageQuantizer(n_bins, subsample=None).fit(data, sample_weight=weights)
        levels, level_weights = value_counts(floats.ravel(), weights)
        error = squared_error(levels, level_weights, ours.bin_edges_[0])
        theirs = squared_error(levels, level_weights, reference.bin_edges_[0])
        counts["kmeans"] += 1
        counts["kmeans_worse"] += error > theirs * (1 + 1e-12) + 1e-12
        if weights is None:
            reference = KBinsDiscretizer(
                n_bins,
                encode="ordinal",
                strategy="quantile",
                quantile_method="averaged_inverted_cdf",
                subsample=None,
            ).fit(floats)
            ours = ImageQuantizer(n_bins, strategy="quantile", subsample=None).fit(data)
            counts["quantile"] += 1
            counts["quantile_differ"] += not np.array_equal(
                ours.bin_edges_[0], reference.bin_edges_[0]
            )
    return counts


def distinct_image(rng):
    """A float image, nearly every value its own, some closer than 1e-8."""
    n = int(np.exp(rng.uniform(np.log(2_000), np.log(300_000))))
    kind = rng.integers(4)
    if kind == 0:
        values = rng.normal(0.5, 0.2, n)
    elif kind == 1:
        values = rng.uniform(-1.0, 1.0, n) * 1000
    elif kind == 2:  # clusters
        values = rng.choice(rng.uniform(0, 1, 12), n) + rng.normal(0, 0.01, n)
    else:  # a few grey levels plus noise, as a denoised photo
        values = rng.integers(0, 256, n) / 255 + rng.normal(0, 0.004, n)
    return values.reshape(-1, 1)


def sweep_distinct(n_images):
    rng = np.random.default_rng(0)
    worse, worst, ours_time, theirs_time, fits = 0, 0.0, 0.0, 0.0, 0
    for _ in range(n_images):
        data = distinct_image(rng)
        levels, counts = value_counts(data.ravel())
        if np.min(np.diff(levels)) >= 1e-8:
            continue
        n_bins = int(np.exp(rng.uniform(np.log(2), np.log(1000))))
        start = time.perf_counter()
        reference = KBinsDiscretizer(
            n_bins, encode="ordinal", strategy="kmeans", subsample=None
        ).fit(data)
        theirs_time += time.perf_counter() - start
        start = time.perf_counter()
        ours = ImageQuantizer(n_bins, subsample=None).fit(data)
        ours_time += time.perf_counter() - start
        ratio = squared_error(levels, counts, ours.bin_edges_[0]) / squared_error(
            levels, counts, reference.bin_edges_[0]
        )
        fits += 1
        worse += ratio > 1 + 1e-12
        worst = max(worst, ratio)
    print(
        f"distinct floats, k-means: {worse} of {fits} fits worse than "
        f"KBinsDiscretizer, largest error ratio {worst:.4f}; "
        f"KBinsDiscretizer's total fit time / ours: {theirs_time / ours_time:.1f}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--columns", type=int, default=1500)
    parser.add_argument("--distinct", type=int, default=0, metavar="N")
    args = parser.parse_args(argv)
    if args.distinct:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sweep_distinct(args.distinct)
        return
    total = dict(kmeans=0, kmeans_worse=0, quantile=0, quantile_differ=0)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # merged bins, KMeans' convergence
        for seed in range(args.seeds):
            for key, value in sweep(seed, args.columns).items():
                total[key] += value
    print(
        f"k-means: {total['kmeans_worse']} of {total['kmeans']} fits worse than "
        f"KBinsDiscretizer; quantile: {total['quantile_differ']} of "
        f"{total['quantile']} fits with other edges "
        f"({args.seeds} seeds, {time.perf_counter() - start:.0f} s)"
    )


if __name__ == "__main__":
    main()
