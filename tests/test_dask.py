"""Dask arrays: exact fits from per-block histograms, lazy codes, zarr and a cluster.

Every result is compared with the numpy path on the computed array. The
threaded scheduler runs most tests; a ``LocalCluster`` of two worker
processes (loopback, started once for the session, in conftest.py) runs the others, one of
them with a worker killed in the middle of a transform.
"""

import os
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
zarr = pytest.importorskip("zarr")

from sk_imagequant import ColorQuantizer, ImageQuantizer  # noqa: E402

STRATEGIES = ["uniform", "quantile", "kmeans", "optimal"]

# Chunkings of a (37, 29, 3) image: many small blocks, ragged ones, blocks
# across the channel axis (one channel a block), and a single block.
CHUNKINGS = [(13, 10, 3), (20, 29, 1), (37, 10, 2), (37, 29, 3)]


@pytest.fixture(autouse=True)
def threads():
    """The threaded scheduler, unless a test picks the cluster."""
    with dask.config.set(scheduler="threads"):
        yield


def _image(dtype, shape=(37, 29, 3), seed=0):
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) < 0.3
    if dtype.kind == "f":
        return rng.normal(100, 30, size=shape).astype(dtype)
    info = np.iinfo(dtype)
    # A skewed spread of levels, a few hundred of them (a third of the range for 8 bits).
    low = max(int(info.min), -300)
    values = low + np.round(rng.gamma(2.0, 60.0, size=shape)).astype(np.int64)
    return np.clip(values, info.min, info.max).astype(dtype)


def _fitted(quantizer, X, **kwargs):
    """The fitted quantizer and the warnings its fit gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        quantizer.fit(X, **kwargs)
    return quantizer, sorted(str(warning.message) for warning in caught)


def _assert_same_fit(expected, actual):
    assert isinstance(actual.n_bins_, np.ndarray)
    np.testing.assert_array_equal(actual.n_bins_, expected.n_bins_)
    assert actual.n_features_in_ == expected.n_features_in_
    for name in ("bin_edges_", "bin_centers_"):
        for got, want in zip(getattr(actual, name), getattr(expected, name), strict=True):
            assert type(got) is np.ndarray
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int16, ">u2", np.bool_])
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_bit_identical_to_numpy(strategy, dtype):
    image = _image(dtype)
    # Every chunking with every channel axis; half of them with each centres.
    for first, centers in ((0, "midpoint"), (2, "centroid")):
        for channel_axis in (None, -1, 0):
            params = {
                "strategy": strategy,
                "centers": centers,
                "channel_axis": channel_axis,
            }
            expected, expected_warnings = _fitted(ImageQuantizer(8, **params), image)
            expected_codes = expected.transform(image)
            expected_score = expected.score(image)
            for chunks in CHUNKINGS[first : first + 2]:
                lazy = da.from_array(image, chunks=chunks)
                quantizer, caught = _fitted(ImageQuantizer(8, **params), lazy)
                assert caught == expected_warnings
                _assert_same_fit(expected, quantizer)
                codes = quantizer.transform(lazy)
                assert isinstance(codes, da.Array)
                assert codes.chunks == lazy.chunks
                assert codes.dtype == expected_codes.dtype
                np.testing.assert_array_equal(codes.compute(), expected_codes)
                assert quantizer.score(lazy) == expected_score
                decoded = quantizer.inverse_transform(codes)
                assert decoded.dtype == np.float64
                assert decoded.chunks == lazy.chunks
                np.testing.assert_array_equal(
                    decoded.compute(), expected.inverse_transform(expected_codes)
                )


@pytest.mark.parametrize("n_bins", [3, 300])
def test_encode_decode_any_shape_and_code_dtype(n_bins):
    image = _image(np.uint16, shape=(40, 50))
    expected = ImageQuantizer(n_bins, strategy="uniform", dtype=np.float32).fit(image)
    quantizer = ImageQuantizer(n_bins, strategy="uniform", dtype=np.float32)
    quantizer.fit(da.from_array(image, chunks=(16, 16)))
    other = _image(np.uint16, shape=(5, 7, 9), seed=1)
    lazy = da.from_array(other, chunks=(2, 3, 4))
    codes = quantizer.encode(lazy)
    assert codes.dtype == np.float32
    assert codes.chunks == lazy.chunks
    np.testing.assert_array_equal(codes.compute(), expected.encode(other))
    decoded = quantizer.decode(codes)
    np.testing.assert_array_equal(
        decoded.compute(), expected.decode(expected.encode(other))
    )
    scalar = quantizer.encode(da.from_array(np.uint16(1000)))
    np.testing.assert_array_equal(scalar, expected.encode(np.uint16(1000)))


def test_sample_weight_numpy_and_dask():
    image = _image(np.uint16, shape=(60, 20, 3))
    # Whole-number weights: their sums are exact in any order.
    weights = np.random.default_rng(2).integers(0, 5, size=60).astype(np.float64)
    lazy = da.from_array(image, chunks=(13, 20, 2))
    for channel_axis in (None, -1):
        expected = ImageQuantizer(6, channel_axis=channel_axis, centers="centroid")
        expected.fit(image, sample_weight=weights)
        for sample_weight in (weights, da.from_array(weights, chunks=7)):
            quantizer = ImageQuantizer(6, channel_axis=channel_axis, centers="centroid")
            _assert_same_fit(expected, quantizer.fit(lazy, sample_weight=sample_weight))
            # Weights change KMeans' tolerance: the k-means replay is told so,
            # as on the numpy path.
            assert quantizer._weighted
            assert expected._weighted
    assert not ImageQuantizer(6).fit(lazy)._weighted


@pytest.mark.parametrize("estimator", [ImageQuantizer, ColorQuantizer])
def test_sample_weight_errors(estimator):
    """Both estimators check numpy and dask weights alike, inside the blocks."""
    lazy = da.from_array(_image(np.uint8, shape=(10, 10, 3)), chunks=(4, 4, 3))
    negative = np.r_[np.ones(9), -1.0]
    for weights in (negative, da.from_array(negative, chunks=3)):
        with pytest.raises(ValueError, match="Negative values in data passed to"):
            estimator(4).fit(lazy, sample_weight=weights)
    for weights in (np.zeros(10), da.zeros(10, chunks=3)):
        with pytest.raises(ValueError, match="at least one non-zero number"):
            estimator(4).fit(lazy, sample_weight=weights)
    for weights in (np.ones(9), da.ones(9, chunks=3)):
        with pytest.raises(ValueError, match=r"sample_weight.shape == \(9,\), expected"):
            estimator(4).fit(lazy, sample_weight=weights)


def test_partial_fit_over_dask_tiles_equals_fit():
    image = _image(np.int16, shape=(90, 40))
    streamed = ImageQuantizer(5, strategy="optimal")
    for tile in np.array_split(image, 3):
        streamed.partial_fit(da.from_array(tile, chunks=(7, 15)))
    _assert_same_fit(ImageQuantizer(5, strategy="optimal").fit(image), streamed)
    # Mixed with numpy tiles, and float data with few distinct values.
    floats = image.astype(np.float32) / 4
    mixed = ImageQuantizer(5).partial_fit(floats[:30])
    mixed.partial_fit(da.from_array(floats[30:], chunks=(11, 40)))
    _assert_same_fit(ImageQuantizer(5).partial_fit(floats), mixed)


def test_partial_fit_refuses_too_many_float_values():
    values = da.random.default_rng(0).random((300, 300), chunks=(100, 100))
    with pytest.raises(ValueError, match="at most 65536 distinct values per channel"):
        ImageQuantizer(4).partial_fit(values)


@pytest.mark.parametrize("channel_axis", [None, 1])
def test_float_subsample_is_numpys(channel_axis):
    """Float data larger than ``subsample``: the same draw as in memory."""
    image = _image(np.float32, shape=(50, 3, 40))
    params = {"subsample": 500, "random_state": 7, "channel_axis": channel_axis}
    expected = ImageQuantizer(8, **params).fit(image)
    quantizer = ImageQuantizer(8, **params).fit(da.from_array(image, chunks=(9, 2, 13)))
    _assert_same_fit(expected, quantizer)
    assert quantizer._histograms is None  # not exact: partial_fit refuses to add
    # Every value fitted (subsample=None): exact, and partial_fit can go on.
    params["subsample"] = None
    expected = ImageQuantizer(8, **params).fit(image)
    quantizer = ImageQuantizer(8, **params).fit(da.from_array(image, chunks=(9, 2, 13)))
    _assert_same_fit(expected, quantizer)
    assert quantizer._histograms is not None
    lazy = da.from_array(image, chunks=(9, 3, 40))
    assert quantizer.score(lazy) == pytest.approx(expected.score(image), rel=1e-12)


@pytest.mark.parametrize("spread", [1000, 10**7])
def test_wide_integers(spread):
    """int32 images: exact while they span at most 65536 levels, else subsampled."""
    rng = np.random.default_rng(3)
    image = (rng.integers(0, spread, size=(120, 90)) - spread // 3).astype(np.int32)
    params = {"subsample": 2000, "random_state": 0, "strategy": "quantile"}
    expected = ImageQuantizer(8, **params).fit(image)
    quantizer = ImageQuantizer(8, **params).fit(da.from_array(image, chunks=(50, 40)))
    _assert_same_fit(expected, quantizer)
    lazy = da.from_array(image, chunks=(50, 40))
    assert quantizer.score(lazy) == pytest.approx(expected.score(image), rel=1e-12)
    np.testing.assert_array_equal(
        quantizer.transform(lazy).compute(), expected.transform(image)
    )


def test_on_the_local_cluster(client):
    image = _image(np.uint16, shape=(64, 48, 3))
    lazy = da.from_array(image, chunks=(16, 48, 2))
    expected = ImageQuantizer(8, channel_axis=-1).fit(image)
    with dask.config.set(scheduler=client):
        quantizer = ImageQuantizer(8, channel_axis=-1).fit(lazy)
        codes = quantizer.transform(lazy).compute()
        score = quantizer.score(lazy)
    _assert_same_fit(expected, quantizer)
    np.testing.assert_array_equal(codes, expected.transform(image))
    assert score == expected.score(image)


def test_zarr_in_and_out(client, tmp_path):
    image = _image(np.uint16, shape=(96, 80))
    da.from_array(image, chunks=(32, 40)).to_zarr(str(tmp_path / "image.zarr"))
    expected = ImageQuantizer(16, strategy="optimal", centers="centroid").fit(image)
    with dask.config.set(scheduler=client):
        stored = da.from_zarr(str(tmp_path / "image.zarr"))
        quantizer = ImageQuantizer(16, strategy="optimal", centers="centroid").fit(stored)
        quantizer.transform(stored).to_zarr(str(tmp_path / "codes.zarr"))
    reopened = zarr.open_array(str(tmp_path / "codes.zarr"), mode="r")
    assert reopened.dtype == np.uint8
    assert reopened.chunks == (32, 40)
    np.testing.assert_array_equal(reopened[...], expected.transform(image))


def slow_copy(block):
    """A block function that takes its time, so that a worker can be killed mid-way."""
    time.sleep(0.05)
    return block.copy()


def test_transform_survives_a_killed_worker(client):
    image = _image(np.uint8, shape=(400, 300))
    lazy = da.from_array(image, chunks=(10, 300)).map_blocks(slow_copy)
    expected = ImageQuantizer(8).fit(image)
    with dask.config.set(scheduler=client):
        quantizer = ImageQuantizer(8).fit(lazy)
    future = client.compute(quantizer.transform(lazy))
    deadline = time.monotonic() + 10
    while not any(client.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)  # some tasks done, their results held by the workers
    assert not future.done()
    pids = client.run(os.getpid)
    victim = sorted(pids)[0]
    os.kill(pids[victim], signal.SIGKILL)
    codes = future.result(timeout=60)
    np.testing.assert_array_equal(codes, expected.transform(image))
    _assert_same_fit(expected, quantizer)
    client.wait_for_workers(2, timeout=30)  # the nanny restarted it


def test_nothing_converts_the_whole_array(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise AssertionError("the whole dask array was converted to numpy")

    image = _image(np.uint16, shape=(30, 20))
    lazy = da.from_array(image, chunks=(8, 8))
    monkeypatch.setattr(da.Array, "__array__", refuse)
    with pytest.raises(AssertionError, match="converted to numpy"):
        np.asarray(lazy)
    expected = ImageQuantizer(4).fit(image)
    quantizer = ImageQuantizer(4).fit(lazy)
    codes = quantizer.transform(lazy)
    assert quantizer.score(lazy) == expected.score(image)
    decoded = quantizer.inverse_transform(codes)
    quantizer.partial_fit(lazy)
    np.testing.assert_array_equal(codes.compute(), expected.transform(image))
    np.testing.assert_array_equal(decoded.compute(), expected.decode(codes.compute()))


def _message(call, *args, first_line=False):
    with pytest.raises((ValueError, TypeError)) as error:
        call(*args)
    message = str(error.value)
    return type(error.value), message.split("\n")[0] if first_line else message


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(np.arange(10, dtype=np.uint8), id="1-D"),
        pytest.param(np.arange(3000, dtype=np.float64), id="long 1-D"),
        pytest.param(np.zeros((0, 4), dtype=np.uint8), id="no rows"),
        pytest.param(np.zeros((4, 0), dtype=np.uint8), id="no columns"),
        # The numpy message prints the whole array; the sample has zeros.
        pytest.param(np.ones((4, 4), dtype=np.complex128), id="complex"),
        pytest.param(np.array([["a", "b"]]), id="strings"),
    ],
)
def test_bad_input_same_errors_as_numpy(bad):
    lazy = da.from_array(bad, chunks=2)
    first_line = bad.dtype.kind == "c"
    fitted = ImageQuantizer(4).fit(_image(np.uint8, shape=(10, 4)))
    for method in (ImageQuantizer().fit, fitted.transform, fitted.score):
        expected = _message(method, bad, first_line=first_line)
        assert _message(method, lazy, first_line=first_line) == expected
    if bad.dtype.kind != "c":  # codes may be complex-typed whole numbers
        expected = _message(fitted.inverse_transform, bad)
        assert _message(fitted.inverse_transform, lazy) == expected


def test_nan_inside_a_block_raises_at_compute():
    image = _image(np.float64, shape=(40, 40))
    image[33, 5] = np.nan
    lazy = da.from_array(image, chunks=10)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        ImageQuantizer(4).fit(lazy)
    fitted = ImageQuantizer(4).fit(np.nan_to_num(image))
    codes = fitted.transform(lazy)  # lazy: the check runs in the blocks
    with pytest.raises(ValueError, match="Input X contains NaN"):
        codes.compute()
    with pytest.raises(ValueError, match="Input image contains NaN"):
        fitted.encode(lazy).compute()
    image[33, 5] = 1e200
    with pytest.raises(ValueError, match=r"values up to 1e\+100 in magnitude"):
        ImageQuantizer(4).fit(da.from_array(image, chunks=10))
    with pytest.raises(ValueError, match=r"values up to 1e\+100 in magnitude"):
        fitted.score(da.from_array(image, chunks=10))


def test_wrong_channel_count():
    fitted = ImageQuantizer(4, channel_axis=-1).fit(_image(np.uint8, shape=(10, 10, 3)))
    lazy = da.from_array(_image(np.uint8, shape=(10, 10, 2)), chunks=5)
    for method in (fitted.transform, fitted.encode, fitted.score, fitted.decode):
        with pytest.raises(ValueError, match="The data has 2 channels on axis -1"):
            method(lazy)
    with pytest.raises(ValueError, match="The data has 2 channels, but ImageQuantizer"):
        fitted.partial_fit(lazy)


def test_bad_codes_raise_when_computed():
    fitted = ImageQuantizer(4).fit(_image(np.uint8, shape=(10, 10)))
    codes = np.zeros((10, 10), dtype=np.int64)
    codes[7, 7] = 4
    lazy = da.from_array(codes, chunks=5)
    decoded = fitted.decode(lazy)  # no error yet
    with pytest.raises(
        ValueError, match=r"Codes must lie in 0..n_bins_ - 1 \(n_bins_=\[4\]\)"
    ):
        decoded.compute()
    with pytest.raises(ValueError, match=r"got values from 0 to 4"):
        fitted.inverse_transform(lazy).compute()
    fractions = da.from_array(np.full((10, 10), 0.5), chunks=5)
    with pytest.raises(ValueError, match="Codes must be whole numbers, got fractions"):
        fitted.decode(fractions).compute()
    assert _message(fitted.decode, codes) == _message(lambda: decoded.compute())


def test_tasks_carry_only_the_codebook():
    """Each transform task holds the edges, not the estimator: a few hundred bytes."""
    import pickle

    image = _image(np.uint16, shape=(64, 64))
    lazy = da.from_array(image, chunks=32)
    quantizer = ImageQuantizer(8).fit(lazy)
    graph = dict(quantizer.transform(lazy).__dask_graph__().layers.items())
    layer = next(layer for name, layer in graph.items() if name.startswith("encode_block"))
    task = next(iter(layer.values()))  # the layer's tasks: a block each
    assert "ImageQuantizer" not in repr(task)
    assert len(pickle.dumps(task)) < 1000


def test_import_does_not_import_dask():
    code = (
        "import sys, numpy as np; import sk_imagequant; "
        "sk_imagequant.ImageQuantizer(4).fit(np.arange(64).reshape(8, 8)); "
        "sk_imagequant.ColorQuantizer(2).fit(np.arange(12).reshape(4, 3)); "
        "assert 'dask' not in sys.modules, 'dask imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
