"""Fits with many bins: ImageQuantizer against KBinsDiscretizer, on the same pixels.

At 1000 bins (``--n-bins``) on an 8-bit image (scikit-image's camera,
512 x 512), a 16-bit one (the camera spread over 16 bits with a little noise:
about 60,000 distinct levels) and two float ones (the first 29 faces of
scikit-image's ``lfw_subset``; the camera over [0, 1] plus Gaussian noise,
every value distinct), prints the fit time of each strategy, the
time of ``KBinsDiscretizer(encode="ordinal", subsample=None)`` fitted on
every pixel (its k-means for 'optimal', which it lacks), their ratio
(greater than 1: ours is faster) and the squared error of each, decoded to
the bins' means. Run: ``python benchmarks/bench_many_bins.py``; ``--quick``
runs on an eighth of each image; ``--n-bins 8 64 256`` prints a table for
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
    args = parser.parse_args(argv)
    found = {
        name: image for name, image in images(args.quick).items() if args.image in name
    }
    for n_bins in args.n_bins:
        table(found, n_bins)


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
