"""The price search of ``strategy="optimal"`` against the dynamic programme's layers.

From 8 bins on more than 768 levels (3 to 5 on 8192 levels or more) the
optimal partition is found by a Lagrangian search (a price per bin) rather
than by filling ``n_bins`` layers. Both are exact; this sweep checks, with
the search forced whatever the number of bins, that the search's error is
never above the layers' on random histograms: integer levels over 16 bits,
normal and exponential floats, equally spaced levels (where the error is
linear in the number of bins and the search splices), clustered levels,
rounded decimals; unit, integer, fractional and heavy-tailed counts; 3 to
2000 bins. Prints how many were worse (beyond a relative 1e-9) and how often
the search did not settle and the layers were filled instead.

Run: ``python benchmarks/sweep_optimal.py`` (about 5 minutes on 2 cores;
``--cases 100`` for a shorter sweep).
"""

import argparse
from unittest import mock

import numpy as np

from sk_imagequant import _optimal


def histogram(rng, trial):
    n = int(rng.integers(800, 20000))
    kind = trial % 6
    if kind == 0:
        levels = np.unique(rng.integers(0, 65536, n)).astype(float)
    elif kind == 1:
        levels = np.unique(rng.normal(0, 1, n))
    elif kind == 2:
        levels = np.arange(n, dtype=float)
    elif kind == 3:
        levels = np.unique(np.round(rng.exponential(3000, n)))
    elif kind == 4:
        centres = rng.uniform(0, 60000, 5)
        levels = np.unique(
            np.concatenate([rng.normal(c, 30, n // 5) for c in centres]).round()
        )
    else:
        levels = np.unique(rng.uniform(0, 1, n).round(6))
    n = levels.size
    weights = trial % 4
    if weights == 0:
        counts = np.ones(n)
    elif weights == 1:
        counts = rng.integers(1, 1000, n).astype(float)
    elif weights == 2:
        counts = rng.uniform(0.01, 5, n)
    else:
        counts = np.maximum(1, np.round(rng.pareto(1.0, n) * 10))
    return levels, counts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=600)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(11)
    search = _optimal._search
    unsettled = []
    current = {}

    def counted(sums, n_bins, penalty):
        starts, last = search(sums, n_bins, penalty)
        # The search on every level, not the first one on every eighth.
        if starts is None and sums.shape[1] - 1 == current["levels"]:
            unsettled.append(n_bins)
        return starts, last

    fits = worse = fallbacks = 0
    for trial in range(args.cases):
        levels, counts = histogram(rng, trial)
        n_bins = int(
            rng.choice([3, 4, 6, 8, 9, 16, 31, 64, 100, 255, 256, 500, 1000, 2000])
        )
        if n_bins >= levels.size or _optimal._use_dense(levels.size, n_bins):
            continue
        sums = _optimal._prefix_sums(levels, counts)
        current["levels"] = levels.size
        before = len(unsettled)
        # The search whatever the number of bins and levels.
        with (
            mock.patch.object(_optimal, "_search", side_effect=counted),
            mock.patch.object(_optimal, "_PENALIZED_BINS", 2),
        ):
            searched = _optimal.optimal_bin_starts(levels, counts, n_bins)
        with mock.patch.object(_optimal, "_PENALIZED_BINS", 1 << 30):
            layers = _optimal.optimal_bin_starts(levels, counts, n_bins)
        ours = _optimal._partition_error(sums, searched)
        reference = _optimal._partition_error(sums, layers)
        fits += 1
        fallbacks += len(unsettled) > before
        if ours > reference * (1 + 1e-9):
            worse += 1
            ratio = ours / reference
            print(f"worse: case {trial}, {levels.size} levels, {n_bins} bins, {ratio}")
    print(
        f"{worse} of {fits} searched partitions worse than the layers'; "
        f"the search did not settle (layers filled instead) on {fallbacks}"
    )


if __name__ == "__main__":
    main()
