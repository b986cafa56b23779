"""``python -m sk_imagequant demo``: scikit-learn's vector quantisation example, told again.

The raccoon face (or an image of your own) reduced to a few grey levels by
every strategy: the bin centres, the error, the fit time, the memory the
codes take, and figures written as PNG files. matplotlib is needed for the
figures only; without it the demo prints its tables and says so.
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.preprocessing import KBinsDiscretizer

from ._packing import pack_codes
from ._quantizer import MAX_MAGNITUDE, ImageQuantizer
from .datasets import FaceNotAvailableError, load_face

STRATEGIES = ("uniform", "quantile", "kmeans", "optimal")
MAX_BINS = 65536
# Up to this many bin centres are printed in full; more are elided in the middle.
SHOWN_CENTRES = 16
# Evenly spread on a log scale: the rate is log2(n_bins) bits a pixel.
RATE_DISTORTION_BINS = (2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 40, 48, 64)
# Fits are timed 3 times, and once when a fit takes longer than this.
REPEAT_BELOW_SECONDS = 0.25
# KBinsDiscretizer is timed on every pixel up to this many (its k-means takes
# about 0.1 s on the face's 0.8 megapixels, and grows with the image).
KBINS_MAX_PIXELS = 4 * 2**20
# Luminance weights of scipy.datasets.face(gray=True).
GREY_WEIGHTS = (0.21, 0.71, 0.07)


def main(argv=None):
    """Run the command line; return its exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m sk_imagequant",
        description="Quantise images into a few grey levels.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    demo_parser = commands.add_parser(
        "demo",
        help="the vector quantisation example on the raccoon face, with figures",
        description=(
            "Quantise the raccoon face (or --image) with every strategy; print "
            "the bin centres, the errors, the fit times and the memory the codes "
            "take, and write figures as PNG files."
        ),
    )
    demo_parser.add_argument(
        "--output",
        default="sk_imagequant-demo",
        metavar="DIR",
        help="folder for the figures (default: ./sk_imagequant-demo)",
    )
    demo_parser.add_argument(
        "--image",
        metavar="PATH",
        help="a grey or colour image (PNG, JPEG, TIFF... with Pillow; or .npy) "
        "instead of the face; colour is converted to grey",
    )
    demo_parser.add_argument(
        "--n-bins",
        type=int,
        default=8,
        metavar="N",
        help="grey levels, 2 to 65536 (default: 8, as in the example)",
    )
    args = parser.parse_args(argv)
    if not 2 <= args.n_bins <= MAX_BINS:
        demo_parser.error(f"--n-bins must be from 2 to {MAX_BINS}, got {args.n_bins}")
    return demo(output=args.output, image_path=args.image, n_bins=args.n_bins)


def demo(output="sk_imagequant-demo", image_path=None, n_bins=8):
    """Tell the example's story on an image; return the exit status."""
    if image_path is not None:
        try:
            image = read_image(image_path)
        except (OSError, ValueError, ImportError) as error:
            print(f"sk_imagequant demo: error: {error}", file=sys.stderr)
            return 2
        name = image_path
    else:
        try:
            image, name = load_face(), "the raccoon face (scipy.datasets.face)"
        except FaceNotAvailableError as error:
            print(f"{error}\n", flush=True)
            image, name = fallback_image()
            print(f"Running on {name} instead.\n")

    print(f"Image: {name}")
    print(
        f"  shape {image.shape}, dtype {image.dtype}, {image.nbytes} bytes, "
        f"values {image.min():.6g} to {image.max():.6g}\n"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            results = [quantize(image, strategy, n_bins) for strategy in STRATEGIES]
        except (ValueError, TypeError) as error:  # an image no quantizer takes
            print(
                f"sk_imagequant demo: error: cannot quantise {name}: {error}",
                file=sys.stderr,
            )
            return 2
        print_strategies(results, n_bins, image)
        print_memory(image, results, n_bins)
        curves = rate_distortion(image)
        print_rate_distortion(curves)
    for message in sorted({str(warning.message) for warning in caught}):
        print(f"note: {message}")
    try:
        write_figures(output, image, results, curves)
    except OSError as error:  # the folder cannot be made, or a file written
        print(f"sk_imagequant demo: error: cannot write figures: {error}", file=sys.stderr)
        return 2
    if image_path is None:  # the library's own story: colour too
        colour_section(output)
    return 0


def read_image(path):
    """A 2-D grey image read from ``path``; colour is converted to grey.

    ``.npy`` files are read by numpy; other files need Pillow (installed with
    matplotlib, the ``plot`` extra).
    """
    if not os.path.isfile(path):
        raise OSError(f"cannot read image {path!r}: no such file")
    if path.lower().endswith(".npy"):
        try:
            image = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as error:
            raise OSError(f"cannot read image {path!r}: {error}") from None
    else:
        try:
            from PIL import Image
        except ImportError:
            raise ImportError(
                f"cannot read image {path!r}: reading image files needs Pillow "
                '(pip install "sk_imagequant[plot]"); a .npy file needs nothing more'
            ) from None
        try:
            with Image.open(path) as opened:
                if opened.mode not in ("1", "L", "I", "F") and not opened.mode.startswith(
                    "I;16"
                ):
                    opened = opened.convert("L")
                image = np.array(opened)
        except (OSError, ValueError) as error:
            raise OSError(f"cannot read image {path!r}: {error}") from None
    if image.ndim == 3 and image.shape[-1] in (3, 4):
        image = to_grey(image)
    if image.ndim != 2 or image.size == 0 or image.dtype.kind not in "biuf":
        raise ValueError(
            f"cannot use image {path!r}: expected a non-empty grey or colour image, "
            f"got shape {image.shape} and dtype {image.dtype}"
        )
    if image.dtype.kind == "f" and not np.isfinite(image).all():
        raise ValueError(f"cannot use image {path!r}: it holds NaN or infinite values")
    magnitude = float(np.abs(image).max()) if image.dtype.kind == "f" else 0.0
    if magnitude > MAX_MAGNITUDE:
        raise ValueError(
            f"cannot use image {path!r}: its values reach {magnitude:g}, "
            f"beyond the {MAX_MAGNITUDE:g} in magnitude a fit takes; rescale it"
        )
    return image.astype(np.uint8) if image.dtype.kind == "b" else image


def to_grey(image):
    """Colour (channels last) to grey, with the weights of ``face(gray=True)``."""
    grey = np.tensordot(image[..., :3], GREY_WEIGHTS, axes=([-1], [0]))
    return grey.astype(image.dtype)


def fallback_image():
    """An image that ships with an installed package, and its name."""
    try:
        from sklearn.datasets import load_sample_image

        return to_grey(load_sample_image("china.jpg")), (
            "scikit-learn's sample image china.jpg, in grey"
        )
    except ImportError:  # reading JPEG needs Pillow
        from sklearn.datasets import load_digits

        digits = load_digits().images[:400].reshape(20, 20, 8, 8)
        mosaic = digits.transpose(0, 2, 1, 3).reshape(160, 160) * (255 / 16)
        return np.round(mosaic).astype(np.uint8), (
            "400 of scikit-learn's digits, in a 160x160 mosaic"
        )


def quantize(image, strategy, n_bins):
    """Fit one strategy; its codes, decoded images, errors and fit times."""
    # random_state: float data are subsampled, the same pixels for both fits.
    midpoint = ImageQuantizer(n_bins=n_bins, strategy=strategy, random_state=0)
    fit_seconds = _seconds(midpoint.fit, image)
    if fit_seconds < REPEAT_BELOW_SECONDS:
        fit_seconds = min(fit_seconds, *(_seconds(midpoint.fit, image) for _ in range(2)))
    centroid = clone(midpoint).set_params(centers="centroid").fit(image)
    codes = midpoint.transform(image)
    result = {
        "strategy": strategy,
        "quantizer": midpoint,
        "codes": codes,
        "fit_ms": 1e3 * fit_seconds,
        "kbins_ms": None,
        "kbins_bytes": image.size * np.dtype(np.float64).itemsize,
        "every_pixel": midpoint._histograms is not None or image.size <= midpoint.subsample,
    }
    for quantizer in (midpoint, centroid):
        rendering = quantizer.decode(codes)
        result[quantizer.centers] = {
            "centres": quantizer.bin_centers_[0],
            "mse": float(np.mean(np.square(rendering - image))),
            "psnr": quantizer.score(image),
        }
    if strategy != "optimal" and image.size <= KBINS_MAX_PIXELS:
        kbins = KBinsDiscretizer(
            n_bins=n_bins,
            encode="ordinal",
            strategy=strategy,
            quantile_method="averaged_inverted_cdf",
            subsample=None if result["every_pixel"] else midpoint.subsample,
            random_state=0,
        )
        column = image.reshape(-1, 1)
        try:
            result["kbins_ms"] = 1e3 * _seconds(kbins.fit, column)
        except ValueError as error:  # KMeans wants at least n_bins pixels
            result["kbins_failure"] = f"KBinsDiscretizer({strategy!r}) fails: {error}"
        else:
            result["kbins_bytes"] = kbins.transform(column).nbytes
    return result


def _seconds(function, *args):
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def print_strategies(results, n_bins, image):
    if results[0]["every_pixel"]:
        print(f"{n_bins} bins, fitted on every pixel")
    else:
        subsample = results[0]["quantizer"].subsample
        print(f"{n_bins} bins, fitted on {subsample} pixels drawn at random (float data)")
    print(
        f"  fit ms: best of 3 fits (of 1 above {REPEAT_BELOW_SECONDS} s); "
        "KBinsDiscretizer ms: one fit, on the same pixels"
    )
    print(
        "  MSE and PSNR of the decoded image: midpoint = middle of each bin (as "
        "KBinsDiscretizer),\n  centroid = mean of the pixels in each bin"
    )
    header = (
        f"  {'strategy':<9} {'fit ms':>7} {'KBinsDiscretizer ms':>20} "
        f"{'MSE midpoint':>13} {'PSNR midpoint':>14} {'MSE centroid':>13} "
        f"{'PSNR centroid':>14}"
    )
    print(header)
    for result in results:
        kbins_ms = result["kbins_ms"]
        if "kbins_failure" in result:
            kbins = "fails (see below)"
        elif kbins_ms is not None:
            ratio = kbins_ms / result["fit_ms"]
            kbins = f"{kbins_ms:.1f} ({ratio:.{1 if ratio < 10 else 0}f}x)"
        else:
            kbins = "no such strategy" if result["strategy"] == "optimal" else "not run"
        errors = " ".join(
            f"{_number(result[centers]['mse']):>13} {result[centers]['psnr']:>11.2f} dB"
            for centers in ("midpoint", "centroid")
        )
        print(f"  {result['strategy']:<9} {result['fit_ms']:>7.2f} {kbins:>20} {errors}")
    for result in results:
        if "kbins_failure" in result:
            print(f"  {result['kbins_failure']}")
    if image.size > KBINS_MAX_PIXELS:
        print(f"  (KBinsDiscretizer not run above {KBINS_MAX_PIXELS} pixels)")
    # Three decimals, more when the values span less than 1.
    span = float(image.max()) - float(image.min())
    decimals = 3 + max(0, -int(np.floor(np.log10(span)))) if span > 0 else 3
    print("\nBin centres: what each code decodes to")
    for result in results:
        for centers in ("midpoint", "centroid"):
            label = result["strategy"] if centers == "midpoint" else ""
            values = _centres_text(result[centers]["centres"], decimals)
            print(f"  {label:<9} {centers:<9} {values}")
    print()


def _number(value):
    """Two decimals, or four significant digits for small values (float images)."""
    return f"{value:.2f}" if value == 0 or abs(value) >= 1 else f"{value:.4g}"


def _centres_text(centres, decimals):
    values = [f"{value:.{decimals}f}" for value in centres]
    if len(values) > SHOWN_CENTRES:
        half = SHOWN_CENTRES // 2
        values = [
            *values[:half],
            f"... ({len(values) - SHOWN_CENTRES} more) ...",
            *values[-half:],
        ]
    return " ".join(values)


def print_memory(image, results, n_bins):
    codes = results[0]["codes"]
    packed = pack_codes(codes, n_bins)
    rows = [
        (f"original image, {image.dtype}", image.nbytes, 8 * image.itemsize),
        ("KBinsDiscretizer codes, float64", results[0]["kbins_bytes"], 64),
        (f"ImageQuantizer codes, {codes.dtype}", codes.nbytes, 8 * codes.itemsize),
        (f"pack_codes(codes, {n_bins})", packed.nbytes, packed.n_bits),
    ]
    print(f"Memory of the {n_bins}-level image")
    print(f"  {'form':<34} {'bytes':>10} {'bits a pixel':>13}")
    for form, nbytes, bits in rows:
        print(f"  {form:<34} {nbytes:>10} {bits:>13}")
    print()


def rate_distortion(image):
    """PSNR against n_bins for every strategy, midpoint and centroid."""
    curves = {}
    for strategy in STRATEGIES:
        for centers in ("midpoint", "centroid"):
            quantizer = ImageQuantizer(strategy=strategy, centers=centers)
            curves[strategy, centers] = [
                quantizer.set_params(n_bins=n_bins).fit(image).score(image)
                for n_bins in RATE_DISTORTION_BINS
            ]
    return curves


def print_rate_distortion(curves):
    shown = (2, 4, 8, 16, 32, 64)
    print("Rate and distortion: PSNR in dB, centroid reconstruction")
    print(f"  {'n_bins':<9} " + " ".join(f"{n:>6}" for n in shown))
    print(f"  {'bits':<9} " + " ".join(f"{np.log2(n):>6.2f}" for n in shown))
    for strategy in STRATEGIES:
        curve = curves[strategy, "centroid"]
        values = " ".join(f"{curve[RATE_DISTORTION_BINS.index(n)]:>6.2f}" for n in shown)
        print(f"  {strategy:<9} {values}")
    print()


def write_figures(output, image, results, curves):
    try:
        from .plot import (
            QuantizationDisplay,
            _display_range,
            _headless_subplots,
            _plot_histogram,
            _show_image,
        )
    except ImportError:
        print(
            "matplotlib is not installed: no figures written. "
            'pip install "sk_imagequant[plot]" for them.'
        )
        return

    os.makedirs(output, exist_ok=True)
    written = []

    def save(figure, name):
        path = os.path.join(output, name)
        figure.savefig(path, dpi=80)
        written.append(path)

    figure, axes = _headless_subplots(1, 2, (9, 3.6), width_ratios=(1, 1.2))
    _show_image(axes[0], image, *_display_range(image))
    axes[0].set_title("image")
    _plot_histogram(axes[1], image)
    axes[1].set_title("histogram")
    save(figure, "original.png")

    for result in results:
        figure, axes = _headless_subplots(1, 3, (13, 3.6))
        QuantizationDisplay.from_estimator(result["quantizer"], image, ax=axes)
        save(figure, f"{result['strategy']}.png")

    figure, axes = _headless_subplots(len(results), 1, (9, 2.2 * len(results)))
    for ax, result in zip(axes, results, strict=True):
        quantizer = result["quantizer"]
        _plot_histogram(
            ax, image, quantizer.bin_edges_, quantizer.bin_centers_, annotate=True
        )
        ax.set_title(f"{result['strategy']}: bin centres", loc="left", pad=14)
    save(figure, "histogram_centres.png")

    # PSNR against bits, and (the curves being close) each one's distance
    # from the least error, optimal bins decoded to their means.
    figure, axes = _headless_subplots(1, 2, (12, 4.5))
    bits = np.log2(RATE_DISTORTION_BINS)
    best = np.asarray(curves["optimal", "centroid"])
    for colour, strategy in enumerate(STRATEGIES):
        for centers, style in (("centroid", "-"), ("midpoint", ":")):
            curve = np.asarray(curves[strategy, centers])
            label = f"{strategy}, {centers}"
            axes[0].plot(bits, curve, style, color=f"C{colour}", label=label)
            with np.errstate(invalid="ignore"):  # inf - inf: both lossless
                distance = curve - best
            axes[1].plot(bits, distance, style, color=f"C{colour}", label=label)
    low, high = RATE_DISTORTION_BINS[0], RATE_DISTORTION_BINS[-1]
    axes[0].set_title(f"Rate and distortion, n_bins {low} to {high}")
    axes[0].set_ylabel("PSNR (dB)")
    axes[1].set_title("PSNR against the least error (optimal, centroid)")
    axes[1].set_ylabel("dB")
    for ax in axes:
        ax.set_xlabel("bits a pixel, log2(n_bins)")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, ncols=2)
    save(figure, "rate_distortion.png")

    print(f"Wrote {len(written)} figures to {os.path.abspath(output)}:")
    for path in written:
        print(f"  {os.path.basename(path)}")


def colour_section(output, n_colors_list=(16, 64, 256)):
    """China.jpg reduced to a palette by ColorQuantizer, scikit-learn's recipe and Pillow.

    Prints the error and time of each method at each palette size, and
    writes ``colour.png`` (the image, its rendering and the palette) when
    matplotlib is installed.
    """
    from sklearn.cluster import KMeans
    from sklearn.datasets import load_sample_image
    from sklearn.utils import shuffle

    from ._color import ColorQuantizer

    china = load_sample_image("china.jpg")
    pixels = china.reshape(-1, 3)
    methods = {"ColorQuantizer": None, "KMeans, 1000 pixels": None}
    try:
        from PIL import Image
    except ImportError:
        Image = None
    else:
        for name in ("MEDIANCUT", "MAXCOVERAGE", "FASTOCTREE"):
            methods[f"Pillow {name.lower()}"] = getattr(Image.Quantize, name)

    def render(method, n_colors):
        if method == "ColorQuantizer":
            quantizer = ColorQuantizer(n_colors=n_colors)
            return quantizer.inverse_transform(quantizer.fit_transform(china))
        if method == "KMeans, 1000 pixels":  # scikit-learn's recipe
            floats = pixels / 255
            sample = shuffle(floats, random_state=0, n_samples=1000)
            kmeans = KMeans(n_clusters=n_colors, random_state=0).fit(sample)
            return 255 * kmeans.cluster_centers_[kmeans.predict(floats)]
        picture = Image.fromarray(china).quantize(
            colors=n_colors, method=methods[method], dither=Image.Dither.NONE
        )
        return np.asarray(picture.convert("RGB"))

    print(f"Colour: china.jpg {china.shape}, {len(np.unique(pixels, axis=0))} colours")
    print("  MSE of the rendering (time of a fit and rendering, best of 3, ms)")
    print(f"  {'method':<22} " + " ".join(f"{n:>17}" for n in n_colors_list))
    for method in methods:
        cells = []
        for n_colors in n_colors_list:
            milliseconds = np.inf
            for _ in range(3):  # the first run of a method also pays for imports
                start = time.perf_counter()
                rendering = render(method, n_colors)
                milliseconds = min(milliseconds, 1e3 * (time.perf_counter() - start))
            error = np.mean(
                np.square(np.asarray(rendering, np.float64).reshape(-1, 3) - pixels)
            )
            cells.append(f"{error:>8.2f} ({milliseconds:>5.0f})")
        print(f"  {method:<22} " + " ".join(cells))
    if Image is None:
        print("  (Pillow is not installed: its methods are left out)")
    try:
        from .plot import PaletteDisplay, _headless_subplots
    except ImportError:
        print()
        return
    figure, axes = _headless_subplots(1, 3, (13, 3.6))
    quantizer = ColorQuantizer(n_colors=64).fit(china)
    PaletteDisplay.from_estimator(quantizer, china, ax=axes)
    path = os.path.join(output, "colour.png")
    try:
        os.makedirs(output, exist_ok=True)
        figure.savefig(path, dpi=80)
    except OSError as error:
        print(f"sk_imagequant demo: error: cannot write {path}: {error}", file=sys.stderr)
        return
    print(f"Wrote {path}\n")
