"""Properties of ImageQuantizer that hold for any image, checked with hypothesis.

Monotone codes, decoded values inside their bins, centroids no worse than
midpoints, the score of every pixel, and inputs left untouched, over random
uint8, uint16 and float64 images, every strategy, and 2 to 20 bins.
"""

import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_array_equal

from sk_imagequant import ImageQuantizer

STRATEGIES = ("uniform", "quantile", "kmeans", "optimal")

# The two warnings the estimator gives, by design, on degenerate data.
DEGENERATE = re.compile(r"Channel 0 is constant|Channel 0 gets \d+ bins? instead")

# Spacings of the clustered float images, from far below an ulp to 1e3.
STEPS = (1e-300, 1e-15, 1e-12, 1e-9, 1e-8, 1e-6, 1e-3, 1.0, 1e3)

SETTINGS = settings(max_examples=50, deadline=None)

shapes = hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=12)
# Grey levels of any magnitude an image plausibly holds. Beyond about 1e154
# squared errors and midpoints overflow float64, out of scope here.
floats = st.floats(
    min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False, width=64
)


def _elements(dtype):
    if dtype == np.float64:
        return floats
    return st.integers(0, np.iinfo(dtype).max)


@st.composite
def images(draw):
    """A 2-D uint8, uint16 or float64 image, possibly constant or with few levels.

    Half the float images are clustered: an offset plus whole multiples of a
    step from 1e-300 to 1e3, so that values may lie a few ulps apart, closer
    than the 1e-8 under which ``KBinsDiscretizer`` merges bins.
    """
    dtype = draw(st.sampled_from([np.uint8, np.uint16, np.float64]))
    if dtype == np.float64 and draw(st.booleans()):
        offset = draw(floats)
        step = draw(st.sampled_from(STEPS))
        steps = draw(hnp.arrays(np.int64, shapes, elements=st.integers(0, 1000)))
        return offset + step * steps
    return draw(hnp.arrays(dtype, shapes, elements=_elements(dtype)))


# What most properties are drawn over.
IMAGE_STRATEGY_BINS = {
    "image": images(),
    "strategy": st.sampled_from(STRATEGIES),
    "n_bins": st.integers(2, 20),
}


def fit(quantizer, image):
    """Fit, letting through only the documented warnings of degenerate data.

    Generated images are often constant or have fewer distinct values than
    bins: the estimator then warns by design (those warnings are tested in
    test_quantizer.py). They are recorded here and checked to be those two
    warnings; any other warning, of any category, still fails the test.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        quantizer.fit(image)
    for warning in caught:
        assert warning.category is UserWarning, warning
        assert DEGENERATE.match(str(warning.message)), warning.message
    return quantizer


@SETTINGS
@given(**IMAGE_STRATEGY_BINS)
def test_codes_are_monotone_in_the_value(image, strategy, n_bins):
    quantizer = fit(ImageQuantizer(n_bins=n_bins, strategy=strategy), image)
    values = np.sort(image, axis=None)
    codes = quantizer.encode(values)
    assert codes.dtype == np.uint8
    assert codes.shape == values.shape
    assert codes.min() >= 0
    assert codes.max() <= quantizer.n_bins_[0] - 1
    assert quantizer.n_bins_[0] <= n_bins
    assert np.all(np.diff(codes.astype(np.int64)) >= 0)
    # The whole image gets the codes of its values, in place.
    assert_array_equal(np.sort(quantizer.transform(image), axis=None), codes)


@SETTINGS
@given(
    **IMAGE_STRATEGY_BINS,
    centers=st.sampled_from(["midpoint", "centroid"]),
    data=st.data(),
)
def test_decoded_value_lies_in_the_bin_of_the_value(image, strategy, n_bins, centers, data):
    quantizer = fit(
        ImageQuantizer(n_bins=n_bins, strategy=strategy, centers=centers), image
    )
    edges = quantizer.bin_edges_[0]
    last = quantizer.n_bins_[0] - 1
    assert edges.size == quantizer.n_bins_[0] + 1
    assert np.all(np.diff(edges) >= 0)

    # Values inside the fitted range: the image itself and new values drawn
    # between its minimum and maximum.
    low, high = float(image.min()), float(image.max())
    extra = data.draw(
        hnp.arrays(np.float64, st.integers(1, 20), elements=st.floats(low, high)),
        label="values inside the fitted range",
    )
    for values in (image.ravel(), extra):
        codes = quantizer.encode(values).astype(np.intp)
        decoded = quantizer.decode(codes)
        assert np.all(edges[codes] <= decoded)
        assert np.all(decoded <= edges[codes + 1])
        assert np.all(edges[codes] <= values)
        assert np.all(values <= edges[codes + 1])
        # Only the last bin is closed on the right.
        assert np.all((values < edges[codes + 1]) | (codes == last))

    # Every centre lies in its own bin.
    centres = quantizer.bin_centers_[0]
    assert np.all(edges[:-1] <= centres)
    assert np.all(centres <= edges[1:])


@SETTINGS
@given(**IMAGE_STRATEGY_BINS)
def test_centroids_have_no_more_squared_error_than_midpoints(image, strategy, n_bins):
    midpoint = fit(ImageQuantizer(n_bins=n_bins, strategy=strategy), image)
    centroid = fit(
        ImageQuantizer(n_bins=n_bins, strategy=strategy, centers="centroid"), image
    )
    # Same bins: only what the codes decode to differs.
    assert_array_equal(centroid.bin_edges_[0], midpoint.bin_edges_[0])
    codes = midpoint.encode(image)
    assert_array_equal(centroid.encode(image), codes)

    values = image.astype(np.float64)
    error_midpoint = np.sum((values - midpoint.decode(codes)) ** 2)
    error_centroid = np.sum((values - centroid.decode(codes)) ** 2)
    # The bin mean minimises the squared error in each bin. The slack only
    # absorbs the rounding of a mean computed in floating point: a few ulps
    # of the largest value, per value (about 1e-25 for uint8 images; it
    # matters only for float values a few ulps apart).
    ulps = 8 * np.spacing(np.abs(values).max())
    assert error_centroid <= error_midpoint * (1 + 1e-12) + values.size * ulps**2


@SETTINGS
@given(
    **IMAGE_STRATEGY_BINS,
    centers=st.sampled_from(["midpoint", "centroid"]),
)
def test_read_only_inputs_work_and_are_left_unchanged(image, strategy, n_bins, centers):
    original = image.copy()
    image.flags.writeable = False
    quantizer = fit(
        ImageQuantizer(n_bins=n_bins, strategy=strategy, centers=centers), image
    )
    codes = quantizer.transform(image)
    assert_array_equal(quantizer.encode(image), codes)
    score = quantizer.score(image)
    assert score >= 0
    codes.flags.writeable = False
    codes_copy = codes.copy()
    assert_array_equal(quantizer.inverse_transform(codes), quantizer.decode(codes))
    assert_array_equal(image, original)
    assert image.dtype == original.dtype
    assert_array_equal(codes, codes_copy)
    assert not image.flags.writeable


@SETTINGS
@given(
    **IMAGE_STRATEGY_BINS,
    centers=st.sampled_from(["midpoint", "centroid"]),
)
def test_score_is_the_psnr_of_every_pixel(image, strategy, n_bins, centers):
    """8- and 16-bit images are scored from their histogram: the same PSNR."""
    quantizer = fit(
        ImageQuantizer(n_bins=n_bins, strategy=strategy, centers=centers), image
    )
    peak = 255.0 if image.dtype == np.uint8 else 65535.0
    if image.dtype == np.float64:  # the fitted range, or 1 for a constant image
        edges = quantizer.bin_edges_[0]
        peak = float(edges[-1] - edges[0]) or 1.0
    mse = np.mean(np.square(image - quantizer.decode(quantizer.encode(image))))
    score = quantizer.score(image)
    if mse == 0:
        assert score == np.inf
    else:
        assert score == pytest.approx(10 * np.log10(peak**2 / mse), rel=1e-12, abs=1e-9)


# Found by the tests above: KMeans left two empty clusters outside the data
# (values within ~1e-13 of each other on a range of 1e6), and the edges came
# out unsorted, so that 0.0 decoded to -50365.
def test_kmeans_edges_increase_when_kmeans_leaves_clusters_empty():
    tiny = [-1.62571772e-304, 0.0, 5.51161943e-288, 1.18207515e-159]
    spread = [1.0, 103528.539, 106894.486, 270629.0, 648947.702, 824753.084, 824753.084]
    image = np.array([[*tiny, *spread, 1e6]])
    quantizer = fit(ImageQuantizer(n_bins=10, strategy="kmeans"), image)
    edges = quantizer.bin_edges_[0]
    assert edges[0] == image.min()
    assert edges[-1] == image.max()
    assert np.all(np.diff(edges) >= 0)
    decoded = quantizer.decode(quantizer.encode(image))
    # Every value decodes within its bin, so within the data's range.
    assert np.all((image.min() <= decoded) & (decoded <= image.max()))


# Found by the tests above: after a relocation, two centres within an ulp of
# 2.0 put the reach of KMeans' rounding beyond the centres themselves, and
# the replay's bins stopped being runs of levels (a crash in np.repeat).
def test_kmeans_replay_survives_centres_an_ulp_apart():
    row = [0.125, 0.25, 41965.0, -61679.64383298007, -1.0]
    image = np.array([row, [8464.0, 0.0, 1.0, 0.0625, 2.0], [2.0] * 5, [2.0] * 5])
    quantizer = fit(ImageQuantizer(n_bins=9, strategy="kmeans"), image)
    order = np.argsort(image, axis=None)
    assert np.all(np.diff(quantizer.encode(image).ravel()[order].astype(int)) >= 0)
    assert quantizer.n_bins_[0] == 9
