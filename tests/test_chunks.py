"""The chunked kernels against plain numpy, around the chunk boundaries; memory."""

import tracemalloc

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from sk_imagequant import ImageQuantizer
from sk_imagequant._encoding import COMPARE_MAX_EDGES, decode, encode
from sk_imagequant._histogram import CHUNK, level_counts

# Encoding and decoding cut the flat array every CHUNK values; the uint8
# histogram counts pairs of pixels, 4 * CHUNK pairs (8 * CHUNK pixels) a chunk.
SIZES = [1, 2, 3, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 1, 8 * CHUNK - 1, 8 * CHUNK + 3]
DTYPES = ["uint8", "int8", "bool", "uint16", "int16", "float32", "float64", "int32"]


def _values(dtype, size):
    rng = np.random.default_rng(size)
    if dtype == "bool":
        return rng.random(size) < 0.3
    if np.dtype(dtype).kind == "f":
        return rng.normal(0, 500, size).astype(dtype)
    info = np.iinfo(dtype)
    low, high = max(info.min, -40_000), min(info.max, 40_000)
    return rng.integers(low, high, size, endpoint=True).astype(dtype)


def _edges(values, n_bins):
    low, high = float(values.min()), float(values.max())
    return np.linspace(low, high + (high == low), n_bins + 1)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", SIZES)
def test_encode_and_decode_equal_plain_numpy(dtype, size):
    values = _values(dtype, size)
    n_bins = 300 if dtype in ("uint16", "int16") else 7
    edges = _edges(values, n_bins)
    codes_dtype = np.uint16 if n_bins > 256 else np.uint8
    codes = encode(values, edges, codes_dtype)
    expected = np.searchsorted(edges[1:-1], values.astype(np.float64), side="right")
    assert codes.dtype == codes_dtype
    assert_array_equal(codes, expected)
    centers = 0.5 * (edges[1:] + edges[:-1]) + 0.25
    assert_array_equal(decode(codes, centers), centers[expected])


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64"])
@pytest.mark.parametrize("n_bins", [2, 3, 8, COMPARE_MAX_EDGES, COMPARE_MAX_EDGES + 1, 67])
def test_float_encoding_on_and_around_the_edges(dtype, n_bins):
    """Edge by edge comparisons (few edges) and searchsorted (many) agree on
    every value an edge can meet: the edge itself, its float neighbours,
    the float32 values rounded to either side of it, signed zeros."""
    rng = np.random.default_rng(n_bins)
    inner = np.sort(np.append(rng.normal(0, 1000, n_bins - 2), 0.0))
    if np.dtype(dtype).kind == "i":
        inner = np.round(inner)
    edges = np.concatenate([[inner[0] - 1000], inner, [inner[-1] + 1000]])
    near = [inner, np.nextafter(inner, -np.inf), np.nextafter(inner, np.inf)]
    if dtype == "float32":  # the float32 values next to each float64 edge
        single = inner.astype(np.float32)
        near += [np.nextafter(single, np.float32(side)) for side in (-np.inf, np.inf)]
    values = np.concatenate([*near, [-0.0, 0.0], rng.normal(0, 2000, 1000)])
    values = values.astype(dtype)
    expected = np.searchsorted(edges[1:-1], values.astype(np.float64), side="right")
    assert_array_equal(encode(values, edges, np.uint8), expected)
    assert_array_equal(encode(values, edges, np.float32), expected)


@pytest.mark.parametrize("dtype", ["uint8", "int8", "bool", "uint16", "int16", "int32"])
@pytest.mark.parametrize("size", SIZES)
def test_level_counts_equal_np_unique(dtype, size):
    values = _values(dtype, size)
    levels, counts = level_counts(values)
    expected_levels, expected_counts = np.unique(values, return_counts=True)
    assert_array_equal(levels, expected_levels.astype(np.float64))
    assert_array_equal(counts, expected_counts)
    weights = np.random.default_rng(0).random(size)
    _, weighted = level_counts(values, weights)
    inverse = np.unique(values, return_inverse=True)[1]
    np.testing.assert_allclose(weighted, np.bincount(inverse.ravel(), weights), rtol=1e-12)


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "float32"])
def test_strided_input_and_output_shapes(dtype):
    values = _values(dtype, 6 * (CHUNK // 3 + 1)).reshape(2, -1, 3)[:, ::2, ::-1]
    edges = _edges(values, 5)
    codes = encode(values, edges, np.uint8)
    assert codes.shape == values.shape
    assert_array_equal(codes, np.searchsorted(edges[1:-1], values, side="right"))


def _peak_memory(function, *args):
    """Peak of the memory traced while ``function(*args)`` runs, and its result."""
    tracemalloc.start()
    try:
        result = function(*args)
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "int16", "float32"])
def test_transform_allocates_little_more_than_the_codes(dtype):
    # 8 megapixels: the codes take 8 MB; a float64 copy of the image would
    # take 64 MB and an intp index 64 MB.
    image = _values(dtype, 8_000_000).reshape(2000, 4000)
    quantizer = ImageQuantizer(n_bins=8, strategy="uniform").fit(image[:100])
    quantizer.transform(image[:2])  # builds the cached lookup table
    peak, codes = _peak_memory(quantizer.transform, image)
    assert codes.nbytes == image.size
    assert peak <= 1.2 * codes.nbytes, peak / codes.nbytes
    peak, _ = _peak_memory(quantizer.inverse_transform, codes)
    assert peak <= 1.2 * 8 * codes.size, peak / (8 * codes.size)


@pytest.mark.parametrize("layout", ["rgb, channels last", "grey, transposed"])
def test_strided_images_are_not_copied_either(layout):
    # 6 and 8 megapixels: the chunks' fixed half megabyte stays under 0.2x.
    if layout == "rgb, channels last":
        image = _values("uint8", 3 * 2_000_000).reshape(1000, 2000, 3)
        quantizer = ImageQuantizer(n_bins=8, channel_axis=-1)
    else:
        image = _values("uint8", 8_000_000).reshape(4000, 2000).T
        quantizer = ImageQuantizer(n_bins=8)
    quantizer.fit(image[:100])
    quantizer.transform(image[:2])  # builds the cached lookup tables
    peak, codes = _peak_memory(quantizer.transform, image)
    assert peak <= 1.2 * codes.nbytes, peak / codes.nbytes
    for channel in range(len(quantizer.bin_edges_)):
        index = (..., channel) if codes.ndim == 3 else ...
        expected = np.searchsorted(
            quantizer.bin_edges_[channel][1:-1], image[index], "right"
        )
        assert_array_equal(codes[index], expected)
    peak, decoded = _peak_memory(quantizer.inverse_transform, codes)
    assert peak <= 1.2 * decoded.nbytes, peak / decoded.nbytes


def test_encode_and_decode_write_into_strided_outputs():
    values = _values("uint8", 4 * CHUNK + 7)
    edges = _edges(values, 6)
    out = np.zeros((values.size, 2), dtype=np.uint8)
    encode(values, edges, np.uint8, out=out[:, 1])
    assert_array_equal(out[:, 1], np.searchsorted(edges[1:-1], values, side="right"))
    assert not out[:, 0].any()
    image = np.zeros((values.size, 3))
    decode(out[:, 1], edges[1:] - 1, out=image[:, 2])
    assert_array_equal(image[:, 2], (edges[1:] - 1)[out[:, 1]])
    assert not image[:, :2].any()


def test_fit_of_a_uint8_image_allocates_no_full_size_temporary():
    image = _values("uint8", 8_000_000).reshape(2000, 4000)
    ImageQuantizer(n_bins=8).fit(image[:10])  # first-call imports and caches
    peak, _ = _peak_memory(ImageQuantizer(n_bins=8).fit, image)
    assert peak < 0.5 * image.nbytes, peak / image.nbytes


@pytest.mark.parametrize("case", ["rgb, channels last", "grey, transposed", "weighted"])
def test_fit_of_strided_or_weighted_images_copies_nothing_whole(case):
    image = _values("uint8", 8_000_000)
    sample_weight = None
    if case == "rgb, channels last":
        image, quantizer = (
            image[:7_998_000].reshape(2000, -1, 3),
            ImageQuantizer(channel_axis=-1),
        )
    elif case == "grey, transposed":
        image, quantizer = image.reshape(4000, 2000).T, ImageQuantizer()
    else:
        image, quantizer = image.reshape(4000, 2000), ImageQuantizer()
        sample_weight = np.linspace(0.5, 2.0, 4000)
    quantizer.fit(
        image[:10], sample_weight=None if sample_weight is None else sample_weight[:10]
    )
    peak, _ = _peak_memory(quantizer.fit, image, None, sample_weight)
    assert peak < 0.5 * image.nbytes, peak / image.nbytes
    # The same histogram as counted from a contiguous copy.
    copied = ImageQuantizer(**quantizer.get_params()).fit(
        np.ascontiguousarray(image), sample_weight=sample_weight
    )
    for got, expected in zip(quantizer.bin_edges_, copied.bin_edges_, strict=True):
        assert_array_equal(got, expected)
