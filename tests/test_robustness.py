"""Real images that once got silently wrong answers, and the claims that fix them.

Byte orders, floats a few ulps apart, 64-bit integers at 2**63, values too
large to score, parameters changed without a refit, masked arrays, k-means
never worse than KBinsDiscretizer, quantile edges equal to the fit on every
pixel, and partial_fit fitting the bins once.
"""

import re
import subprocess
import sys
import tracemalloc
import warnings

import matplotlib.cbook
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_array_equal
from sklearn.preprocessing import KBinsDiscretizer

from sk_imagequant import ImageQuantizer
from sk_imagequant._histogram import level_counts, value_counts
from sk_imagequant._kmeans import lloyd_pixels, squared_error
from sk_imagequant._quantizer import QUANTILE_METHOD

STRATEGIES = ("uniform", "quantile", "kmeans", "optimal")
DEMO = [sys.executable, "-m", "sk_imagequant", "demo"]


def _quiet(function, *args, **kwargs):
    """Call, with the documented degenerate-data warnings silenced."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Channel", UserWarning)
        warnings.filterwarnings("ignore", "Bins whose width", UserWarning)
        warnings.filterwarnings("ignore", "Feature .* is constant", UserWarning)
        warnings.filterwarnings("ignore", "Number of distinct clusters", UserWarning)
        return function(*args, **kwargs)


def _kbins(n_bins, strategy, column, sample_weight=None):
    reference = KBinsDiscretizer(
        n_bins=n_bins,
        encode="ordinal",
        strategy=strategy,
        quantile_method=QUANTILE_METHOD,
        subsample=None,
    )
    return _quiet(reference.fit, column, sample_weight=sample_weight)


# 1. Byte order ----------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["u2", "i2", "u1", "i4", "u8", "f8", "f4"])
@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("channel_axis", [None, -1])
def test_every_path_reads_big_endian_values_as_such(dtype, strategy, channel_axis):
    rng = np.random.default_rng(1)
    native = (rng.integers(0, 3000, (30, 20)) - (1000 if dtype[0] in "if" else 0)).astype(
        dtype
    )
    swapped = native.astype(np.dtype(dtype).newbyteorder(">"))
    params = dict(n_bins=6, strategy=strategy, channel_axis=channel_axis)
    variants = [
        (swapped, native),
        (swapped.T.copy().T, native),  # Fortran order
        (swapped[:, ::-1], native[:, ::-1]),  # negative strides
    ]
    for image, original in variants:
        expected = _quiet(ImageQuantizer(**params).fit, original)
        quantizer = _quiet(ImageQuantizer(**params).fit, image)
        for ours, theirs in zip(quantizer.bin_edges_, expected.bin_edges_, strict=True):
            assert_array_equal(ours, theirs)
        streamed = ImageQuantizer(**params)
        for tile in np.array_split(image, 3):
            streamed = _quiet(streamed.partial_fit, tile)
        assert_array_equal(streamed.bin_edges_[0], expected.bin_edges_[0])
        codes = expected.transform(original)
        assert_array_equal(quantizer.transform(image), codes)
        assert_array_equal(quantizer.encode(image), codes)
        assert quantizer.score(image) == expected.score(original)
        big_codes = codes.astype(codes.dtype.newbyteorder(">"))
        assert_array_equal(quantizer.decode(big_codes), expected.decode(codes))
        assert_array_equal(quantizer.inverse_transform(big_codes), expected.decode(codes))


def test_the_issues_big_endian_example():
    quantizer = ImageQuantizer(2, strategy="quantile")
    quantizer.fit(np.array([[0, 128]], dtype=">i2"))
    assert_array_equal(quantizer.bin_edges_[0], [0.0, 64.0, 128.0])


def test_big_endian_images_are_counted_without_a_copy():
    image = np.tile(np.arange(1 << 16, dtype=">u2"), 64).reshape(2048, 2048)
    tracemalloc.start()
    levels, counts = level_counts(image)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert levels.size == 65536
    assert_array_equal(counts, 64.0)
    assert peak < image.nbytes / 2


def test_demo_on_a_big_endian_tiff_prints_what_it_prints_for_the_npy(tmp_path):
    pil = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(0)
    grid = np.add.outer(np.arange(60), np.arange(80)) * 500
    pixels = (grid + rng.integers(0, 500, (60, 80))).astype(">u2")
    pil.frombytes("I;16B", (80, 60), pixels.tobytes()).save(tmp_path / "big.tif")
    np.save(tmp_path / "native.npy", pixels.astype("<u2"))
    outputs = []
    for name in ("big.tif", "native.npy"):
        run = subprocess.run(
            [*DEMO, "--image", str(tmp_path / name), "--output", str(tmp_path / name[:3])],
            capture_output=True,
            text=True,
            check=True,
        )
        # The MSE and PSNR columns of the strategies' table (times differ).
        rows = [line.split()[-6:] for line in run.stdout.splitlines()[8:12]]
        outputs.append(rows)
    assert outputs[0] == outputs[1]
    assert float(outputs[0][3][0]) > 0  # the optimal MSE, a number


# 2. Floats a few ulps apart ------------------------------------------------------

ULPS = np.array(
    [
        [
            0.6,
            0.6000000000000001,
            0.6000000000000002,
            3.0,
            3.0000000000000004,
            3.000000000000001,
        ]
    ]
)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_floats_a_few_ulps_apart_fit_and_stream(strategy):
    quantizer = _quiet(ImageQuantizer(5, strategy=strategy).fit, ULPS)
    codes = quantizer.transform(ULPS)
    assert np.all(np.diff(codes[0].astype(int)) >= 0)
    assert codes[0, 0] == codes[0, 2]
    assert codes[0, 3] == codes[0, 5]
    streamed = ImageQuantizer(5, strategy=strategy)
    for tile in np.array_split(ULPS.reshape(-1, 1), 3):
        streamed = streamed.partial_fit(tile)
    assert_array_equal(_quiet(getattr, streamed, "bin_edges_")[0], quantizer.bin_edges_[0])
    if strategy in ("kmeans", "optimal"):  # the two clusters, apart
        assert quantizer.n_bins_[0] == 2
        assert codes[0, 2] < codes[0, 3]


def test_lfw_faces_at_1000_bins():
    """The issue's real case: the first 29 faces of lfw_subset, kmeans at 1000 bins."""
    data = pytest.importorskip("skimage.data")
    faces = data.lfw_subset()[:29]
    quantizer = _quiet(ImageQuantizer(1000, strategy="kmeans").fit, faces)
    codes = quantizer.transform(faces)
    order = np.argsort(faces, axis=None, kind="stable")
    assert np.all(np.diff(codes.ravel()[order].astype(int)) >= 0)
    streamed = ImageQuantizer(1000, strategy="kmeans")
    for tile in np.array_split(faces, 4):
        streamed = streamed.partial_fit(tile)
    # The bins are fitted when first read, and warn then.
    assert_array_equal(_quiet(getattr, streamed, "bin_edges_")[0], quantizer.bin_edges_[0])


# 3. 64-bit integers at and above 2**63 ---------------------------------------------


def test_uint64_above_2_63_has_no_overflow():
    image = np.array([[2**63 - 2048, 2**63 + 2048]], dtype=np.uint64)
    quantizer = ImageQuantizer(2).fit(image)
    assert_array_equal(quantizer.bin_edges_[0], [2.0**63 - 2048, 2.0**63, 2.0**63 + 2048])
    assert_array_equal(quantizer.transform(image), [[0, 1]])
    assert_array_equal(
        quantizer.decode(quantizer.transform(image)), [[2.0**63 - 1024, 2.0**63 + 1024]]
    )


def test_uint64_neighbours_that_float64_cannot_tell_apart_are_one_level():
    image = np.array([[2**63, 2**63 + 1]], dtype=np.uint64)
    with pytest.warns(UserWarning, match="Channel 0 is constant"):
        quantizer = ImageQuantizer(2).fit(image)
    assert_array_equal(quantizer.bin_edges_[0], [2.0**63, 2.0**63])
    assert_array_equal(quantizer.transform(image), [[0, 0]])


@pytest.mark.parametrize("dtype", [np.int64, np.uint64, ">i8", ">u8"])
def test_wide_integers_near_their_limits_match_kbinsdiscretizer(dtype):
    info = np.iinfo(np.dtype(dtype).newbyteorder("="))
    rng = np.random.default_rng(3)
    for start in (info.max - 40_000, info.min):
        image = start + rng.integers(0, 40_000, (50, 40), dtype=np.int64).astype(dtype)
        image = image.astype(dtype)
        quantizer = _quiet(ImageQuantizer(6, strategy="uniform").fit, image)
        reference = _kbins(6, "uniform", image.reshape(-1, 1).astype(np.float64))
        assert_array_equal(quantizer.bin_edges_[0], reference.bin_edges_[0])


# 4. and 5. Values too large, in score and in the demo -----------------------------


def test_score_rejects_what_fit_rejects_with_the_same_message():
    quantizer = ImageQuantizer(4).fit(np.array([[0.0, 1.0, 2.0, 3.0]]))
    huge = np.array([[0.0, 1e200, 2.0, 3.0]])
    with pytest.raises(ValueError, match="up to 1e\\+100 in magnitude") as from_fit:
        ImageQuantizer(4).fit(huge)
    with pytest.raises(ValueError, match="up to 1e\\+100 in magnitude") as from_score:
        quantizer.score(huge)
    assert str(from_fit.value) == str(from_score.value)
    with pytest.raises(ValueError, match="up to 1e\\+100 in magnitude"):
        ImageQuantizer(4).partial_fit(huge)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (np.array([[1e200, 0.0], [1.0, 2.0]]), "beyond the 1e\\+100 in magnitude"),
        (np.array([[np.nan, 0.0], [1.0, 2.0]]), "NaN or infinite"),
        (np.array([["a", "b"], ["c", "d"]]), "expected a non-empty grey or colour image"),
        (np.zeros((0, 3)), "expected a non-empty"),
        (np.arange(5.0), "expected a non-empty grey"),
    ],
)
def test_demo_gives_a_one_line_error_and_status_2_for_a_bad_image(
    tmp_path, values, message
):
    path = tmp_path / "bad.npy"
    np.save(path, values)
    run = subprocess.run(
        [*DEMO, "--image", str(path), "--output", str(tmp_path / "out")],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    assert len(run.stderr.strip().splitlines()) == 1
    assert run.stderr.startswith("sk_imagequant demo: error:")
    assert "Traceback" not in run.stderr
    assert re.search(message, run.stderr)


# 6. Parameters changed without a refit ----------------------------------------------


def test_transform_keeps_the_codes_type_fit_fixed():
    image = np.arange(600).reshape(20, 30)
    quantizer = ImageQuantizer(300).fit(image)
    quantizer.set_params(dtype=np.uint8)
    codes = quantizer.transform(image)
    assert codes.dtype == np.uint16
    assert codes.max() == 299
    quantizer.set_params(dtype=None, n_bins=8)
    assert quantizer.encode(image).max() == 299
    assert quantizer.score(image) == ImageQuantizer(300).fit(image).score(image)
    # The next fit takes the new parameters.
    assert quantizer.fit(image).transform(image).max() == 7


def test_transform_keeps_the_channel_axis_fit_fixed():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (10, 12, 3)).astype(np.uint8)
    quantizer = ImageQuantizer(4, channel_axis=-1).fit(image)
    codes = quantizer.transform(image)
    quantizer.set_params(channel_axis=None)
    assert_array_equal(quantizer.transform(image), codes)
    assert_array_equal(quantizer.inverse_transform(codes), quantizer.decode(codes))


# 7. Masked arrays --------------------------------------------------------------


def _masked_image(dtype=np.uint8, seed=0):
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 200, (40, 30)).astype(dtype)
    mask = rng.random((40, 30)) < 0.3
    data[mask] = 255  # saturated pixels, masked: they must not count
    return np.ma.masked_array(data, mask=mask)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int32, np.float64])
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_masked_pixels_do_not_count(dtype, strategy):
    image = _masked_image(dtype)
    params = dict(n_bins=5, strategy=strategy, subsample=None)
    quantizer = ImageQuantizer(**params).fit(image)
    unmasked = image.compressed().reshape(-1, 1)
    expected = ImageQuantizer(**params).fit(unmasked)
    assert_array_equal(quantizer.bin_edges_[0], expected.bin_edges_[0])
    assert_array_equal(quantizer.bin_centers_[0], expected.bin_centers_[0])
    assert quantizer.bin_edges_[0][-1] < 255
    streamed = ImageQuantizer(**params)
    for tile in np.array_split(image, 4):
        streamed.partial_fit(tile)
    assert_array_equal(streamed.bin_edges_[0], expected.bin_edges_[0])
    assert quantizer.score(image) == pytest.approx(expected.score(unmasked), rel=1e-12)


@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.float32])
def test_masked_score_per_channel_counts_the_unmasked_values(dtype):
    rng = np.random.default_rng(2)
    data = rng.integers(0, 200, (20, 15, 3)).astype(dtype)
    mask = rng.random(data.shape) < 0.25
    image = np.ma.masked_array(data, mask=mask)
    quantizer = ImageQuantizer(4, channel_axis=-1).fit(image)
    decoded = quantizer.decode(quantizer.encode(data)).astype(np.float64)
    mse = np.mean(np.square(decoded - data)[~mask])
    peak = (
        255.0 if dtype == np.uint8 else np.iinfo(dtype).max if dtype != np.float32 else None
    )
    if peak is None:
        peak = max(float(edges[-1] - edges[0]) for edges in quantizer.bin_edges_)
    assert quantizer.score(image) == pytest.approx(10 * np.log10(peak**2 / mse), rel=1e-9)


def test_transform_of_a_masked_array_is_masked_alike():
    image = _masked_image()
    quantizer = ImageQuantizer(4).fit(image)
    codes = quantizer.transform(image)
    assert isinstance(codes, np.ma.MaskedArray)
    assert_array_equal(codes.mask, image.mask)
    assert codes.mask is not image.mask
    assert_array_equal(codes.compressed(), quantizer.transform(image.data)[~image.mask])
    for decoded in (quantizer.inverse_transform(codes), quantizer.decode(codes)):
        assert isinstance(decoded, np.ma.MaskedArray)
        assert_array_equal(decoded.mask, image.mask)
    # Masked codes may hold anything: they are not checked.
    garbage = codes.copy()
    garbage.data[image.mask] = 250
    assert_array_equal(quantizer.decode(garbage).compressed(), decoded.compressed())
    encoded = quantizer.encode(image)
    assert_array_equal(encoded.mask, image.mask)


def test_masked_nan_is_ignored_but_unmasked_nan_is_an_error():
    data = np.array([[0.0, 1.0, np.nan], [2.0, 3.0, 4.0]])
    image = np.ma.masked_invalid(data)
    quantizer = ImageQuantizer(2, strategy="uniform").fit(image)
    assert_array_equal(quantizer.bin_edges_[0], [0.0, 2.0, 4.0])
    assert quantizer.transform(image).mask[0, 2]
    with pytest.raises(ValueError, match="Input X contains NaN"):  # nothing masked
        ImageQuantizer(2).fit(np.ma.masked_array(data, mask=False))
    with pytest.raises(ValueError, match="NaN or infinity in unmasked values"):
        ImageQuantizer(2).fit(np.ma.masked_array(data, mask=[[1, 0, 0], [0, 0, 0]]))


def test_a_channel_all_masked_is_an_error():
    image = np.ma.masked_array(np.zeros((4, 4, 2)), mask=False)
    image[..., 1] = np.ma.masked
    with pytest.raises(ValueError, match="Every value of a channel is masked"):
        ImageQuantizer(2, channel_axis=-1).fit(image)


def test_a_masked_array_is_not_modified():
    image = _masked_image()
    before = (image.data.copy(), image.mask.copy())
    quantizer = ImageQuantizer(4).fit(image)
    quantizer.score(image)
    quantizer.transform(image)
    assert_array_equal(image.data, before[0])
    assert_array_equal(image.mask, before[1])


# 8. k-means: never worse than KBinsDiscretizer on the same pixels ---------------------


def _kmeans_errors(column, n_bins, sample_weight=None):
    """Squared errors (bins decoded to their means) of ours and KBinsDiscretizer's."""
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    ours = _quiet(ImageQuantizer(n_bins, subsample=None).fit, column, sample_weight=weights)
    theirs = _kbins(n_bins, "kmeans", column.astype(np.float64), weights)
    levels, counts = value_counts(column.astype(np.float64).ravel(), weights)
    return (
        squared_error(levels, counts, ours.bin_edges_[0]),
        squared_error(levels, counts, theirs.bin_edges_[0]),
    )


def test_kmeans_beats_kbins_on_the_issues_column():
    column = np.array([0.1, 0.1, 0.3, 0.4, 0.1, 0.6, -0.4, 0.2, 1.1])[:, None]
    ours, theirs = _kmeans_errors(column, 5)
    assert ours <= theirs
    assert ours == pytest.approx(0.0125)


def test_kmeans_beats_kbins_on_the_issues_weighted_column():
    column = np.array([2, 4, 0, 6, 1, 6])[:, None]
    ours, theirs = _kmeans_errors(column, 3, [1.7, 2.6, 1.4, 2.4, 1.3, 0.8])
    assert ours <= theirs * (1 + 1e-12)
    assert theirs == pytest.approx(4.79, abs=0.01)


def test_kmeans_beats_kbins_on_an_elevation_map_at_256_bins():
    with matplotlib.cbook.get_sample_data("jacksboro_fault_dem.npz") as data:
        elevation = data["elevation"]  # int16, 344 x 403
    ours, theirs = _kmeans_errors(elevation.reshape(-1, 1), 256)
    assert ours <= theirs


columns = hnp.arrays(
    np.int64,
    st.tuples(st.integers(2, 40), st.just(1)),
    elements=st.integers(-5, 12),
)


@settings(max_examples=150, deadline=None)
@given(
    column=columns,
    n_bins=st.integers(2, 8),
    weighted=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_kmeans_error_is_at_most_kbins_on_any_column(column, n_bins, weighted, seed):
    weights = None
    if weighted:
        weights = np.random.default_rng(seed).uniform(0.1, 3.0, column.shape[0]).round(1)
    assume(np.unique(column).size >= 2 and column.shape[0] >= n_bins)  # KMeans needs it
    ours, theirs = _kmeans_errors(column, n_bins, weights)
    assert ours <= theirs * (1 + 1e-12) + 1e-12


@settings(max_examples=60, deadline=None)
@given(
    column=hnp.arrays(
        np.float64,
        st.tuples(st.integers(2, 30), st.just(1)),
        elements=st.sampled_from([-0.4, 0.1, 0.2, 0.3, 0.4, 0.6, 1.1, 0.7, 0.5]),
    ),
    n_bins=st.integers(2, 6),
)
def test_kmeans_error_is_at_most_kbins_on_decimal_floats(column, n_bins):
    assume(np.unique(column).size >= 2 and column.shape[0] >= n_bins)
    ours, theirs = _kmeans_errors(column, n_bins)
    assert ours <= theirs * (1 + 1e-12) + 1e-15


@pytest.mark.parametrize("n_bins", [5, 8, 12])
def test_replay_ends_where_kmeans_stops_at_its_tolerance(n_bins):
    # KMeans stops when its centres move less than 1e-4 times the pixels'
    # variance; given that tolerance, the replay stops there too (its later
    # steps are left to refine_kmeans), on KMeans' very centres.
    from sklearn.cluster import KMeans

    rng = np.random.default_rng(0)
    pixels = np.round(rng.gamma(2.0, 3000.0, 20000)).clip(0, 65535).astype(np.uint16)
    levels, counts = level_counts(pixels)
    uniform = np.linspace(levels[0], levels[-1], n_bins + 1)
    start = 0.5 * (uniform[1:] + uniform[:-1])
    kmeans = KMeans(n_bins, init=start[:, np.newaxis], n_init=1)
    kmeans.fit(pixels.astype(np.float64)[:, np.newaxis])
    mean = np.sum(counts * levels) / counts.sum()
    tol = 1e-4 * np.sum(counts * (levels - mean) ** 2) / counts.sum()
    runs, certain = lloyd_pixels(levels, counts, start, tol=tol)
    assert certain
    assert kmeans.n_iter_ > 10  # stopped at its tolerance, long before convergence
    np.testing.assert_allclose(runs[0], np.sort(kmeans.cluster_centers_[:, 0]), rtol=1e-12)
    converged, _ = lloyd_pixels(levels, counts, start)
    assert np.max(np.abs(converged[0] - runs[0])) > 100


def test_weighted_fits_replay_without_kmeans_tolerance(monkeypatch):
    # KMeans' tolerance is 1e-4 times the variance of its rows, which sample
    # weights (taken as repeated pixels here) change: unknown, not used.
    from sk_imagequant import _quantizer

    tolerances = []

    def replay(*args, **kwargs):
        tolerances.append(kwargs["tol"])
        return lloyd_pixels(*args, **kwargs)

    monkeypatch.setattr(_quantizer, "lloyd_pixels", replay)
    image = np.arange(60, dtype=np.uint8).reshape(6, 10) ** 2 % 97
    ImageQuantizer(4, strategy="kmeans").fit(image)
    ImageQuantizer(4, strategy="kmeans").fit(image, sample_weight=np.arange(1, 7))
    streamed = ImageQuantizer(4, strategy="kmeans").partial_fit(image[:3])
    streamed.partial_fit(image[3:], sample_weight=np.ones(3))
    assert streamed.n_bins_[0] == 4  # the bins are fitted when first read
    assert tolerances[0] > 0
    assert tolerances[1:] == [None, None]


# 9. quantile: the edges of the fit on every pixel, bit for bit -----------------------


def test_quantile_edges_on_the_issues_boundary_example():
    column = np.array([[58], [105], [226]])
    quantizer = _quiet(ImageQuantizer(9, strategy="quantile", channel_axis=-1).fit, column)
    reference = _kbins(9, "quantile", column)
    assert_array_equal(quantizer.bin_edges_[0], [58.0, 105.0, 226.0])
    assert_array_equal(quantizer.bin_edges_[0], reference.bin_edges_[0])
    assert_array_equal(quantizer.transform(column).ravel(), [0, 1, 1])


@settings(max_examples=200, deadline=None)
@given(
    image=hnp.arrays(
        np.uint8,
        st.tuples(st.integers(1, 30), st.integers(1, 4)),
        elements=st.integers(0, 255),
    ),
    n_bins=st.integers(2, 40),
)
def test_quantile_edges_equal_kbins_on_every_pixel(image, n_bins):
    assume(np.unique(image).size >= 2)
    quantizer = _quiet(ImageQuantizer(n_bins, strategy="quantile").fit, image)
    reference = _kbins(n_bins, "quantile", image.reshape(-1, 1))
    assert_array_equal(quantizer.bin_edges_[0], reference.bin_edges_[0])
    assert_array_equal(
        quantizer.transform(image).ravel(),
        reference.transform(image.reshape(-1, 1)).ravel(),
    )


@settings(max_examples=100, deadline=None)
@given(
    values=hnp.arrays(
        np.float64,
        st.integers(2, 300),
        elements=st.floats(-1e6, 1e6, allow_nan=False),
        unique=True,
    ),
    n_bins=st.integers(2, 40),
)
def test_quantile_edges_equal_kbins_on_floats_that_share_no_value(values, n_bins):
    # A pixel a level: the ranks are read as indices, without the counts.
    # (Within 1e-8 of the largest value, the last edge stays that value.)
    assume(np.sort(values)[-1] - np.sort(values)[-2] > 1e-6)
    column = values[:, np.newaxis]
    quantizer = _quiet(ImageQuantizer(n_bins, strategy="quantile").fit, column)
    reference = _kbins(n_bins, "quantile", column)
    assert_array_equal(quantizer.bin_edges_[0], reference.bin_edges_[0])


def test_quantile_keeps_the_largest_value_as_last_edge_where_kbins_drops_it():
    column = np.array([[0.0], [1.0], [2.0], [3.0], [3.0 + 1e-10]])
    quantizer = _quiet(ImageQuantizer(4, strategy="quantile").fit, column)
    reference = _kbins(4, "quantile", column)
    assert_array_equal(quantizer.bin_edges_[0], [0.0, 1.0, 2.0, 3.0 + 1e-10])
    assert_array_equal(reference.bin_edges_[0], [0.0, 1.0, 2.0, 3.0])
    assert_array_equal(quantizer.transform(column).ravel(), [0, 1, 2, 2, 2])


def test_quantile_at_1000_bins_on_camera_equals_kbins():
    data = pytest.importorskip("skimage.data")
    camera = data.camera()
    quantizer = _quiet(ImageQuantizer(1000, strategy="quantile").fit, camera)
    reference = _kbins(1000, "quantile", camera.reshape(-1, 1))
    assert_array_equal(quantizer.bin_edges_[0], reference.bin_edges_[0])


# 10. partial_fit counts; the bins are fitted once, when needed --------------------------


def test_partial_fit_fits_the_bins_once_when_first_needed(monkeypatch):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 4096, (70, 50)).astype(np.uint16)
    fits = []
    original = ImageQuantizer._fit_bin_edges

    def counted(self, *args):
        fits.append(1)
        return original(self, *args)

    monkeypatch.setattr(ImageQuantizer, "_fit_bin_edges", counted)
    streamed = ImageQuantizer(16, strategy="optimal")
    for tile in np.array_split(image, 7):
        streamed.partial_fit(tile)
    assert fits == []
    whole = ImageQuantizer(16, strategy="optimal").fit(image)
    assert len(fits) == 1
    assert_array_equal(streamed.bin_edges_[0], whole.bin_edges_[0])
    assert_array_equal(streamed.bin_centers_[0], whole.bin_centers_[0])
    assert_array_equal(streamed.n_bins_, whole.n_bins_)
    assert_array_equal(streamed.transform(image), whole.transform(image))
    assert len(fits) == 2
    streamed.partial_fit(image[:5])  # counts again; refits when next needed
    assert len(fits) == 2
    assert streamed.score(image) > 0
    assert len(fits) == 3


def test_an_unfitted_quantizer_has_no_fitted_attributes():
    quantizer = ImageQuantizer()
    for name in ("bin_edges_", "bin_centers_", "n_bins_"):
        assert not hasattr(quantizer, name)
    with pytest.raises(AttributeError, match="not fitted yet: it has no bin_edges_"):
        quantizer.bin_edges_  # noqa: B018


@settings(max_examples=80, deadline=None)
@given(
    dtype=st.sampled_from(["u1", "i1", "u2", "i2", "u4", "i8", "f4", "f8"]),
    values=hnp.arrays(
        np.int64,
        st.tuples(st.integers(1, 12), st.integers(1, 6)),
        elements=st.integers(0, 200),
    ),
    strategy=st.sampled_from(STRATEGIES),
    n_bins=st.integers(2, 12),
)
def test_any_byte_order_gives_what_native_order_gives(dtype, values, strategy, n_bins):
    native = (values - (100 if dtype[0] in "if" else 0)).astype(dtype)
    swapped = native.astype(native.dtype.newbyteorder(">"))
    ours = _quiet(ImageQuantizer(n_bins, strategy=strategy).fit, swapped)
    expected = _quiet(ImageQuantizer(n_bins, strategy=strategy).fit, native)
    assert_array_equal(ours.bin_edges_[0], expected.bin_edges_[0])
    assert_array_equal(ours.transform(swapped), expected.transform(native))
    assert ours.score(swapped) == expected.score(native)


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.sampled_from([-2.5, -0.0, 0.0, 0.1, 1e-300, 3.0, 7.25]), min_size=1),
    weighted=st.booleans(),
)
def test_value_counts_with_and_without_weights(values, weighted):
    # Unweighted counts take one sort, weighted ones the inverse: the same
    # histogram either way, -0.0 and 0.0 one level.
    values = np.array(values)
    weights = np.ones(values.size) if weighted else None
    levels, counts = value_counts(values, weights)
    expected = sorted(set(values.tolist()))
    np.testing.assert_array_equal(levels, expected)
    np.testing.assert_array_equal(counts, [np.sum(values == level) for level in expected])
    assert levels.dtype == counts.dtype == np.float64


def test_kmeans_on_floats_with_many_near_duplicates_keeps_the_fallback(monkeypatch):
    # A tenth of the values 1e-12 from another (as in scikit-image's lfw
    # faces): the replay may follow all its ways, and the exact partition
    # backs it when unsure.
    from sk_imagequant import _quantizer

    rng = np.random.default_rng(6)
    values = rng.normal(0.0, 1.0, 3000)
    values = np.concatenate((values, values[:300] + 1e-12))[:, np.newaxis]
    runs = []

    def replay(*args, **kwargs):
        runs.append(kwargs["max_runs"])
        return lloyd_pixels(*args, **kwargs)

    monkeypatch.setattr(_quantizer, "lloyd_pixels", replay)
    ImageQuantizer(16, strategy="kmeans", subsample=None).fit(values)
    assert runs == [128]


@pytest.mark.parametrize(
    ("n_bins", "n_values"), [(4, 70_000), (16, 70_000), (64, 5000), (300, 70_000)]
)
def test_kmeans_on_floats_sharing_no_value_follows_few_runs_without_fallback(
    n_bins, n_values
):
    # Every pixel its own value, a few (under 1%) 1e-9 apart: near-ties make
    # the replay unsure, and the exact partition (its fallback) would cost
    # more than KMeans. At most 8 runs are followed, neither KMeans nor the
    # optimal partition runs, and the error stays at most
    # KBinsDiscretizer's on the pixels (measured, not proven, here).
    from unittest import mock

    from sk_imagequant import _quantizer

    rng = np.random.default_rng(5)
    values = rng.normal(0.0, 1.0, n_values)
    values = np.concatenate((values, values[: n_values // 1000] + 1e-9))
    rng.shuffle(values)
    column = values[:, np.newaxis]
    runs = []

    def replay(*args, **kwargs):
        runs.append(kwargs["max_runs"])
        return lloyd_pixels(*args, **kwargs)

    with (
        mock.patch.object(_quantizer, "lloyd_pixels", side_effect=replay),
        mock.patch.object(_quantizer, "optimal_bin_edges", side_effect=AssertionError),
        mock.patch.object(_quantizer, "KBinsDiscretizer", side_effect=AssertionError),
    ):
        ours = ImageQuantizer(n_bins, strategy="kmeans", subsample=None).fit(column)
    assert runs == [8]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = KBinsDiscretizer(
            n_bins, encode="ordinal", strategy="kmeans", subsample=None
        ).fit(column)
    levels, counts = value_counts(values)
    assert squared_error(levels, counts, ours.bin_edges_[0]) <= squared_error(
        levels, counts, theirs.bin_edges_[0]
    ) * (1 + 1e-9)
