"""How ImageQuantizer's time and memory grow with the image, up to 100 megapixels.

For synthetic uint8 and uint16 grey images of 1, 10 and 100 megapixels (by
default), prints the time per megapixel of ``fit``, ``transform`` and
``inverse_transform`` (best of 3 runs up to 10 MP, of 2 above), and the
peak memory each call allocates, measured with ``tracemalloc`` in a separate,
untimed run. Time that grows linearly with the pixels keeps ms/MP constant.
It ends with one comparison against ``KBinsDiscretizer(encode="ordinal",
subsample=None)`` on the 10 MP uint8 image, measured in the same run.

Run: ``python benchmarks/bench_scaling.py [--sizes 1 10 100] [--n-bins 8]
[--strategy kmeans]``. The 100 MP run needs about 2 GB of memory (the float64
output of ``inverse_transform`` alone takes 800 MB).
"""

import argparse
import gc
import math
import platform
import sys
import time
import tracemalloc
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import KBinsDiscretizer

import sk_imagequant
from sk_imagequant import ImageQuantizer

DTYPES = (np.uint8, np.uint16)

# Rows generated at a time: bounds the temporaries of the synthetic images.
_CHUNK_ROWS = 256

# Sizes up to this many megapixels are timed best of 3; larger ones best of 2.
_REPEAT_UP_TO_MP = 10


def image_shape(megapixels):
    """A square-ish (rows, columns) shape holding about ``megapixels`` million pixels."""
    columns = max(1, round(1000 * math.sqrt(megapixels)))
    rows = max(1, round(megapixels * 1e6 / columns))
    return rows, columns


def synthetic_image(shape, dtype):
    """A deterministic grey image: a smooth 2-D gradient plus uniform noise.

    uint8 takes values 0..255; uint16 spans 4096..50000 (about 46000 levels),
    as a high-dynamic-range microscopy or astronomy frame might. Built in
    chunks of rows, without a full-size float or int64 temporary.
    """
    rows, columns = shape
    if dtype == np.uint8:
        low, ramp, noise = 0, 100, 56  # ramp + ramp + noise - 1 = 255
    else:
        low, ramp, noise = 4096, 20_000, 5905  # 4096 + 2 * 20000 + 5904 = 50000
    rng = np.random.default_rng(0)
    # Each profile is a half sine wave from 0 to ``ramp``: the sum is a smooth hill.
    row_profile = (ramp * np.sin(np.linspace(0, np.pi / 2, rows))).astype(dtype)
    column_profile = (low + ramp * np.sin(np.linspace(0, np.pi, columns))).astype(dtype)
    image = np.empty(shape, dtype=dtype)
    for start in range(0, rows, _CHUNK_ROWS):
        stop = min(start + _CHUNK_ROWS, rows)
        chunk = image[start:stop]
        chunk[...] = rng.integers(0, noise, size=chunk.shape, dtype=dtype)
        chunk += column_profile
        chunk += row_profile[start:stop, np.newaxis]
    return image


def best_time(method, argument, repeat):
    """Shortest wall time of ``repeat`` calls ``method(argument)``, and the result."""
    best = np.inf
    result = None
    for _ in range(repeat):
        result = None  # free the previous result before the next call
        start = time.perf_counter()
        result = method(argument)
        best = min(best, time.perf_counter() - start)
    return best, result


def traced_peak(method, argument):
    """Peak bytes allocated (``tracemalloc``) during ``method(argument)``, and the result.

    Only allocations made during the call count, the result included.
    """
    tracemalloc.start()
    try:
        result = method(argument)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, result


def time_steps(make_estimator, X, repeat):
    """Best times of fit, transform and inverse_transform on ``X``, in seconds."""
    estimator = make_estimator()
    fit, _ = best_time(estimator.fit, X, repeat)
    transform, codes = best_time(estimator.transform, X, repeat)
    inverse, approx = best_time(estimator.inverse_transform, codes, repeat)
    del codes, approx
    gc.collect()
    return {"fit": fit, "transform": transform, "inverse_transform": inverse}


def memory_steps(make_estimator, X):
    """Peak allocations: fit in bytes; transform, inverse_transform per output byte."""
    estimator = make_estimator()
    fit_peak, _ = traced_peak(estimator.fit, X)
    transform_peak, codes = traced_peak(estimator.transform, X)
    inverse_peak, approx = traced_peak(estimator.inverse_transform, codes)
    ratios = {
        "fit": fit_peak,
        "transform": transform_peak / codes.nbytes,
        "inverse_transform": inverse_peak / approx.nbytes,
    }
    del codes, approx
    gc.collect()
    return ratios


def kbins_comparison(image, ours, n_bins, strategy, repeat):
    """Print KBinsDiscretizer's ms/MP on ``image`` and its ratio to ours (``ours``: s)."""
    megapixels = image.size / 1e6

    def make_kbins():
        return KBinsDiscretizer(
            n_bins=n_bins,
            encode="ordinal",
            strategy=strategy,
            subsample=None,
            quantile_method="averaged_inverted_cdf",
        )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # KMeans' chatter
        theirs = time_steps(make_kbins, image.reshape(-1, 1), repeat)
    steps = ("fit", "transform", "inverse_transform")
    print()
    print(
        f"KBinsDiscretizer(encode='ordinal', strategy={strategy!r}, subsample=None) "
        f"in the same run, {image.dtype} {image.shape} ({megapixels:.2f} MP), "
        f"best of {repeat}:"
    )
    print("| estimator | fit ms/MP | transform ms/MP | inverse_transform ms/MP |")
    print("| --- | ---: | ---: | ---: |")
    for name, times in (("KBinsDiscretizer", theirs), ("ImageQuantizer", ours)):
        cells = " | ".join(f"{1e3 * times[step] / megapixels:.2f}" for step in steps)
        print(f"| {name} | {cells} |")
    ratios = " | ".join(f"{theirs[step] / ours[step]:.1f}x" for step in steps)
    print(f"| ratio KBinsDiscretizer / ours | {ratios} |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=float, nargs="+", default=[1, 10, 100], help="megapixels"
    )
    parser.add_argument("--n-bins", type=int, default=8)
    parser.add_argument("--strategy", default="kmeans")
    parser.add_argument(
        "--compare-size",
        type=float,
        default=10,
        help="megapixels of the uint8 image also fitted with KBinsDiscretizer "
        "(must be one of --sizes; 0 skips the comparison)",
    )
    args = parser.parse_args(argv)

    print(f"command: python {' '.join(sys.argv)}")
    print(
        f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
        f"sk_imagequant {sk_imagequant.__version__}, Python {platform.python_version()}, "
        f"{platform.platform()}"
    )
    print(
        f"ImageQuantizer(n_bins={args.n_bins}, strategy={args.strategy!r}) on synthetic "
        "grey images (gradient + noise; uint8: 0..255, uint16: 4096..50000)."
    )
    print(
        f"Time: ms per megapixel, best of 3 up to {_REPEAT_UP_TO_MP} MP, of 2 above; "
        "constant down a column means linear growth."
    )
    print(
        "Memory: tracemalloc peak of what each call allocates, in a separate untimed "
        "run before the timed ones. transform and inverse_transform as a multiple of "
        "their output's nbytes; the output counts, so 1.00x means nothing but the "
        "output was allocated. "
        "fit in MB."
    )
    print()
    print(
        "| dtype | megapixels | fit ms/MP | transform ms/MP | inverse_transform ms/MP "
        "| transform peak / codes | fit peak MB | inverse_transform peak / output |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")

    def make_quantizer():
        return ImageQuantizer(n_bins=args.n_bins, strategy=args.strategy)

    # One-off costs of the process (imports, first calls) stay out of the first row.
    for dtype in DTYPES:
        time_steps(make_quantizer, synthetic_image((100, 100), dtype), repeat=1)

    per_mp = {}  # (dtype name, size) -> {step: ms/MP}
    compared = None
    for dtype in DTYPES:
        for size in args.sizes:
            image = synthetic_image(image_shape(size), dtype)
            megapixels = image.size / 1e6
            repeat = 3 if size <= _REPEAT_UP_TO_MP else 2
            # The untimed memory run goes first: it also takes the first touch of
            # memory the process never had (slow in a VM), which would otherwise
            # land in the single timed run at 100 MP.
            memory = memory_steps(make_quantizer, image)
            times = time_steps(make_quantizer, image, repeat)
            rates = {step: 1e3 * seconds / megapixels for step, seconds in times.items()}
            per_mp[np.dtype(dtype).name, size] = rates
            print(
                f"| {np.dtype(dtype).name} | {megapixels:.2f} | {rates['fit']:.2f} | "
                f"{rates['transform']:.2f} | {rates['inverse_transform']:.2f} | "
                f"{memory['transform']:.2f}x | {memory['fit'] / 1e6:.1f} | "
                f"{memory['inverse_transform']:.2f}x |",
                flush=True,
            )
            if dtype == np.uint8 and size == args.compare_size:
                compared = (image, times, repeat)
            else:
                del image
            gc.collect()

    smallest, largest = min(args.sizes), max(args.sizes)
    if largest > smallest:
        print()
        for step in ("transform", "fit", "inverse_transform"):
            ratios = ", ".join(
                f"{per_mp[name, largest][step] / per_mp[name, smallest][step]:.2f} ({name})"
                for name in (np.dtype(dtype).name for dtype in DTYPES)
            )
            print(
                f"linear: {step} ms/MP at {largest:g} MP / ms/MP at {smallest:g} MP = "
                f"{ratios}"
            )

    if args.compare_size:
        if args.strategy not in ("uniform", "quantile", "kmeans"):
            print(f"\nKBinsDiscretizer has no strategy {args.strategy!r}: not compared")
        elif compared is None:
            print(
                f"\nKBinsDiscretizer comparison skipped: --compare-size "
                f"{args.compare_size:g} is not among --sizes"
            )
        else:
            image, ours, repeat = compared
            kbins_comparison(image, ours, args.n_bins, args.strategy, repeat)


if __name__ == "__main__":
    main()
