"""Fits with many bins: ImageQuantizer against KBinsDiscretizer, on the same pixels.

At 1000 bins (``--n-bins``) on an 8-bit image (scikit-image's camera,
512 x 512), a 16-bit one (the camera spread over 16 bits with a little noise:
49,410 distinct levels) and two float ones (the first 29 faces of
scikit-image's ``lfw_subset``; the camera over [0, 1] plus Gaussian noise,
every value distinct), prints the fit time of each strategy, the
time of ``KBinsDiscretizer(encode="ordinal", subsample=None)`` fitted on
every pixel (its k-means for 'optimal', which it lacks), their ratio
(greater than 1: ours is faster) and the squared error of each, decoded to
the bins' means. Run: ``python benchmarks/bench_many_bins.py``; ``--quick``
runs on an eighth of each image; ``--ratios --n-bins 2 8 64 256 1000``
prints one table of the time ratios only, best of 3 fits each;
and, where ``ckwrap`` is installed (the ``bench`` extra), a row for
Ckmeans.1d.dp's C++ on the weighted levels, one run, against the same
k-means time; ``--n-bins 8 64 256`` prints a table for
each number of bins; ``--image uint16`` keeps the images whose name holds it.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.preprocessing import KBinsDiscretizer

from sk_imagequant import ImageQuantizer
from sk_imagequant._histogram import value_counts
from sk_imagequant._kmeans import squared_error

try:
    import ckwrap
except ImportError:  # a benchmark-only reference (LGPL)
    ckwrap = None

# ckwrap's time grows as bins x levels: beyond this product it is not run.
CKWRAP_WORK = 1e8


def images(quick):
    from skimage import data

    camera = data.camera()
    rng = np.random.default_rng(0)
    wide = camera.astype(np.uint16) * 256 + rng.integers(0, 256, camera.shape).astype(
        np.uint16
    )
    faces = data.lfw_subset()[:29]
    # Every value distinct: the histogram compresses nothing.
    noisy = camera / 255.0 + rng.normal(0.0, 0.01, camera.shape)
    found = {
        "uint8 camera": camera,
        "uint16 camera": wide,
        "float lfw_subset[:29]": faces,
        "float camera + noise": noisy,
    }
    if quick:
        found = {name: image[: image.shape[0] // 8] for name, image in found.items()}
    return found


def seconds(function, *args, **kwargs):
    start = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-bins", type=int, nargs="+", default=[1000])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--image", default="", help="keep the images whose name holds it")
    parser.add_argument(
        "--ratios",
        action="store_true",
        help="one table of time ratios (best of 3 fits each), a column per n_bins",
    )
    args = parser.parse_args(argv)
    found = {
        name: image for name, image in images(args.quick).items() if args.image in name
    }
    if args.ratios:
        ratios(found, args.n_bins)
        return
    for n_bins in args.n_bins:
        table(found, n_bins)


def ratios(found, bins, repeat=3):
    """KBinsDiscretizer's fit time / ours, best of ``repeat`` fits each."""
    print(
        "\nKBinsDiscretizer's fit time / ours (best of 3 each; its k-means for "
        "'optimal'); above 1: ours is faster"
    )
    print("| image | levels | strategy | " + " | ".join(f"{n} bins" for n in bins) + " |")
    print("| --- | ---: | --- |" + " ---: |" * len(bins))
    for name, image in found.items():
        column = image.reshape(-1, 1).astype(np.float64)
        levels, counts = value_counts(column.ravel())
        n_levels = levels.size
        rows = {strategy: [] for strategy in ("quantile", "kmeans", "optimal")}
        exact_cpp = []  # Ckmeans.1d.dp's C++ on the weighted levels, one run
        for n_bins in bins:
            theirs = {}
            for strategy in ("quantile", "kmeans"):
                reference = KBinsDiscretizer(
                    n_bins,
                    encode="ordinal",
                    strategy=strategy,
                    quantile_method="averaged_inverted_cdf",
                    subsample=None,
                )
                theirs[strategy] = best_of(repeat, reference.fit, column)
            theirs["optimal"] = theirs["kmeans"]
            for strategy, row in rows.items():
                quantizer = ImageQuantizer(n_bins, strategy=strategy, subsample=None)
                row.append(theirs[strategy] / best_of(repeat, quantizer.fit, image))
            if ckwrap is None or n_bins >= n_levels or n_bins * n_levels > CKWRAP_WORK:
                exact_cpp.append(None)
            else:
                run = best_of(1, ckwrap.ckmeans, levels, n_bins, counts)
                exact_cpp.append(theirs["kmeans"] / run)
        for strategy, row in rows.items():
            cells = " | ".join(f"{ratio:.1f}" for ratio in row)
            print(f"| {name} | {n_levels} | {strategy} | {cells} |")
        if any(ratio is not None for ratio in exact_cpp):
            cells = " | ".join("-" if r is None else f"{r:.1f}" for r in exact_cpp)
            print(f"| {name} | {n_levels} | ckwrap (C++ optimal) | {cells} |")


def best_of(repeat, function, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # merged bins, convergence
        return min(seconds(function, *args) for _ in range(repeat))


def table(found, n_bins):
    print(f"\n{n_bins} bins; ratio = KBinsDiscretizer's fit time / ours (one fit each)")
    print(
        "| image | pixels | levels | strategy | ours ms | KBinsDiscretizer ms | ratio "
        "| error ours / KBinsDiscretizer |"
    )
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    for name, image in found.items():
        column = image.reshape(-1, 1).astype(np.float64)
        levels, counts = value_counts(column.ravel())
        kmeans = {}  # KBinsDiscretizer's k-means, the reference for 'optimal' too
        for strategy in ("uniform", "quantile", "kmeans", "optimal"):
            quantizer = ImageQuantizer(n_bins, strategy=strategy, subsample=None)
            reference = KBinsDiscretizer(
                n_bins,
                encode="ordinal",
                strategy="kmeans" if strategy == "optimal" else strategy,
                quantile_method="averaged_inverted_cdf",
                subsample=None,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # merged bins, convergence
                ours = seconds(quantizer.fit, image)
                if strategy == "optimal":
                    theirs, edges = kmeans["seconds"], kmeans["edges"]
                else:
                    theirs = seconds(reference.fit, column)
                    edges = reference.bin_edges_[0]
            if strategy == "kmeans":
                kmeans.update(seconds=theirs, edges=edges)
            ours_error = squared_error(levels, counts, quantizer.bin_edges_[0])
            theirs_error = squared_error(levels, counts, edges)
            error = (
                f"{ours_error / theirs_error:.4f}"
                if theirs_error
                else f"{ours_error:g} / 0"
            )
            print(
                f"| {name} | {image.size} | {levels.size} | {strategy} | {1e3 * ours:.1f} "
                f"| {1e3 * theirs:.1f} | {theirs / ours:.1f} | {error} |"
            )


if __name__ == "__main__":
    main()
