"""Properties that hold for any image: monotone codes, centres inside their bins."""

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sk_imagequant import ImageQuantizer

STRATEGIES = st.sampled_from(["uniform", "quantile", "kmeans"])
CENTERS = st.sampled_from(["midpoint", "centroid"])
IMAGES = st.one_of(
    hnp.arrays(np.uint8, hnp.array_shapes(min_dims=2, max_dims=2, max_side=12)),
    hnp.arrays(np.uint16, hnp.array_shapes(min_dims=2, max_dims=2, max_side=12)),
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=2, max_side=12),
        elements=st.floats(-1e6, 1e6, allow_nan=False),
    ),
)


def _fit(image, **params):
    # Random draws are often constant or have few distinct values: the
    # quantizer then warns by design (see test_quantizer.py).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return ImageQuantizer(**params).fit(image)


@settings(max_examples=60, deadline=None)
@given(image=IMAGES, n_bins=st.integers(2, 20), strategy=STRATEGIES)
def test_codes_are_monotone_in_the_value(image, n_bins, strategy):
    quantizer = _fit(image, n_bins=n_bins, strategy=strategy)
    values = np.sort(image.ravel())
    codes = quantizer.encode(values)
    assert codes.dtype == np.uint8
    assert np.all(np.diff(codes.astype(int)) >= 0)
    assert codes.max() <= quantizer.n_bins_[0] - 1
    assert 1 <= quantizer.n_bins_[0] <= n_bins


@settings(max_examples=60, deadline=None)
@given(image=IMAGES, n_bins=st.integers(2, 20), strategy=STRATEGIES, centers=CENTERS)
def test_values_and_their_decoded_levels_share_a_bin(image, n_bins, strategy, centers):
    quantizer = _fit(image, n_bins=n_bins, strategy=strategy, centers=centers)
    edges = quantizer.bin_edges_[0]
    codes = quantizer.encode(image).astype(int)
    decoded = quantizer.decode(codes)
    assert np.all(edges[codes] <= decoded)
    assert np.all(decoded <= edges[codes + 1])
    assert np.all(edges[codes] <= image)
    assert np.all(image <= edges[codes + 1])


@settings(max_examples=40, deadline=None)
@given(image=IMAGES, n_bins=st.integers(2, 20), strategy=STRATEGIES)
def test_centroids_never_decode_worse_than_midpoints(image, n_bins, strategy):
    midpoint = _fit(image, n_bins=n_bins, strategy=strategy)
    centroid = _fit(image, n_bins=n_bins, strategy=strategy, centers="centroid")
    values = image.astype(np.float64)

    def error(quantizer):
        return np.sum((values - quantizer.decode(quantizer.encode(image))) ** 2)

    assert error(centroid) <= error(midpoint) * (1 + 1e-9) + 1e-9


@settings(max_examples=40, deadline=None)
@given(image=IMAGES, strategy=STRATEGIES)
def test_inputs_stay_untouched(image, strategy):
    image.flags.writeable = False
    original = image.copy()
    quantizer = _fit(image, n_bins=4, strategy=strategy)
    quantizer.transform(image)
    quantizer.encode(image)
    quantizer.score(image)
    np.testing.assert_array_equal(image, original)
