"""Distortion and storage on the raccoon face: every strategy, both centre choices.

Prints two markdown tables: the error (MSE and PSNR against every pixel) of
``decode(encode(face))`` at 4, 8 and 16 bins for each strategy with
``centers="midpoint"`` and ``"centroid"``; and the bytes the 8-bin codes take
as ``KBinsDiscretizer`` returns them, as uint8 codes and packed at 3 bits,
with the time to pack and unpack them. Run:
``python benchmarks/bench_distortion.py``.
"""

import time

import numpy as np
from sklearn.preprocessing import KBinsDiscretizer

from sk_imagequant import ImageQuantizer, PackedCodes, pack_codes
from sk_imagequant.datasets import load_face

STRATEGIES = ("uniform", "quantile", "kmeans", "optimal")


def best_time(function, *args, repeat=7):
    """Shortest wall time of ``repeat`` calls, and the last result."""
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        result = function(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def distortion_table(face, bin_counts=(4, 8, 16)):
    pixels = face.astype(np.float64)
    print(f"face {face.shape} {face.dtype}: error of decode(encode(face)), every pixel")
    header = ["n_bins", "strategy", "MSE, midpoint", "PSNR, midpoint"]
    header += ["MSE, centroid", "PSNR, centroid"]
    print("| " + " | ".join(header) + " |")
    print("| ---: | --- | ---: | ---: | ---: | ---: |")
    for n_bins in bin_counts:
        for strategy in STRATEGIES:
            cells = []
            for centers in ("midpoint", "centroid"):
                quantizer = ImageQuantizer(n_bins, strategy=strategy, centers=centers)
                approx = quantizer.fit(face).decode(quantizer.encode(face))
                mse = np.mean((approx - pixels) ** 2)
                cells += [f"{mse:.2f}", f"{10 * np.log10(255**2 / mse):.2f} dB"]
            print(f"| {n_bins} | {strategy} | " + " | ".join(cells) + " |")


def storage_table(face, n_bins=8):
    codes = ImageQuantizer(n_bins).fit_transform(face)
    theirs = KBinsDiscretizer(n_bins, encode="ordinal", subsample=None, strategy="uniform")
    float_codes = theirs.fit_transform(face.reshape(-1, 1))
    pack_time, packed = best_time(pack_codes, codes, n_bins)
    unpack_time, unpacked = best_time(packed.unpack)
    assert np.array_equal(unpacked, codes)
    stored = packed.tobytes()
    assert PackedCodes.frombytes(stored) == packed
    print(f"\nface at {n_bins} bins: bytes a form of the image takes")
    print("| form | bytes | bits a pixel |")
    print("| --- | ---: | ---: |")
    rows = [
        ("original image, uint8", face.nbytes),
        ("KBinsDiscretizer codes, float64", float_codes.nbytes),
        ("ImageQuantizer codes, uint8", codes.nbytes),
        (f"pack_codes, {packed.n_bits} bits a code (PackedCodes.nbytes)", packed.nbytes),
        ("PackedCodes.tobytes(), with its header", len(stored)),
    ]
    for name, size in rows:
        print(f"| {name} | {size} | {8 * size / face.size:.3g} |")
    print(
        f"\npack_codes {pack_time * 1e3:.2f} ms, unpack {unpack_time * 1e3:.2f} ms "
        "(best of 7)"
    )


def main():
    face = load_face()
    distortion_table(face)
    storage_table(face)


if __name__ == "__main__":
    main()
