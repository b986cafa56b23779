"""The vector quantization example's published figures, on the raccoon face."""

import runpy
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.preprocessing import KBinsDiscretizer

from sk_imagequant import ImageQuantizer, PackedCodes, pack_codes

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

# From scikit-learn's "Vector Quantization Example" (../shared/data/README.md).
UNIFORM_CENTRES = [15.625, 46.875, 78.125, 109.375, 140.625, 171.875, 203.125, 234.375]
KMEANS_CENTRES = [18.909, 53.343, 82.644, 109.282, 134.708, 159.787, 185.172, 224.021]


def test_face_is_the_example_image(face):
    assert face.shape == (768, 1024)
    assert face.dtype == np.uint8
    assert face.nbytes == 786432
    assert (face.min(), face.max()) == (0, 250)


def test_uniform_bin_centres_are_the_published_ones(face):
    quantizer = ImageQuantizer(n_bins=8, strategy="uniform").fit(face)
    assert_array_equal(quantizer.bin_centers_[0], UNIFORM_CENTRES)
    edges = quantizer.bin_edges_[0]
    assert_array_equal(edges[:-1] + (edges[1:] - edges[:-1]) / 2, UNIFORM_CENTRES)


def test_kmeans_bin_centres_are_the_published_ones(face):
    quantizer = ImageQuantizer(n_bins=8, strategy="kmeans").fit(face)
    assert_allclose(quantizer.bin_centers_[0], KMEANS_CENTRES, atol=0.05)


@pytest.mark.parametrize("strategy", ["uniform", "quantile", "kmeans"])
def test_codes_take_one_byte_a_pixel(face, strategy):
    quantizer = ImageQuantizer(n_bins=8, strategy=strategy)
    codes = quantizer.fit_transform(face)
    reference = KBinsDiscretizer(
        n_bins=8,
        encode="ordinal",
        strategy=strategy,
        quantile_method="averaged_inverted_cdf",
        subsample=None,
    ).fit_transform(face.reshape(-1, 1))
    assert codes.shape == face.shape
    assert codes.dtype == np.uint8
    assert codes.nbytes == 786432
    assert reference.nbytes == 6291456
    assert set(np.unique(codes)) == set(range(8))


def test_face_reconstruction_error(face):
    """Decoded k-means codes: about 29.45 dB, and centroids do better still."""
    midpoint = ImageQuantizer(n_bins=8).fit(face)
    centroid = ImageQuantizer(n_bins=8, centers="centroid").fit(face)
    assert_array_equal(midpoint.transform(face), centroid.transform(face))
    assert midpoint.score(face) == pytest.approx(29.45, abs=0.01)
    assert centroid.score(face) > midpoint.score(face)


def test_random_state_does_not_change_an_integer_fit(face):
    fits = [
        ImageQuantizer(n_bins=8, subsample=1000, random_state=seed).fit(face)
        for seed in (0, 1, None)
    ]
    for other in fits[1:]:
        assert_array_equal(other.bin_edges_[0], fits[0].bin_edges_[0])


def test_quick_start_example_prints_the_example_numbers(face, capsys):
    runpy.run_path(str(EXAMPLES / "quick_start.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "shape (768, 1024), dtype uint8, 786432 bytes" in out
    assert "KBinsDiscretizer codes: float64, 6291456 bytes" in out
    assert "ImageQuantizer codes:   uint8, 786432 bytes" in out
    assert "PSNR of the decoded codes: 29.45 dB" in out
    assert "optimal bins, centroids: PSNR 30.12 dB" in out
    assert "Packed codes:           3 bits a pixel, 294912 bytes" in out


def test_face_packs_into_3_bits_a_pixel(face):
    codes = ImageQuantizer(n_bins=8).fit_transform(face)
    packed = pack_codes(codes, n_bins=8)
    assert (packed.shape, packed.n_bits, packed.nbytes) == ((768, 1024), 3, 294912)
    stored = packed.tobytes()
    assert len(stored) == 294912 + 26  # a 26-byte header for two dimensions
    assert_array_equal(PackedCodes.frombytes(stored).unpack(), codes)
