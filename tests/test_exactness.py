"""Exact fits on every pixel: ImageQuantizer against KBinsDiscretizer(subsample=None)."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.preprocessing import KBinsDiscretizer

from sk_imagequant import ImageQuantizer
from sk_imagequant._histogram import level_counts
from sk_imagequant._kmeans import squared_error
from sk_imagequant._quantizer import QUANTILE_METHOD


def _images():
    rng = np.random.default_rng(42)
    bimodal = np.r_[rng.normal(60, 10, 60_000), rng.normal(190, 25, 60_000)]
    return {
        "uniform noise": rng.integers(0, 256, (300, 400)).astype(np.uint8),
        "skewed": np.clip(rng.exponential(20, (300, 400)), 0, 255).astype(np.uint8),
        "bimodal": np.clip(bimodal, 0, 255).astype(np.uint8).reshape(300, 400),
        "12-bit": np.clip(rng.normal(2000, 600, (300, 400)), 0, 4095).astype(np.uint16),
        "int16 signed": rng.normal(0, 3000, (200, 300)).astype(np.int16),
        "few levels": rng.choice(np.array([3, 4, 5, 100, 101, 250], np.uint8), (200, 200)),
    }


IMAGES = _images()
N_BINS = [2, 5, 8, 16, 64]


def _reference(n_bins, strategy, subsample=None, **params):
    """KBinsDiscretizer as the reference: ordinal codes, every value by default."""
    return KBinsDiscretizer(
        n_bins=n_bins,
        encode="ordinal",
        strategy=strategy,
        quantile_method=QUANTILE_METHOD,
        subsample=subsample,
        **params,
    )


def _fit_both(image, n_bins, strategy):
    """ImageQuantizer on the image, KBinsDiscretizer on every pixel as a column."""
    # Few distinct levels make both estimators warn that bins were merged;
    # that is tested in test_quantizer.py, here only the results matter.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        quantizer = ImageQuantizer(n_bins=n_bins, strategy=strategy).fit(image)
        reference = _reference(n_bins, strategy).fit(image.reshape(-1, 1))
    return quantizer, reference


@pytest.mark.parametrize("n_bins", N_BINS)
@pytest.mark.parametrize("name", IMAGES)
@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_edges_equal_kbinsdiscretizer_on_every_pixel(name, strategy, n_bins):
    image = IMAGES[name]
    quantizer, reference = _fit_both(image, n_bins, strategy)
    assert_allclose(quantizer.bin_edges_[0], reference.bin_edges_[0], rtol=0, atol=1e-9)
    assert_array_equal(quantizer.n_bins_, reference.n_bins_)
    codes = quantizer.transform(image)
    assert_array_equal(
        codes, reference.transform(image.reshape(-1, 1)).reshape(image.shape)
    )
    assert_allclose(
        quantizer.inverse_transform(codes).reshape(-1, 1),
        reference.inverse_transform(codes.reshape(-1, 1).astype(np.float64)),
        rtol=0,
        atol=1e-9,
    )


@pytest.mark.parametrize("n_bins", N_BINS)
@pytest.mark.parametrize("name", IMAGES)
def test_kmeans_error_no_worse_than_kbinsdiscretizer_on_every_pixel(name, n_bins):
    image = IMAGES[name]
    quantizer, reference = _fit_both(image, n_bins, "kmeans")
    levels, counts = level_counts(image.ravel())
    ours = squared_error(levels, counts, quantizer.bin_edges_[0])
    theirs = squared_error(levels, counts, reference.bin_edges_[0])
    assert ours <= theirs * (1 + 1e-12)
    assert quantizer.n_bins_[0] <= n_bins


def _noise(seed):
    return np.random.default_rng(seed).integers(0, 256, (100, 200)).astype(np.uint8)


def _skewed(seed):
    rng = np.random.default_rng(seed)
    rng.integers(0, 256, (100, 200))
    return np.clip(rng.exponential(20, (100, 200)), 0, 255).astype(np.uint8)


# Cases where an earlier replay of KMeans went elsewhere than KMeans on the
# pixels: levels exactly halfway between two centres, which KMeans sends by
# its rounding (noise), and equal centres after a relocation, whose pixels
# KMeans gives to the first (skewed, 32 bins).
@pytest.mark.parametrize(
    ("image", "n_bins"), [(_noise(1), 5), (_noise(5), 3), (_skewed(20), 32)]
)
def test_kmeans_replays_kmeans_rounding_and_equal_centres(image, n_bins):
    quantizer, reference = _fit_both(image, n_bins, "kmeans")
    levels, counts = level_counts(image.ravel())
    ours = squared_error(levels, counts, quantizer.bin_edges_[0])
    theirs = squared_error(levels, counts, reference.bin_edges_[0])
    assert ours <= theirs * (1 + 1e-12)


def test_kmeans_finishes_where_kbinsdiscretizer_stops_at_its_tolerance():
    """On the 12-bit image KMeans stops early; the refined error is lower."""
    image = IMAGES["12-bit"]
    quantizer, reference = _fit_both(image, 16, "kmeans")
    levels, counts = level_counts(image.ravel())
    ours = squared_error(levels, counts, quantizer.bin_edges_[0])
    theirs = squared_error(levels, counts, reference.bin_edges_[0])
    assert ours < 0.99 * theirs


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_float_image_with_all_values_equals_kbinsdiscretizer(rng, strategy):
    image = rng.gamma(2.0, 30.0, (150, 200))
    quantizer = ImageQuantizer(n_bins=7, strategy=strategy, subsample=None).fit(image)
    reference = _reference(7, strategy).fit(image.reshape(-1, 1))
    assert_allclose(quantizer.bin_edges_[0], reference.bin_edges_[0], rtol=0, atol=1e-9)


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_float_subsample_is_kbinsdiscretizers(rng, strategy):
    """Float data are subsampled exactly as KBinsDiscretizer does it."""
    image = rng.gamma(2.0, 30.0, (150, 200)).astype(np.float32)
    params = dict(n_bins=6, strategy=strategy, subsample=2000, random_state=3)
    quantizer = ImageQuantizer(**params).fit(image)
    reference = _reference(**params).fit(image.reshape(-1, 1))
    # KBinsDiscretizer keeps float32 edges for float32 data; ours are float64.
    assert_allclose(quantizer.bin_edges_[0], reference.bin_edges_[0], rtol=1e-6)
    other_seed = ImageQuantizer(**{**params, "random_state": 4}).fit(image)
    assert not np.array_equal(other_seed.bin_edges_[0], quantizer.bin_edges_[0])


@pytest.mark.parametrize("strategy", ["uniform", "quantile", "kmeans"])
def test_integer_fit_uses_every_pixel_whatever_subsample_says(rng, strategy):
    image = rng.integers(0, 4096, (100, 100)).astype(np.uint16)
    full = ImageQuantizer(n_bins=8, strategy=strategy).fit(image)
    for subsample, seed in [(10, 0), (10, 1), (None, None)]:
        other = ImageQuantizer(
            n_bins=8, strategy=strategy, subsample=subsample, random_state=seed
        ).fit(image)
        assert_array_equal(other.bin_edges_[0], full.bin_edges_[0])


def test_wide_integer_type_with_a_narrow_range_is_fitted_exactly(rng):
    image = rng.integers(-70_000, -30_000, (80, 90))  # int64, 40000 levels
    quantizer = ImageQuantizer(n_bins=5, strategy="quantile", subsample=100).fit(image)
    reference = _reference(5, "quantile").fit(image.reshape(-1, 1))
    assert_allclose(quantizer.bin_edges_[0], reference.bin_edges_[0], rtol=0, atol=1e-9)


def test_per_channel_fit_equals_kbinsdiscretizer_per_column(rng):
    image = np.stack(
        [
            rng.integers(0, 256, (60, 70)),
            rng.integers(50, 100, (60, 70)),
            rng.integers(0, 30, (60, 70)) ** 2,
        ],
        axis=-1,
    ).astype(np.uint16)
    quantizer = ImageQuantizer(n_bins=4, strategy="quantile", channel_axis=-1).fit(image)
    reference = _reference(4, "quantile").fit(image.reshape(-1, 3))
    for channel in range(3):
        assert_allclose(
            quantizer.bin_edges_[channel], reference.bin_edges_[channel], rtol=0, atol=1e-9
        )
    assert_array_equal(
        quantizer.transform(image).reshape(-1, 3), reference.transform(image.reshape(-1, 3))
    )
