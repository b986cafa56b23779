"""strategy="optimal" in the estimator: the least squared error any n_bins levels reach."""

import itertools

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sk_imagequant import ImageQuantizer


def _squared_error(quantizer, image):
    """Total squared error of decode(encode(image)) against the image."""
    approx = quantizer.decode(quantizer.encode(image))
    return float(np.sum((approx - image.astype(np.float64)) ** 2))


def _images():
    rng = np.random.default_rng(11)
    bimodal = np.r_[rng.normal(60, 12, 30_000), rng.normal(180, 30, 30_000)]
    return {
        "bimodal uint8": np.clip(bimodal, 0, 255).astype(np.uint8).reshape(200, 300),
        "12-bit": np.clip(rng.gamma(3, 400, (200, 300)), 0, 4095).astype(np.uint16),
        "int16 signed": rng.laplace(0, 2000, (150, 200)).astype(np.int16),
        "float": rng.lognormal(0, 1, (120, 150)),
    }


IMAGES = _images()


# Quantile bins merge on uint8 data at 64 bins; fewer bins only raise their error.
@pytest.mark.filterwarnings("ignore:Channel 0 gets [0-9]+ bins instead:UserWarning")
@pytest.mark.parametrize("kind", IMAGES)
@pytest.mark.parametrize("n_bins", [2, 3, 5, 8, 13, 32, 64])
def test_never_worse_than_kmeans(kind, n_bins):
    image = IMAGES[kind]
    params = dict(n_bins=n_bins, centers="centroid", subsample=None)
    optimal = ImageQuantizer(strategy="optimal", **params).fit(image)
    kmeans = ImageQuantizer(strategy="kmeans", **params).fit(image)
    optimal_error = _squared_error(optimal, image)
    assert optimal_error <= _squared_error(kmeans, image) * (1 + 1e-12)
    for strategy in ("uniform", "quantile"):
        other = ImageQuantizer(strategy=strategy, **params).fit(image)
        assert optimal_error <= _squared_error(other, image) * (1 + 1e-12)


def test_the_face_at_4_8_16_bins(face):
    # Mean squared errors with centroids; optimal is lower than kmeans at each.
    expected = {4: (240.59, 240.12), 8: (64.26, 63.32), 16: (18.30, 16.57)}
    for n_bins, (kmeans_mse, optimal_mse) in expected.items():
        for strategy, mse in (("kmeans", kmeans_mse), ("optimal", optimal_mse)):
            quantizer = ImageQuantizer(n_bins, strategy=strategy, centers="centroid")
            error = _squared_error(quantizer.fit(face), face) / face.size
            assert error == pytest.approx(mse, abs=0.005), (n_bins, strategy)


def _exhaustive_least_error(values, n_bins):
    """The least squared error over every partition of the sorted distinct values."""
    levels, counts = np.unique(values, return_counts=True)
    best = np.inf
    for cuts in itertools.combinations(range(1, levels.size), n_bins - 1):
        error = 0.0
        for part_levels, part_counts in zip(
            np.split(levels, cuts), np.split(counts, cuts), strict=True
        ):
            mean = np.average(part_levels, weights=part_counts)
            error += float(np.sum(part_counts * (part_levels - mean) ** 2))
        best = min(best, error)
    return best


@pytest.mark.parametrize("seed", range(12))
def test_centroids_reach_the_exhaustive_optimum(seed):
    rng = np.random.default_rng(seed)
    palette = np.sort(rng.choice(256, size=rng.integers(4, 11), replace=False))
    image = rng.choice(palette, size=(12, 15), p=rng.dirichlet(np.ones(palette.size)))
    image = image.astype(np.uint8)
    n_levels = np.unique(image).size
    n_bins = int(rng.integers(2, n_levels))
    quantizer = ImageQuantizer(n_bins, strategy="optimal", centers="centroid").fit(image)
    assert _squared_error(quantizer, image) == pytest.approx(
        _exhaustive_least_error(image, n_bins), rel=1e-12, abs=1e-9
    )


def test_edges_sit_halfway_between_neighbouring_levels():
    image = np.array([[0, 1, 2, 10, 11, 12], [40, 41, 42, 100, 101, 102]], np.uint8)
    quantizer = ImageQuantizer(n_bins=4, strategy="optimal").fit(image)
    assert_array_equal(quantizer.bin_edges_[0], [0, 6, 26, 71, 102])
    assert_array_equal(quantizer.transform(image), [[0, 0, 0, 1, 1, 1], [2, 2, 2, 3, 3, 3]])
    centroid = quantizer.set_params(centers="centroid").fit(image)
    assert_array_equal(centroid.bin_centers_[0], [1, 11, 41, 101])


def test_float_data_use_the_sorted_distinct_values_of_the_subsample():
    image = IMAGES["float"]
    full = ImageQuantizer(8, strategy="optimal", subsample=None).fit(image)
    levels = np.unique(image)
    assert full.bin_edges_[0][0] == levels[0]
    assert full.bin_edges_[0][-1] == levels[-1]
    inner = full.bin_edges_[0][1:-1]
    # Every inner edge is the midpoint of two neighbouring distinct values.
    position = np.searchsorted(levels, inner)
    assert_allclose(inner, 0.5 * (levels[position - 1] + levels[position]), rtol=1e-15)
    sampled = ImageQuantizer(8, strategy="optimal", subsample=5000, random_state=0)
    again = ImageQuantizer(8, strategy="optimal", subsample=5000, random_state=0)
    assert_array_equal(sampled.fit(image).bin_edges_[0], again.fit(image).bin_edges_[0])


def test_few_levels_get_one_bin_each_with_a_warning():
    image = np.array([[5, 5, 9], [9, 200, 5]], dtype=np.uint8)
    with pytest.warns(UserWarning, match="Channel 0 gets 3 bins instead of n_bins=8"):
        quantizer = ImageQuantizer(8, strategy="optimal", centers="centroid").fit(image)
    assert_array_equal(quantizer.bin_centers_[0], [5, 9, 200])
    assert _squared_error(quantizer, image) == 0
