"""partial_fit: the exact streaming fit equals fit on the whole image."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sk_imagequant import ImageQuantizer

STRATEGIES = ["uniform", "quantile", "kmeans", "optimal"]


def _images():
    rng = np.random.default_rng(7)
    return {
        "uint8": np.clip(rng.normal(100, 40, (240, 320)), 0, 255).astype(np.uint8),
        "uint16": np.clip(rng.normal(2000, 700, (240, 320)), 0, 65535).astype(np.uint16),
        "int16": rng.normal(0, 900, (120, 160)).astype(np.int16),
    }


IMAGES = _images()


def _assert_same_fit(streamed, whole):
    assert streamed.n_features_in_ == whole.n_features_in_
    assert_array_equal(streamed.n_bins_, whole.n_bins_)
    for attribute in ("bin_edges_", "bin_centers_"):
        for got, expected in zip(
            getattr(streamed, attribute), getattr(whole, attribute), strict=True
        ):
            assert_array_equal(got, expected)


@pytest.mark.parametrize("kind", IMAGES)
@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("centers", ["midpoint", "centroid"])
@pytest.mark.parametrize("n_tiles", [1, 3, 7])
def test_partial_fit_on_tiles_equals_fit(kind, strategy, centers, n_tiles):
    image = IMAGES[kind]
    params = dict(n_bins=16, strategy=strategy, centers=centers)
    streamed = ImageQuantizer(**params)
    for tile in np.array_split(image, n_tiles):
        assert streamed.partial_fit(tile) is streamed
    whole = ImageQuantizer(**params).fit(image)
    _assert_same_fit(streamed, whole)
    assert_array_equal(streamed.transform(image), whole.transform(image))


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_partial_fit_per_channel_on_a_stack(strategy):
    rng = np.random.default_rng(3)
    frames = rng.integers(0, 256, (6, 20, 30, 3)).astype(np.uint8)
    frames[..., 1] //= 4  # channels with different histograms
    params = dict(n_bins=5, strategy=strategy, channel_axis=-1)
    streamed = ImageQuantizer(**params)
    for frame in np.array_split(frames, 4):
        streamed.partial_fit(frame)
    _assert_same_fit(streamed, ImageQuantizer(**params).fit(frames))
    assert not np.array_equal(streamed.bin_edges_[0], streamed.bin_edges_[1])


def test_fit_starts_afresh_and_partial_fit_adds_to_fit():
    first, second = np.array_split(IMAGES["uint8"], 2)
    quantizer = ImageQuantizer(n_bins=6).partial_fit(first).fit(second)
    _assert_same_fit(quantizer, ImageQuantizer(n_bins=6).fit(second))
    quantizer.partial_fit(first)
    _assert_same_fit(quantizer, ImageQuantizer(n_bins=6).fit(IMAGES["uint8"]))


def test_partial_fit_with_sample_weight_equals_fit():
    image = IMAGES["uint16"]
    weight = np.random.default_rng(0).uniform(0, 3, image.shape[0])
    streamed = ImageQuantizer(n_bins=8, strategy="quantile")
    for rows in np.array_split(np.arange(image.shape[0]), 4):
        streamed.partial_fit(image[rows], sample_weight=weight[rows])
    whole = ImageQuantizer(n_bins=8, strategy="quantile").fit(image, sample_weight=weight)
    assert_array_equal(streamed.n_bins_, whole.n_bins_)
    assert_allclose(streamed.bin_edges_[0], whole.bin_edges_[0], rtol=1e-12)


def test_partial_fit_does_not_depend_on_random_state():
    tiles = np.array_split(IMAGES["uint16"], 3)
    fits = []
    for seed in (0, 1):
        quantizer = ImageQuantizer(n_bins=8, random_state=seed)
        for tile in tiles:
            quantizer.partial_fit(tile)
        fits.append(quantizer)
    _assert_same_fit(*fits)


def test_partial_fit_on_float_with_few_values_is_exact():
    rng = np.random.default_rng(1)
    image = rng.choice(np.linspace(0, 1, 300), size=(400, 600)).astype(np.float32)
    streamed = ImageQuantizer(n_bins=8, strategy="quantile")
    for tile in np.array_split(image, 5):
        streamed.partial_fit(tile)
    whole = ImageQuantizer(n_bins=8, strategy="quantile", subsample=None).fit(image)
    _assert_same_fit(streamed, whole)


def test_partial_fit_rejects_float_images_with_a_clear_error():
    image = np.random.default_rng(2).random((300, 300))
    quantizer = ImageQuantizer().partial_fit(IMAGES["uint8"][:, :300])
    edges = quantizer.bin_edges_[0].copy()
    with pytest.raises(ValueError, match=r"at most 65536 distinct values") as error:
        quantizer.partial_fit(image)
    assert "np.round(image * 65535).astype(np.uint16)" in str(error.value)
    assert "use fit" in str(error.value)
    # The failed call changed nothing: the stream goes on.
    assert_array_equal(quantizer.bin_edges_[0], edges)
    quantizer.partial_fit(IMAGES["uint8"][:, :300])
    with pytest.raises(ValueError, match="at most 65536 distinct values"):
        ImageQuantizer().partial_fit(image)


def test_partial_fit_after_a_subsampled_fit_is_an_error():
    image = np.random.default_rng(2).random((100, 100))
    quantizer = ImageQuantizer(subsample=1000, random_state=0).fit(image)
    with pytest.raises(ValueError, match=r"subsample of float data \(subsample=1000\)"):
        quantizer.partial_fit(image)


def test_partial_fit_checks_columns_and_channels():
    quantizer = ImageQuantizer().partial_fit(IMAGES["uint8"])
    with pytest.raises(
        ValueError, match="X has 319 features, but ImageQuantizer is expecting"
    ):
        quantizer.partial_fit(IMAGES["uint8"][:, :-1])
    rgb = np.zeros((4, 5, 3), dtype=np.uint8)
    rgb[..., 1] = 9
    colour = ImageQuantizer(n_bins=2, channel_axis=-1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # constant channels
        colour.partial_fit(rgb)
        with pytest.raises(ValueError, match="The data has 2 channels, but ImageQuantizer"):
            colour.partial_fit(np.zeros((4, 5, 2), dtype=np.uint8))
