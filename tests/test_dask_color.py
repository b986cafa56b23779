"""ColorQuantizer on dask arrays: the palette from merged block histograms, lazy codes.

Every result is compared with the numpy path on the computed array, over
several chunkings (the channel axis split across blocks included). The
threaded scheduler runs most tests; a ``LocalCluster`` of two worker
processes (loopback, started once for the session, in conftest.py) runs one.
"""

import warnings

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")

from sk_imagequant import ColorQuantizer  # noqa: E402


@pytest.fixture(autouse=True)
def threads():
    """The threaded scheduler, unless a test picks the cluster."""
    with dask.config.set(scheduler="threads"):
        yield


def _photo(shape=(37, 29), seed=0, n_channels=3):
    """A smooth uint8 colour image with noise: many distinct colours."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0 : shape[0], 0 : shape[1]]
    planes = [6 * y, 7 * x, 3 * (x + y), 255 - 4 * y][:n_channels]
    image = np.stack(planes, axis=-1).astype(np.float64)
    image += rng.normal(0, 8, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def _fitted(quantizer, X, **kwargs):
    """The fitted quantizer and the warnings its fit gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        quantizer.fit(X, **kwargs)
    return quantizer, sorted(str(warning.message) for warning in caught)


def _assert_same_fit(expected, actual):
    assert type(actual.palette_) is np.ndarray
    assert actual.palette_.dtype == expected.palette_.dtype
    np.testing.assert_array_equal(actual.palette_, expected.palette_)
    assert actual.n_colors_ == expected.n_colors_
    assert actual.n_iter_ == expected.n_iter_
    assert actual.n_features_in_ == expected.n_features_in_


def _cases():
    image = _photo()
    rgba = _photo(n_channels=4)
    stack = np.stack([_photo(seed=1), _photo(seed=2)[::-1]])
    table = np.random.default_rng(3).normal(size=(300, 2))
    return [
        # (data, n_colors, chunkings): a chunked channel axis in each
        pytest.param(image, 12, [(13, 10, 3), (20, 29, 1), (37, 29, 3)], id="rgb"),
        pytest.param(rgba, 7, [(10, 29, 4), (37, 8, 2)], id="rgba"),
        pytest.param(stack, 9, [(1, 37, 29, 3), (2, 11, 13, 2)], id="stack"),
        pytest.param(table, 6, [(40, 2), (300, 1), (77, 2)], id="float table"),
    ]


@pytest.mark.parametrize(("data", "n_colors", "chunkings"), _cases())
def test_bit_identical_to_numpy(data, n_colors, chunkings):
    expected, expected_warnings = _fitted(ColorQuantizer(n_colors), data)
    expected_codes = expected.transform(data)
    expected_colours = expected.inverse_transform(expected_codes)
    expected_score = expected.score(data)
    for chunks in chunkings:
        lazy = da.from_array(data, chunks=chunks)
        quantizer, caught = _fitted(ColorQuantizer(n_colors), lazy)
        assert caught == expected_warnings
        _assert_same_fit(expected, quantizer)
        codes = quantizer.transform(lazy)
        assert isinstance(codes, da.Array)
        assert codes.dtype == expected_codes.dtype
        if data.ndim == 2:
            assert codes.chunks == (lazy.chunks[0], (1,))
        else:
            assert codes.chunks == lazy.chunks[:-1]
        np.testing.assert_array_equal(codes.compute(), expected_codes)
        colours = quantizer.inverse_transform(codes)
        assert isinstance(colours, da.Array)
        assert colours.dtype == expected_colours.dtype
        np.testing.assert_array_equal(colours.compute(), expected_colours)
        assert quantizer.score(lazy) == pytest.approx(expected_score, rel=1e-12)
        fit_codes = ColorQuantizer(n_colors).fit_transform(lazy)
        assert isinstance(fit_codes, da.Array)
        np.testing.assert_array_equal(fit_codes.compute(), expected_codes)


def test_uint8_score_is_exact():
    image = _photo(shape=(60, 50))
    expected = ColorQuantizer(10).fit(image)
    lazy = da.from_array(image, chunks=(16, 20, 2))
    assert ColorQuantizer(10).fit(lazy).score(lazy) == expected.score(image)


def test_few_colours_warn_as_numpy():
    image = np.zeros((20, 20, 3), dtype=np.uint8)
    image[5:, :, 0] = 200
    expected, expected_warnings = _fitted(ColorQuantizer(4), image)
    quantizer, caught = _fitted(ColorQuantizer(4), da.from_array(image, chunks=7))
    assert caught == expected_warnings
    assert any("only 2 distinct colours" in message for message in caught)
    _assert_same_fit(expected, quantizer)


def test_sample_weight_numpy_and_dask():
    image = _photo(shape=(60, 20))
    # Whole-number weights: their sums are exact in any order.
    weights = np.random.default_rng(2).integers(0, 5, size=60).astype(np.float64)
    expected = ColorQuantizer(8).fit(image, sample_weight=weights)
    lazy = da.from_array(image, chunks=(13, 8, 2))
    for sample_weight in (weights, da.from_array(weights, chunks=7)):
        quantizer = ColorQuantizer(8).fit(lazy, sample_weight=sample_weight)
        _assert_same_fit(expected, quantizer)
    floats = image.reshape(-1, 3)[:300] / 255.0
    table_weights = np.random.default_rng(4).integers(0, 3, size=300).astype(float)
    expected = ColorQuantizer(5).fit(floats, sample_weight=table_weights)
    quantizer = ColorQuantizer(5).fit(
        da.from_array(floats, chunks=(70, 2)),
        sample_weight=da.from_array(table_weights, chunks=100),
    )
    _assert_same_fit(expected, quantizer)


def test_partial_fit_over_dask_tiles_equals_fit():
    image = _photo(shape=(90, 40))
    streamed = ColorQuantizer(11)
    for tile in np.array_split(image, 3):
        streamed.partial_fit(da.from_array(tile, chunks=(7, 15, 2)))
    _assert_same_fit(ColorQuantizer(11).fit(image), streamed)
    # Mixed with numpy tiles, and after a fit.
    mixed = ColorQuantizer(11).partial_fit(image[:30])
    mixed.partial_fit(da.from_array(image[30:], chunks=(11, 40, 3)))
    _assert_same_fit(ColorQuantizer(11).fit(image), mixed)
    after_fit = ColorQuantizer(11).fit(da.from_array(image[:50], chunks=20))
    after_fit.partial_fit(da.from_array(image[50:], chunks=20))
    _assert_same_fit(ColorQuantizer(11).fit(image), after_fit)


def test_threaded_scheduler_runs_tasks_in_parallel_threads():
    image = _photo(shape=(64, 64))
    expected = ColorQuantizer(8).fit(image)
    lazy = da.from_array(image, chunks=(16, 16, 3))
    with dask.config.set(scheduler="threads", num_workers=2):
        quantizer = ColorQuantizer(8).fit(lazy)
        codes = quantizer.transform(lazy).compute()
    _assert_same_fit(expected, quantizer)
    np.testing.assert_array_equal(codes, expected.transform(image))


def test_on_the_local_cluster(client):
    image = _photo(shape=(64, 48), n_channels=4)
    lazy = da.from_array(image, chunks=(16, 48, 2))
    expected = ColorQuantizer(8).fit(image)
    with dask.config.set(scheduler=client):
        quantizer = ColorQuantizer(8).fit(lazy)
        codes = quantizer.transform(lazy).compute()
        colours = quantizer.inverse_transform(quantizer.transform(lazy)).compute()
        score = quantizer.score(lazy)
    _assert_same_fit(expected, quantizer)
    np.testing.assert_array_equal(codes, expected.transform(image))
    np.testing.assert_array_equal(colours, expected.inverse_transform(codes))
    assert score == expected.score(image)


def test_nothing_converts_the_whole_array(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise AssertionError("the whole dask array was converted to numpy")

    image = _photo(shape=(30, 20))
    lazy = da.from_array(image, chunks=(8, 8, 2))
    monkeypatch.setattr(da.Array, "__array__", refuse)
    with pytest.raises(AssertionError, match="converted to numpy"):
        np.asarray(lazy)
    expected = ColorQuantizer(6).fit(image)
    quantizer = ColorQuantizer(6).fit(lazy)
    codes = quantizer.transform(lazy)
    assert quantizer.score(lazy) == expected.score(image)
    colours = quantizer.inverse_transform(codes)
    quantizer.partial_fit(lazy)
    fit_codes = ColorQuantizer(6).fit_transform(lazy)
    np.testing.assert_array_equal(codes.compute(), expected.transform(image))
    np.testing.assert_array_equal(fit_codes.compute(), expected.transform(image))
    np.testing.assert_array_equal(
        colours.compute(), expected.inverse_transform(codes.compute())
    )


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
        pytest.param(np.zeros((0, 3), dtype=np.uint8), id="no rows"),
        pytest.param(np.zeros((4, 0, 3), dtype=np.uint8), id="empty image"),
        pytest.param(np.zeros((6, 10), dtype=np.uint16), id="grey image"),
        pytest.param(np.zeros((2, 2, 2, 2, 3)), id="5-D"),
        # The numpy message prints the whole array; the sample has zeros.
        pytest.param(np.ones((4, 4, 3), dtype=np.complex128), id="complex"),
        pytest.param(np.array([["a", "b", "c"]]), id="strings"),
    ],
)
def test_bad_input_same_errors_as_numpy(bad):
    lazy = da.from_array(bad, chunks=2)
    first_line = bad.dtype.kind == "c"
    fitted = ColorQuantizer(4).fit(_photo(shape=(10, 4)))
    methods = (ColorQuantizer().fit, ColorQuantizer().partial_fit, fitted.transform)
    for method in (*methods, fitted.score):
        expected = _message(method, bad, first_line=first_line)
        assert _message(method, lazy, first_line=first_line) == expected
    if bad.dtype.kind == "c" or bad.ndim == 5 or bad.dtype == np.uint16:
        return  # complex codes, and codes that are good ones
    # As codes: the same error, at the call or (for their values) at compute,
    # naming the values of the block that raised.
    expected = _message(fitted.inverse_transform, bad)
    decoded = _message(lambda X: dask.compute(fitted.inverse_transform(X)), lazy)
    assert decoded[0] is expected[0]
    assert decoded[1].split(", got values")[0] == expected[1].split(", got values")[0]


def test_grey_image_message_names_the_whole_shape():
    grey = da.zeros((6000, 4000), dtype=np.uint8, chunks=1000)
    with pytest.raises(ValueError, match=r"array of shape \(6000, 4000\): a grey image"):
        ColorQuantizer().fit(grey)


def test_nan_and_magnitude_inside_blocks():
    image = _photo(shape=(40, 40)) / 255.0
    image[33, 5, 1] = np.nan
    lazy = da.from_array(image, chunks=(10, 10, 3))
    with pytest.raises(ValueError, match="Input X contains NaN"):
        ColorQuantizer(4).fit(lazy)
    fitted = ColorQuantizer(4).fit(np.nan_to_num(image))
    codes = fitted.transform(lazy)  # lazy: the check runs in the blocks
    with pytest.raises(ValueError, match="Input X contains NaN"):
        codes.compute()
    with pytest.raises(ValueError, match="Input X contains NaN"):
        fitted.score(lazy)
    image[33, 5, 1] = 1e200
    with pytest.raises(ValueError, match=r"values up to 1e\+100 in magnitude"):
        ColorQuantizer(4).fit(da.from_array(image, chunks=10))


def test_wrong_channel_count():
    fitted = ColorQuantizer(4).fit(_photo(shape=(10, 10)))
    lazy = da.from_array(_photo(shape=(10, 10), n_channels=4), chunks=5)
    for method in (fitted.transform, fitted.score, fitted.partial_fit):
        with pytest.raises(ValueError, match=r"image has 4 channels.*fitted with 3"):
            method(lazy)
    table = da.zeros((5, 2), dtype=np.uint8, chunks=2)
    with pytest.raises(ValueError, match="X has 2 features, but ColorQuantizer is expe"):
        fitted.transform(table)


@pytest.mark.parametrize(
    ("codes", "match"),
    [
        (np.array([[0], [4]]), r"0..n_colors_ - 1 \(n_colors_=4\), got values from 0 to 4"),
        (np.array([[-1], [2]]), "got values from -1 to 2"),
        (np.array([[0.5], [1.0]]), "whole numbers, got fractions"),
        (np.array([[np.nan], [1.0]]), "whole numbers, got NaN"),
    ],
)
def test_bad_codes_raise_when_computed(codes, match):
    fitted = ColorQuantizer(4).fit(_photo(shape=(10, 10)))
    colours = fitted.inverse_transform(da.from_array(codes, chunks=2))  # no error yet
    with pytest.raises(ValueError, match=match):
        colours.compute()
    assert _message(fitted.inverse_transform, codes) == _message(colours.compute)


def test_dither_is_refused_for_dask_images_not_tables():
    image = _photo(shape=(20, 20))
    quantizer = ColorQuantizer(4, dither=True).fit(da.from_array(image, chunks=10))
    _assert_same_fit(ColorQuantizer(4, dither=True).fit(image), quantizer)
    lazy = da.from_array(image, chunks=10)
    for method in (quantizer.transform, quantizer.score, quantizer.fit_transform):
        with pytest.raises(ValueError, match="does not dither dask arrays"):
            method(lazy)
    table = image.reshape(-1, 3)
    codes = quantizer.transform(da.from_array(table, chunks=(50, 3)))
    np.testing.assert_array_equal(codes.compute(), quantizer.transform(table))


def test_tasks_carry_only_the_palette():
    """Each transform task holds the palette, not the estimator: a few hundred bytes."""
    import pickle

    image = _photo(shape=(64, 64))
    lazy = da.from_array(image, chunks=(32, 32, 3))
    quantizer = ColorQuantizer(8).fit(lazy)
    graph = dict(quantizer.transform(lazy).__dask_graph__().layers.items())
    layer = next(layer for name, layer in graph.items() if name.startswith("encode_block"))
    task = next(iter(layer.values()))
    assert "ColorQuantizer" not in repr(task)
    assert len(pickle.dumps(task)) < 1000


def test_dask_dataframe_is_refused_naming_the_estimator():
    dd = pytest.importorskip("dask.dataframe")
    pandas = pytest.importorskip("pandas")
    frame = dd.from_pandas(pandas.DataFrame({"r": [1, 2], "g": [3, 4]}), npartitions=1)
    with pytest.raises(TypeError, match="ColorQuantizer takes dask arrays"):
        ColorQuantizer(2).fit(frame)
