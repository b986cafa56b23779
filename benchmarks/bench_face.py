"""ImageQuantizer against KBinsDiscretizer on the raccoon face, in one process.

Prints, for each strategy at 8 bins, how many times faster ImageQuantizer is
than ``KBinsDiscretizer(encode="ordinal", subsample=None)`` fitted on every
pixel, for fit, transform and inverse_transform (best of several runs each),
and the bytes each output takes. The "score" column times
``ImageQuantizer.score`` (the PSNR of ``decode(encode(face))``) against what a
``KBinsDiscretizer`` user computes for it: ``inverse_transform`` of its codes
and the PSNR of that. Run: ``python benchmarks/bench_face.py``.
"""

import time
import warnings

import numpy as np
from sklearn.preprocessing import KBinsDiscretizer

from sk_imagequant import ImageQuantizer
from sk_imagequant._metrics import peak_signal_noise_ratio
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
        "| strategy | fit | transform | inverse_transform | score (PSNR) "
        "| codes bytes (ours / theirs) |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    # KBinsDiscretizer has no optimal strategy: it races its k-means.
    for strategy, reference in [
        ("uniform", "uniform"),
        ("quantile", "quantile"),
        ("kmeans", "kmeans"),
        ("optimal", "kmeans"),
    ]:
        theirs = KBinsDiscretizer(
            n_bins=n_bins,
            encode="ordinal",
            strategy=reference,
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

        def their_psnr(codes, theirs=theirs):
            return peak_signal_noise_ratio(column, theirs.inverse_transform(codes), 255.0)

        score_theirs, _ = best_time(their_psnr, codes_theirs)
        score_ours, _ = best_time(ours.score, face)
        name = strategy if strategy == reference else f"{strategy} (vs {reference})"
        print(
            f"| {name} | {fit_theirs / fit_ours:.1f}x ({fit_ours * 1e3:.2f} ms) | "
            f"{encode_theirs / encode_ours:.1f}x | {decode_theirs / decode_ours:.1f}x | "
            f"{score_theirs / score_ours:.1f}x | {codes.nbytes} / {codes_theirs.nbytes} |"
        )
    float_reference(face)
    pillow_reference(face)


def float_reference(face, n_bins_list=(8, 32, 64, 128)):
    """The face as float32 in [0, 1]: transform against KBinsDiscretizer's.

    Both are fitted with k-means on the default subsample of 200000 values,
    same random_state; only ``transform`` is timed (best of 7), ours edge by
    edge up to 64 inner edges and with ``searchsorted`` beyond, as theirs.
    """
    image = (face / 255).astype(np.float32)
    column = image.reshape(-1, 1)
    print()
    print("face as float32 in [0, 1], kmeans: transform (best of 7), ratio = theirs / ours")
    print("| n_bins | ours ms | KBinsDiscretizer ms | ratio | codes equal |")
    print("| ---: | ---: | ---: | ---: | --- |")
    for n_bins in n_bins_list:
        ours = ImageQuantizer(n_bins=n_bins, random_state=0).fit(image)
        theirs = KBinsDiscretizer(
            n_bins=n_bins, encode="ordinal", strategy="kmeans", random_state=0
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # KMeans' convergence chatter
            theirs.fit(column)
        # Our own edges in theirs, so that both encode with the same bins.
        theirs.bin_edges_ = ours.bin_edges_
        encode_theirs, codes_theirs = best_time(theirs.transform, column)
        encode_ours, codes = best_time(ours.transform, image)
        equal = np.array_equal(codes.reshape(-1, 1), codes_theirs)
        print(
            f"| {n_bins} | {1e3 * encode_ours:.2f} | {1e3 * encode_theirs:.2f} | "
            f"{encode_theirs / encode_ours:.1f}x | {equal} |"
        )


def pillow_reference(face, n_colors=8):
    """Pillow's ``Image.quantize`` as a second reference: time and error on the face.

    Pillow quantises a mode "L" image directly (no conversion to "RGB": the
    palette comes out grey) with MEDIANCUT (its default for "L"), MAXCOVERAGE
    and FASTOCTREE; LIBIMAGEQUANT only when Pillow was built with it. Each is
    timed as ``Image.fromarray(face).quantize(n_colors, method=...)``, best of
    7, against ``ImageQuantizer(strategy="kmeans").fit_transform(face)``. The
    error is the mean squared error of the reconstruction against the face:
    Pillow's palette indices mapped back through the grey values of
    ``getpalette()``; ours decoded to bin midpoints (the default) or
    centroids. Pillow is a benchmark-only dependency.
    """
    print()
    try:
        from PIL import Image, features
    except ImportError:
        print("Pillow not installed: skipped")
        return
    import PIL

    face_float = face.astype(np.float64)

    def mse(approximation):
        return float(np.mean(np.square(face_float - approximation)))

    ours = {}
    for centers in ("midpoint", "centroid"):
        quantizer = ImageQuantizer(n_bins=n_colors, strategy="kmeans", centers=centers)
        seconds, codes = best_time(quantizer.fit_transform, face)
        ours[centers] = seconds, mse(quantizer.decode(codes))
    reference_time = ours["midpoint"][0]

    methods = [
        ("MEDIANCUT (default)", Image.Quantize.MEDIANCUT),
        ("MAXCOVERAGE", Image.Quantize.MAXCOVERAGE),
        ("FASTOCTREE", Image.Quantize.FASTOCTREE),
    ]
    if features.check_feature("libimagequant"):
        methods.append(("LIBIMAGEQUANT", Image.Quantize.LIBIMAGEQUANT))
    print(
        f"Pillow {PIL.__version__} on the face, {n_colors} grey levels, mode 'L' "
        f"(best of 7; ratio = Pillow / ours, ours = ImageQuantizer(n_bins={n_colors}, "
        'strategy="kmeans").fit_transform)'
    )
    print("| quantiser | ms | time ratio Pillow / ours | MSE |")
    print("| --- | ---: | ---: | ---: |")
    for name, method in methods:

        def quantize(image, method=method):
            return Image.fromarray(image).quantize(n_colors, method=method)

        seconds, quantized = best_time(quantize, face)
        palette = np.asarray(quantized.getpalette(), dtype=np.float64).reshape(-1, 3)
        if not np.all(palette == palette[:, :1]):
            raise RuntimeError(f"Pillow {name} returned a palette that is not grey")
        approximation = palette[np.asarray(quantized), 0]
        print(
            f"| Pillow quantize, {name} | {1e3 * seconds:.1f} | "
            f"{seconds / reference_time:.1f}x | {mse(approximation):.1f} |"
        )
    if len(methods) == 3:
        print("| Pillow quantize, LIBIMAGEQUANT | not built into this Pillow | | |")
    for centers, (seconds, error) in ours.items():
        role = "ours (the reference)" if centers == "midpoint" else ""
        print(
            f'| ImageQuantizer kmeans, centers="{centers}" | {1e3 * seconds:.1f} | '
            f"{role} | {error:.1f} |"
        )


if __name__ == "__main__":
    main()
