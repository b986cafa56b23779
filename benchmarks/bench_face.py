"""ImageQuantizer against KBinsDiscretizer on the raccoon face, in one process.

Prints, for each strategy at 8 bins, how many times faster ImageQuantizer is
than ``KBinsDiscretizer(encode="ordinal", subsample=None)`` fitted on every
pixel, for fit, transform and inverse_transform (best of several runs each),
and the bytes each output takes. Run: ``python benchmarks/bench_face.py``.
"""

import time
import warnings

import numpy as np
from sklearn.preprocessing import KBinsDiscretizer

from sk_imagequant import ImageQuantizer
from sk_imagequant.datasets import load_face


def best_time(method, argument, repeat=7):
    """Shortest wall time of ``repeat`` calls ``method(argument)``, and the result."""
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        result = method(argument)
        best = min(best, time.perf_counter() - start)
    return best, result


def main(n_bins=8):
    face = load_face()
    column = face.reshape(-1, 1)
    print(f"face {face.shape} {face.dtype}, {n_bins} bins; ratio = KBinsDiscretizer / ours")
    print(
        "| strategy | fit | transform | inverse_transform | codes bytes (ours / theirs) |"
    )
    print("| --- | --- | --- | --- | --- |")
    for strategy in ("uniform", "quantile", "kmeans"):
        theirs = KBinsDiscretizer(
            n_bins=n_bins,
            encode="ordinal",
            strategy=strategy,
            quantile_method="averaged_inverted_cdf",
            subsample=None,
        )
        ours = ImageQuantizer(n_bins=n_bins, strategy=strategy)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # KMeans' convergence chatter
            fit_theirs, _ = best_time(theirs.fit, column, repeat=3)
        fit_ours, _ = best_time(ours.fit, face)
        encode_theirs, codes_theirs = best_time(theirs.transform, column)
        encode_ours, codes = best_time(ours.transform, face)
        decode_theirs, _ = best_time(theirs.inverse_transform, codes_theirs)
        decode_ours, _ = best_time(ours.inverse_transform, codes)
        print(
            f"| {strategy} | {fit_theirs / fit_ours:.1f}x | "
            f"{encode_theirs / encode_ours:.1f}x | {decode_theirs / decode_ours:.1f}x | "
            f"{codes.nbytes} / {codes_theirs.nbytes} |"
        )


if __name__ == "__main__":
    main()
