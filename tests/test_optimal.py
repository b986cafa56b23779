"""The exactly optimal 1-D quantiser kernel, ``_optimal.optimal_bin_edges``.

Errors are always recomputed from the returned edges (``squared_error``, or
directly from pixels), never taken from the dynamic programme. Both ways of
filling the layers (dense table, divide and conquer) and the search by
Lagrangian relaxation ("penalized") are tested.
"""

import itertools
from unittest import mock

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sk_imagequant import _optimal
from sk_imagequant._histogram import level_counts
from sk_imagequant._kmeans import bin_labels, refine_kmeans, squared_error
from sk_imagequant._optimal import optimal_bin_edges

RTOL = 1e-9
PATHS = ["dense", "divide", "penalized"]


def edges_by(path, levels, counts, n_bins):
    """``optimal_bin_edges`` with the bins found the ``path`` way.

    "penalized" searches the price of a bin from 2 bins on; it falls back to
    dividing the layers only where the search does not settle.
    """
    dense = path == "dense"
    penalized_bins = 2 if path == "penalized" else 1 << 30
    with (
        mock.patch.object(_optimal, "_use_dense", return_value=dense),
        mock.patch.object(_optimal, "_PENALIZED_BINS", penalized_bins),
    ):
        return optimal_bin_edges(levels, counts, n_bins)


def error_of(levels, counts, edges):
    return squared_error(levels, counts, edges)


def bin_errors(levels, counts):
    """``table[j, i]``: error of one bin holding levels ``j..i``, by two passes."""
    n_levels = levels.size
    table = np.full((n_levels, n_levels), np.inf)
    for j in range(n_levels):
        for i in range(j, n_levels):
            x, w = levels[j : i + 1], counts[j : i + 1]
            mean = np.sum(w * x) / np.sum(w)
            table[j, i] = np.sum(w * (x - mean) ** 2)
    return table


def exhaustive_error(levels, counts, n_bins, table=None):
    """Least error over every partition into ``n_bins`` contiguous bins."""
    if table is None:
        table = bin_errors(levels, counts)
    n_levels = levels.size
    best = np.inf
    for cuts in itertools.combinations(range(1, n_levels), n_bins - 1):
        bounds = (0, *cuts, n_levels)
        best = min(best, sum(table[a, b - 1] for a, b in itertools.pairwise(bounds)))
    return best


def assert_layout(levels, edges, n_bins):
    """Edges as documented: outer ones the data range, inner ones midpoints."""
    assert edges.dtype == np.float64
    n_out = min(n_bins, levels.size)
    assert edges.shape == (n_out + 1,)
    assert edges[0] == levels[0]
    assert edges[-1] == levels[-1]
    labels = bin_labels(levels, edges)
    # Every bin holds a run of consecutive levels, and none is empty.
    np.testing.assert_array_equal(np.unique(labels), np.arange(n_out))
    assert np.all(np.diff(labels) >= 0)
    if n_out > 1:
        assert np.all(np.diff(edges) > 0)
        starts = np.searchsorted(labels, np.arange(1, n_out))
        np.testing.assert_array_equal(
            edges[1:-1], 0.5 * (levels[starts - 1] + levels[starts])
        )


def random_histogram(rng, n_levels, integer_counts, span=100):
    levels = np.sort(rng.choice(span, n_levels, replace=False)).astype(np.float64)
    if integer_counts:
        counts = rng.integers(1, 6, n_levels).astype(np.float64)
    else:
        counts = rng.uniform(0.01, 3.0, n_levels)
    return levels, counts


def tie_prone_histograms():
    """Histograms with many partitions of exactly equal error."""
    yield np.arange(8.0), np.ones(8)
    yield np.arange(12.0), np.ones(12)
    yield np.arange(9.0), np.array([1.0, 2, 3, 4, 5, 4, 3, 2, 1])
    yield np.arange(10.0), np.array([5.0, 1, 1, 5, 5, 5, 5, 1, 1, 5])
    yield np.array([0.0, 1, 2, 10, 11, 12, 20, 21, 22]), np.ones(9)
    yield (
        np.array([0.0, 0.5, 3, 3.5, 6, 6.5]),
        np.array([0.25, 0.25, 0.25, 0.25, 0.25, 0.25]),
    )


@pytest.mark.parametrize("path", PATHS)
def test_matches_exhaustive_search(path):
    rng = np.random.default_rng(0)
    cases = list(tie_prone_histograms())
    for trial in range(60):
        n_levels = int(rng.integers(1, 11))
        cases.append(random_histogram(rng, n_levels, integer_counts=trial % 2 == 0))
    for levels, counts in cases:
        table = bin_errors(levels, counts)
        for n_bins in range(1, 7):
            edges = edges_by(path, levels, counts, n_bins)
            assert_layout(levels, edges, n_bins)
            best = exhaustive_error(levels, counts, min(n_bins, levels.size), table)
            ours = error_of(levels, counts, edges)
            assert ours <= best * (1 + RTOL) + 1e-12, (levels, counts, n_bins, ours, best)


def test_paths_agree_on_larger_histograms():
    rng = np.random.default_rng(1)
    for n_levels, n_bins in [(300, 3), (300, 40), (500, 7), (700, 120), (256, 255)]:
        levels, counts = random_histogram(rng, n_levels, integer_counts=True, span=4096)
        dense = edges_by("dense", levels, counts, n_bins)
        divide = edges_by("divide", levels, counts, n_bins)
        assert_layout(levels, divide, n_bins)
        np.testing.assert_allclose(
            error_of(levels, counts, divide), error_of(levels, counts, dense), rtol=RTOL
        )


def searched(levels, counts, n_bins):
    """``_searched_bin_starts``, and whether it spliced two partitions."""
    sums = _optimal._prefix_sums(levels, counts)
    with mock.patch.object(_optimal, "_splice", wraps=_optimal._splice) as splice:
        starts = _optimal._searched_bin_starts(sums, n_bins)
    return starts, splice.called


def starts_error(levels, counts, starts):
    return error_of(levels, counts, _optimal._edges(levels, starts))


def test_search_by_price_matches_the_layers():
    # Integer levels and counts, as from images: the search must settle
    # (no fallback) and find the layers' least error.
    rng = np.random.default_rng(2)
    for trial in range(40):
        n_levels = int(rng.integers(100, 3000))
        span = int(rng.integers(n_levels, 8 * n_levels))
        levels, counts = random_histogram(rng, n_levels, integer_counts=True, span=span)
        n_bins = int(rng.integers(48, max(49, levels.size // 3)))
        starts, _ = searched(levels, counts, n_bins)
        assert starts is not None, (trial, levels.size, n_bins)
        assert starts.size == n_bins
        assert starts[0] == 0
        assert np.all(np.diff(starts) > 0)
        assert starts[-1] < levels.size
        layers = edges_by("divide", levels, counts, n_bins)
        assert starts_error(levels, counts, starts) <= error_of(levels, counts, layers) * (
            1 + RTOL
        ), (trial, n_bins)


def priced_histogram(rng, trial, n_levels, span):
    """A random histogram (integer counts on even trials), its prefix sums and
    the error of one bin holding it all (the scale of the prices)."""
    levels, counts = random_histogram(
        rng, n_levels, integer_counts=trial % 2 == 0, span=span
    )
    sums = _optimal._prefix_sums(levels, counts)
    return levels, counts, sums, _optimal._partition_error(sums, np.array([0]))


def test_penalized_partition_is_optimal_for_its_number_of_bins():
    rng = np.random.default_rng(3)
    for trial in range(12):
        levels, counts, sums, one_bin = priced_histogram(rng, trial, 1500, span=6000)
        penalty = one_bin * 10.0 ** rng.uniform(-6, -2)
        starts = _optimal.penalized_bin_starts(sums, penalty)
        assert starts[0] == 0
        assert np.all(np.diff(starts) > 0)
        if 2 <= starts.size < levels.size:
            layers = edges_by("divide", levels, counts, starts.size)
            assert starts_error(levels, counts, starts) <= error_of(
                levels, counts, layers
            ) * (1 + RTOL)


@pytest.mark.parametrize("narrow", [False, True])
def test_sweeps_bounded_by_other_prices_find_the_same_partition(narrow):
    # A cut's first best start never moves up with the price, so the sweeps
    # at a lower and a higher price bound it: blocks before the bounds, or
    # ("narrow") each row's own candidates between them.
    rng = np.random.default_rng(6)
    width, gap = (1 << 30, 0) if narrow else (-1, 0)
    with (
        mock.patch.object(_optimal, "_BOUNDED_WIDTH", width),
        mock.patch.object(_optimal, "_BOUNDED_GAP", gap),
    ):
        for trial in range(16):
            _, _, sums, one_bin = priced_histogram(rng, trial, 3000, span=9000)
            price = one_bin * 10.0 ** rng.uniform(-7, -3)
            factor = 1.0 + rng.uniform(0.001, 0.3)
            _, high = _optimal._sweep(sums, price / factor)  # more bins
            starts, start = _optimal._sweep(sums, price)
            _, low = _optimal._sweep(sums, price * factor)  # fewer bins
            assert np.all(low <= start), trial
            assert np.all(start <= high), trial
            for bounds in ((low, high), (None, high), (low, None)):
                bounded, _ = _optimal._sweep(sums, price, *bounds)
                np.testing.assert_array_equal(bounded, starts)


def test_splices_where_the_error_is_linear_in_the_bins():
    # Equally spaced, equally weighted levels: between n_levels / m and
    # n_levels / (m + 1) bins, the optimum mixes bins of m and m + 1 levels,
    # its error linear in the number of bins, so no price gives 100 bins
    # exactly and the two partitions either side are spliced.
    levels = np.arange(1000.0)
    counts = np.ones(1000)
    starts, spliced = searched(levels, counts, 100 + 3)
    assert spliced
    assert starts.size == 103
    sizes = np.diff(np.append(starts, 1000))
    assert set(sizes) <= {9, 10}
    layers = edges_by("divide", levels, counts, 103)
    np.testing.assert_allclose(
        starts_error(levels, counts, starts), error_of(levels, counts, layers), rtol=RTOL
    )


def test_near_ties_fall_back_to_the_layers():
    # Pairs of levels 1e-13 apart: past 100 bins, more bins lower the error
    # by nothing measurable, and the price search gives up.
    rng = np.random.default_rng(4)
    base = np.sort(rng.choice(100_000, 200, replace=False)).astype(np.float64)
    levels = np.sort(np.concatenate((base, base + base * 1e-13 + 1e-13)))
    counts = rng.integers(1, 5, levels.size).astype(np.float64)
    starts, _ = searched(levels, counts, 300)
    assert starts is None
    edges = optimal_bin_edges(levels, counts, 300)
    assert_layout(levels, edges, 300)
    np.testing.assert_allclose(
        error_of(levels, counts, edges),
        error_of(levels, counts, edges_by("divide", levels, counts, 300)),
        rtol=RTOL,
        atol=1e-9,
    )


def test_one_bin_per_level_when_bins_are_many():
    levels = np.array([1.0, 4.0, 5.0, 9.0])
    counts = np.array([3.0, 1.0, 2.0, 7.0])
    for n_bins in (4, 5, 256):
        edges = optimal_bin_edges(levels, counts, n_bins)
        np.testing.assert_array_equal(edges, [1.0, 2.5, 4.5, 7.0, 9.0])
        assert error_of(levels, counts, edges) == 0.0


def test_single_level():
    for n_bins in (1, 2, 8):
        edges = optimal_bin_edges(np.array([42.0]), np.array([5.0]), n_bins)
        np.testing.assert_array_equal(edges, [42.0, 42.0])


def test_one_bin():
    levels = np.array([-3.0, 0.0, 2.5, 7.0])
    edges = optimal_bin_edges(levels, np.ones(4), 1)
    np.testing.assert_array_equal(edges, [-3.0, 7.0])


def test_two_clusters():
    levels = np.array([0.0, 1.0, 2.0, 10.0, 11.0, 12.0])
    np.testing.assert_array_equal(
        optimal_bin_edges(levels, np.ones(6), 2), [0.0, 6.0, 12.0]
    )


@pytest.mark.parametrize(
    ("levels", "counts", "n_bins"),
    [
        (np.array([]), np.array([]), 2),
        (np.array([1.0, 2.0]), np.array([1.0]), 2),
        (np.ones((2, 2)), np.ones((2, 2)), 2),
        (np.array([1.0, 2.0]), np.array([1.0, 1.0]), 0),
    ],
)
def test_bad_input(levels, counts, n_bins):
    with pytest.raises(ValueError, match=r"levels and counts|n_bins"):
        optimal_bin_edges(levels, counts, n_bins)


@pytest.mark.parametrize("path", PATHS)
def test_extreme_magnitudes_keep_the_layout(path):
    # Adjacent floats: the midpoint rounds to one of them, the edge must
    # still separate them.
    close = np.array(
        [1.0, np.nextafter(1.0, 2.0), np.nextafter(np.nextafter(1.0, 2.0), 2.0)]
    )
    for n_bins in (2, 3):
        edges = edges_by(path, close, np.array([1.0, 1.0, 5.0]), n_bins)
        np.testing.assert_array_equal(
            bin_labels(close, edges), np.arange(3) * (n_bins - 1) // 2
        )
    huge = np.array([-1e308, -0.9e308, -0.8e308, 1e308])
    edges = edges_by(path, huge, np.ones(4), 2)
    assert np.all(np.isfinite(edges))
    np.testing.assert_array_equal(bin_labels(huge, edges), [0, 0, 0, 1])
    tiny = np.array([0.0, 1e-310, 2e-310, 1e-300])
    edges = edges_by(path, tiny, np.ones(4), 2)
    np.testing.assert_array_equal(bin_labels(tiny, edges), [0, 0, 0, 1])


@pytest.mark.parametrize("path", PATHS)
def test_invariant_to_shift_and_scale(path):
    rng = np.random.default_rng(2)
    levels, counts = random_histogram(rng, 40, integer_counts=True)
    labels = bin_labels(levels, edges_by(path, levels, counts, 6))
    for new_levels, new_counts in [
        (levels * 1e-200, counts),
        (levels * 1e200, counts),
        (levels + 1e9, counts),
        (levels, counts * 1e-250),
        (levels, counts * 1e250),
    ]:
        edges = edges_by(path, new_levels, new_counts, 6)
        np.testing.assert_array_equal(bin_labels(new_levels, edges), labels)


def kmeans_errors(levels, counts, n_bins, rng, n_random=3):
    """Errors of ``refine_kmeans`` from uniform edges and from random ones."""
    starts = [np.linspace(levels[0], levels[-1], n_bins + 1)]
    for _ in range(n_random):
        inner = np.sort(rng.uniform(levels[0], levels[-1], n_bins - 1))
        starts.append(np.r_[levels[0], inner, levels[-1]])
    return [
        error_of(levels, counts, refine_kmeans(levels, counts, edges)) for edges in starts
    ]


def test_never_worse_than_kmeans():
    rng = np.random.default_rng(3)
    for trial in range(12):
        n_levels = int(rng.integers(20, 400))
        levels = np.sort(rng.choice(4096, n_levels, replace=False)).astype(np.float64)
        counts = rng.integers(1, 1000, n_levels).astype(np.float64)
        if trial % 3 == 0:
            counts = rng.exponential(1.0, n_levels)
        for n_bins in (2, 3, 5, 8, 16, 64):
            if n_bins >= n_levels:
                continue
            ours = error_of(levels, counts, optimal_bin_edges(levels, counts, n_bins))
            for theirs in kmeans_errors(levels, counts, n_bins, rng):
                assert ours <= theirs * (1 + 1e-12)


def test_never_worse_than_kmeans_on_the_face(face):
    rng = np.random.default_rng(4)
    levels, counts = level_counts(face.ravel())
    for n_bins in (2, 3, 4, 8, 16, 32, 64):
        ours = error_of(levels, counts, optimal_bin_edges(levels, counts, n_bins))
        for theirs in kmeans_errors(levels, counts, n_bins, rng):
            assert ours <= theirs * (1 + 1e-12)


def image_sse(image, thresholds, right):
    """Squared error of the pixels, classes cut at ``thresholds``, each to its mean."""
    values = image.ravel().astype(np.float64)
    classes = np.digitize(values, thresholds, right=right)
    error = 0.0
    for label in np.unique(classes):
        members = values[classes == label]
        error += np.sum((members - members.mean()) ** 2)
    return error


def histogram_edges_sse(image, edges):
    levels, counts = level_counts(image.ravel())
    return error_of(levels, counts, edges)


def mixture_image(rng, centres, shape=(64, 64), spread=12.0):
    labels = rng.integers(0, len(centres), shape)
    values = np.asarray(centres, dtype=np.float64)[labels] + rng.normal(0, spread, shape)
    return np.clip(np.round(values), 0, 255).astype(np.uint8)


def test_three_classes_match_a_brute_force_over_thresholds():
    rng = np.random.default_rng(5)
    for centres in ([60, 120, 180], [30, 40, 200]):
        image = mixture_image(rng, centres, shape=(24, 24), spread=8.0)
        levels = np.unique(image).astype(np.float64)
        best = min(
            image_sse(image, [t1, t2], right=True)
            for t1, t2 in itertools.combinations(levels[:-1], 2)
        )
        levels, counts = level_counts(image.ravel())
        ours = error_of(levels, counts, optimal_bin_edges(levels, counts, 3))
        np.testing.assert_allclose(ours, best, rtol=RTOL)


def multiotsu_cases(face_or_none):
    rng = np.random.default_rng(6)
    yield mixture_image(rng, [70, 170])
    yield mixture_image(rng, [40, 120, 210])
    yield mixture_image(rng, [20, 90, 150, 230], spread=20.0)
    if face_or_none is not None:
        yield face_or_none


@pytest.mark.parametrize("with_face", [False, True])
def test_at_least_as_good_as_multiotsu(with_face, request):
    filters = pytest.importorskip("skimage.filters")
    face = request.getfixturevalue("face") if with_face else None
    images = [face] if with_face else list(multiotsu_cases(None))
    for image in images:
        levels, counts = level_counts(image.ravel())
        for classes in (3, 4):
            thresholds = filters.threshold_multiotsu(image, classes=classes)
            ours = error_of(levels, counts, optimal_bin_edges(levels, counts, classes))
            # scikit-image's example puts a pixel equal to a threshold in the
            # upper class (np.digitize); either way ours is no worse.
            for right in (False, True):
                theirs = image_sse(image, thresholds, right=right)
                assert ours <= theirs * (1 + 1e-12)


def ckwrap_error(ckwrap, levels, counts, n_bins, expand=False):
    """Recomputed error of the partition ``ckwrap.ckmeans`` finds."""
    if expand:
        values = np.repeat(levels, counts.astype(np.intp))
        labels = ckwrap.ckmeans(values, n_bins).labels
        labels = labels[np.r_[0, np.cumsum(counts.astype(np.intp))[:-1]]]
    else:
        labels = ckwrap.ckmeans(levels, n_bins, weights=counts).labels
    starts = np.flatnonzero(np.diff(labels)) + 1
    edges = np.r_[levels[0], 0.5 * (levels[starts - 1] + levels[starts]), levels[-1]]
    return error_of(levels, counts, edges)


def test_same_error_as_ckwrap():
    ckwrap = pytest.importorskip("ckwrap")
    rng = np.random.default_rng(7)
    for n_levels, n_bins in [(12, 3), (60, 5), (200, 17), (700, 40), (2000, 60)]:
        levels = np.sort(rng.choice(65536, n_levels, replace=False)).astype(np.float64)
        counts = rng.integers(1, 50, n_levels).astype(np.float64)
        ours = error_of(levels, counts, optimal_bin_edges(levels, counts, n_bins))
        np.testing.assert_allclose(
            ours, ckwrap_error(ckwrap, levels, counts, n_bins), rtol=RTOL
        )
        weights = rng.exponential(1.0, n_levels)
        ours = error_of(levels, weights, optimal_bin_edges(levels, weights, n_bins))
        np.testing.assert_allclose(
            ours, ckwrap_error(ckwrap, levels, weights, n_bins), rtol=RTOL
        )
    # Weights mean repeated values: ckwrap on the expanded pixels agrees.
    levels = np.arange(30.0) ** 1.5
    counts = rng.integers(1, 20, 30).astype(np.float64)
    ours = error_of(levels, counts, optimal_bin_edges(levels, counts, 4))
    np.testing.assert_allclose(
        ours, ckwrap_error(ckwrap, levels, counts, 4, expand=True), rtol=RTOL
    )


@st.composite
def histograms(draw, max_levels=9):
    n_levels = draw(st.integers(1, max_levels))
    integer = draw(st.booleans())
    if integer:
        levels = draw(
            st.lists(
                st.integers(-1000, 1000), min_size=n_levels, max_size=n_levels, unique=True
            )
        )
        counts = draw(st.lists(st.integers(1, 10**6), min_size=n_levels, max_size=n_levels))
    else:
        levels = draw(
            st.lists(
                st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
                min_size=n_levels,
                max_size=n_levels,
                unique=True,
            )
        )
        counts = draw(st.lists(st.floats(1e-3, 1e3), min_size=n_levels, max_size=n_levels))
    levels = np.sort(np.array(levels, dtype=np.float64))
    # Neighbours with a float strictly between them, as the layout checks
    # (adjacent floats: test_extreme_magnitudes_keep_the_layout).
    middle = 0.5 * (levels[1:] + levels[:-1])
    assume(np.all((middle > levels[:-1]) & (middle < levels[1:])))
    return levels, np.array(counts, dtype=np.float64)


@settings(max_examples=50, deadline=None)
@given(histogram=histograms(), path=st.sampled_from(PATHS))
def test_property_more_bins_never_worse_and_optimal(histogram, path):
    levels, counts = histogram
    table = bin_errors(levels, counts)
    previous = np.inf
    for n_bins in range(1, levels.size + 2):
        edges = edges_by(path, levels, counts, n_bins)
        assert_layout(levels, edges, n_bins)
        error = error_of(levels, counts, edges)
        # 1e-9 of the one-bin error absorbs rounding when the optimum is ~0.
        slack = 1e-9 * table[0, -1]
        assert error <= previous * (1 + RTOL) + slack
        best = exhaustive_error(levels, counts, min(n_bins, levels.size), table)
        assert error <= best * (1 + RTOL) + slack
        previous = error
