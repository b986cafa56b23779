"""ImageQuantizer's behaviour: hand-computed values, shapes, degenerate data, errors."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import NotFittedError

from sk_imagequant import ImageQuantizer

RAMP = np.array([[0, 63, 64, 127, 128, 191, 192, 255]], dtype=np.uint8)


def test_uniform_codes_and_centres_by_hand():
    quantizer = ImageQuantizer(n_bins=4, strategy="uniform").fit(RAMP)
    assert_array_equal(quantizer.bin_edges_[0], [0, 63.75, 127.5, 191.25, 255])
    assert_array_equal(quantizer.bin_centers_[0], [31.875, 95.625, 159.375, 223.125])
    codes = quantizer.transform(RAMP)
    assert codes.dtype == np.uint8
    assert_array_equal(codes, [[0, 0, 1, 1, 2, 2, 3, 3]])
    assert_array_equal(
        quantizer.inverse_transform(codes),
        [[31.875, 31.875, 95.625, 95.625, 159.375, 159.375, 223.125, 223.125]],
    )


def test_centroid_centres_are_bin_means_by_hand():
    image = np.array([[0, 10, 20, 30], [200, 210, 220, 250]], dtype=np.uint8)
    quantizer = ImageQuantizer(n_bins=2, strategy="kmeans", centers="centroid").fit(image)
    assert_array_equal(quantizer.bin_edges_[0], [0, 117.5, 250])
    assert_array_equal(quantizer.bin_centers_[0], [15, 220])
    assert_array_equal(quantizer.decode([0, 1]), [15.0, 220.0])


def test_centroid_of_an_empty_bin_is_its_midpoint():
    image = np.array([[0, 1, 2, 250, 251, 252]], dtype=np.uint8)
    quantizer = ImageQuantizer(n_bins=3, strategy="uniform", centers="centroid").fit(image)
    assert_array_equal(quantizer.bin_edges_[0], [0, 84, 168, 252])
    assert_array_equal(quantizer.bin_centers_[0], [1, 126, 251])


@pytest.mark.parametrize(
    ("n_bins", "dtype", "expected"),
    [
        (2, None, np.uint8),
        (256, None, np.uint8),
        (257, None, np.uint16),
        (65536, None, np.uint16),
        (8, np.uint16, np.uint16),
        (8, np.float32, np.float32),
        (8, np.float64, np.float64),
    ],
)
def test_codes_dtype(rng, n_bins, dtype, expected):
    image = rng.integers(0, 1 << 16, (300, 300)).astype(np.uint16)
    quantizer = ImageQuantizer(n_bins=n_bins, strategy="uniform", dtype=dtype)
    codes = quantizer.fit_transform(image)
    assert codes.dtype == expected
    assert codes.shape == image.shape
    assert codes.max() == n_bins - 1


def test_too_small_code_dtype_is_an_error():
    with pytest.raises(
        ValueError, match="dtype=uint8 holds at most 256 codes, but n_bins=257"
    ):
        ImageQuantizer(n_bins=257, dtype=np.uint8).fit(RAMP)


@pytest.mark.parametrize("n_bins", [1, 0, 65537, 2.5, "8", None])
def test_n_bins_outside_2_to_65536_is_an_error(n_bins):
    with pytest.raises(
        ValueError, match="'n_bins' parameter of ImageQuantizer must be an int"
    ):
        ImageQuantizer(n_bins=n_bins).fit(RAMP)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"strategy": "median"}, "'strategy' parameter"),
        ({"centers": "mean"}, "'centers' parameter"),
        ({"dtype": np.int8}, "'dtype' parameter"),
        ({"dtype": "uint8"}, "'dtype' parameter"),
        ({"channel_axis": 1.0}, "'channel_axis' parameter"),
        ({"subsample": 0}, "'subsample' parameter"),
    ],
)
def test_bad_parameters_are_errors(params, match):
    with pytest.raises(ValueError, match=match):
        ImageQuantizer(**params).fit(RAMP)


@pytest.mark.parametrize("channel_axis", [2, -3])
def test_channel_axis_out_of_range_is_an_error(channel_axis):
    with pytest.raises(ValueError, match=f"channel_axis={channel_axis} is out of range"):
        ImageQuantizer(channel_axis=channel_axis).fit(RAMP)


@pytest.mark.parametrize("dtype", [np.uint8, np.float64])
@pytest.mark.parametrize("strategy", ["uniform", "quantile", "kmeans"])
def test_constant_image_warns_and_decodes_to_the_constant(strategy, dtype):
    image = np.full((5, 6), 7, dtype=dtype)
    quantizer = ImageQuantizer(strategy=strategy)
    with pytest.warns(UserWarning, match=r"Channel 0 is constant \(7\)"):
        codes = quantizer.fit_transform(image)
    assert_array_equal(codes, np.zeros((5, 6), np.uint8))
    assert_array_equal(quantizer.n_bins_, [1])
    assert_array_equal(quantizer.inverse_transform(codes), image)
    assert_array_equal(quantizer.encode([[3, 7, 9]]), [[0, 0, 0]])
    assert quantizer.score(image) == np.inf


@pytest.mark.parametrize("strategy", ["quantile", "kmeans"])
def test_fewer_distinct_values_than_bins_warns_and_uses_fewer_bins(strategy):
    image = np.array([[10, 10, 20], [20, 90, 90]], dtype=np.uint8)
    quantizer = ImageQuantizer(n_bins=8, strategy=strategy)
    with pytest.warns(UserWarning, match="Channel 0 gets [0-9] bins instead of n_bins=8"):
        codes = quantizer.fit_transform(image)
    assert 2 <= quantizer.n_bins_[0] < 8
    assert len(quantizer.bin_edges_[0]) == quantizer.n_bins_[0] + 1
    assert codes.max() < quantizer.n_bins_[0]


def test_values_closer_than_1e_8_make_one_quantile_bin():
    image = np.array([[0.0, 1e-250, 2e-9]])
    quantizer = ImageQuantizer(n_bins=2, strategy="quantile", centers="centroid")
    with pytest.warns(UserWarning, match="gets 1 bin instead of n_bins=2"):
        quantizer.fit(image)
    assert_array_equal(quantizer.bin_edges_[0], [0.0, 2e-9])
    assert_array_equal(quantizer.transform(image), [[0, 0, 0]])
    assert_allclose(quantizer.bin_centers_[0], [image.mean()])


def test_kmeans_with_few_levels_gives_each_level_a_bin():
    image = np.array([[10, 10, 20], [20, 90, 90]], dtype=np.uint8)
    with pytest.warns(UserWarning, match="gets 3 bins instead of n_bins=8"):
        quantizer = ImageQuantizer(n_bins=8, strategy="kmeans").fit(image)
    assert_array_equal(quantizer.bin_edges_[0], [10, 15, 55, 90])
    assert_array_equal(quantizer.transform(image), [[0, 0, 1], [1, 2, 2]])


def test_fewer_pixels_than_bins():
    image = np.array([[5, 200]], dtype=np.uint8)
    with pytest.warns(UserWarning, match="gets 2 bins instead of n_bins=300"):
        quantizer = ImageQuantizer(n_bins=300, strategy="kmeans").fit(image)
    assert quantizer.transform(image).dtype == np.uint16
    assert_array_equal(quantizer.transform(image), [[0, 1]])


def test_uniform_keeps_every_bin_even_when_some_are_empty():
    image = np.array([[0, 255]], dtype=np.uint8)
    quantizer = ImageQuantizer(n_bins=8, strategy="uniform").fit(image)
    assert_array_equal(quantizer.n_bins_, [8])
    assert_array_equal(quantizer.transform(image), [[0, 7]])


def test_values_outside_the_fitted_range_get_the_end_codes():
    quantizer = ImageQuantizer(n_bins=4, strategy="uniform").fit(RAMP[:, 2:6])
    assert_array_equal(
        quantizer.encode(np.array([0, 64, 191, 255], np.uint8)), [0, 0, 3, 3]
    )
    assert_array_equal(quantizer.encode([-1e9, 1e9]), [0, 3])


def test_encode_and_decode_take_any_shape(rng):
    image = rng.integers(0, 256, (20, 30)).astype(np.uint8)
    quantizer = ImageQuantizer(n_bins=5).fit(image)
    other = rng.integers(0, 256, (3, 7, 11)).astype(np.uint8)
    codes = quantizer.encode(other)
    assert codes.shape == other.shape
    assert_array_equal(codes.ravel(), quantizer.encode(other.ravel()))
    assert_array_equal(quantizer.decode(codes), quantizer.bin_centers_[0][codes])
    scalar = quantizer.encode(np.uint8(200))
    assert scalar.shape == ()
    assert scalar == quantizer.encode(other.ravel()[:1] * 0 + 200)[0]
    assert quantizer.decode(scalar).shape == ()


def test_transform_checks_the_number_of_columns(rng):
    quantizer = ImageQuantizer().fit(rng.integers(0, 256, (10, 12)).astype(np.uint8))
    with pytest.raises(
        ValueError, match="X has 13 features, but ImageQuantizer is expecting 12"
    ):
        quantizer.transform(np.zeros((10, 13), np.uint8))
    with pytest.raises(
        ValueError, match="X has 13 features, but ImageQuantizer is expecting 12"
    ):
        quantizer.inverse_transform(np.zeros((10, 13), np.uint8))


def test_stack_of_images_shares_one_codebook(rng):
    stack = rng.integers(0, 256, (4, 10, 12)).astype(np.uint8)
    quantizer = ImageQuantizer(n_bins=6).fit(stack)
    flat = ImageQuantizer(n_bins=6).fit(stack.reshape(-1, 1))
    assert_array_equal(quantizer.bin_edges_[0], flat.bin_edges_[0])
    codes = quantizer.transform(stack)
    assert codes.shape == stack.shape
    assert_array_equal(codes.reshape(-1, 1), flat.transform(stack.reshape(-1, 1)))


def test_colour_image_gets_one_codebook_per_channel(rng):
    image = rng.integers(0, 256, (16, 20, 3)).astype(np.uint8)
    image[..., 1] //= 4  # a darker green channel
    quantizer = ImageQuantizer(n_bins=4, channel_axis=-1).fit(image)
    assert len(quantizer.bin_edges_) == 3
    assert_array_equal(quantizer.n_bins_, [4, 4, 4])
    codes = quantizer.transform(image)
    assert codes.shape == image.shape
    for channel in range(3):
        alone = ImageQuantizer(n_bins=4).fit(image[..., channel])
        assert_array_equal(quantizer.bin_edges_[channel], alone.bin_edges_[0])
        assert_array_equal(codes[..., channel], alone.transform(image[..., channel]))
        assert_array_equal(
            quantizer.inverse_transform(codes)[..., channel],
            alone.inverse_transform(codes[..., channel]),
        )
    channels_first = ImageQuantizer(n_bins=4, channel_axis=0).fit(np.moveaxis(image, -1, 0))
    assert_array_equal(
        channels_first.encode(np.moveaxis(image, -1, 0)), np.moveaxis(codes, -1, 0)
    )


def test_wrong_channel_count_is_an_error(rng):
    image = rng.integers(0, 256, (8, 9, 3)).astype(np.uint8)
    quantizer = ImageQuantizer(n_bins=4, channel_axis=-1).fit(image)
    message = "has 4 channels on axis -1, but ImageQuantizer was fitted with 3"
    with pytest.raises(ValueError, match=message):
        quantizer.encode(np.zeros((8, 9, 4), np.uint8))
    with pytest.raises(ValueError, match=message):
        quantizer.decode(np.zeros((8, 9, 4), np.uint8))


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64])
def test_signed_images_with_negative_values(rng, dtype):
    info = np.iinfo(np.int8 if dtype == np.int8 else np.int16)
    image = rng.integers(info.min, info.max + 1, (50, 60)).astype(dtype)
    quantizer = ImageQuantizer(n_bins=5, strategy="quantile").fit(image)
    as_float = ImageQuantizer(n_bins=5, strategy="quantile", subsample=None)
    as_float.fit(image.astype(np.float64))
    assert_array_equal(quantizer.bin_edges_[0], as_float.bin_edges_[0])
    assert_array_equal(
        quantizer.transform(image), as_float.transform(image.astype(np.float64))
    )


def test_boolean_image():
    image = np.array([[True, False, True], [False, False, True]])
    quantizer = ImageQuantizer(n_bins=2, strategy="uniform", centers="centroid").fit(image)
    assert_array_equal(quantizer.transform(image), image.astype(np.uint8))
    assert_array_equal(quantizer.bin_centers_[0], [0.0, 1.0])
    assert quantizer.score(image) == np.inf


def test_integer_sample_weights_equal_repeated_rows(rng):
    image = rng.integers(0, 256, (30, 8)).astype(np.uint8)
    weights = rng.integers(0, 4, 30)
    for strategy in ["uniform", "quantile", "kmeans"]:
        weighted = ImageQuantizer(n_bins=4, strategy=strategy).fit(
            image, sample_weight=weights
        )
        repeated = ImageQuantizer(n_bins=4, strategy=strategy).fit(
            np.repeat(image, weights, 0)
        )
        assert_allclose(weighted.bin_edges_[0], repeated.bin_edges_[0], rtol=0, atol=1e-9)


def test_rows_of_zero_weight_are_left_out():
    image = np.arange(12, dtype=np.uint8).reshape(3, 4)
    quantizer = ImageQuantizer(n_bins=2, strategy="uniform")
    quantizer.fit(image, sample_weight=[0, 1, 1])
    assert_array_equal(quantizer.bin_edges_[0], [4, 7.5, 11])


@pytest.mark.parametrize(
    ("sample_weight", "match"),
    [
        (np.zeros(3), "Sample weights must contain at least one non-zero number"),
        (-np.ones(3), "Negative values in data passed to `sample_weight`"),
        (np.ones(4), r"sample_weight.shape == \(4,\), expected \(3,\)"),
    ],
)
def test_bad_sample_weights_are_errors(sample_weight, match):
    image = np.arange(12, dtype=np.uint8).reshape(3, 4)
    with pytest.raises(ValueError, match=match):
        ImageQuantizer().fit(image, sample_weight=sample_weight)


def test_score_is_the_psnr_with_the_dtypes_peak(rng):
    image = rng.integers(0, 256, (20, 20)).astype(np.uint8)
    quantizer = ImageQuantizer(n_bins=4).fit(image)
    mse = np.mean((image - quantizer.inverse_transform(quantizer.transform(image))) ** 2)
    assert quantizer.score(image) == pytest.approx(10 * np.log10(255**2 / mse))
    signed = image.astype(np.int16) - 128
    quantizer.fit(signed)
    mse = np.mean((signed - quantizer.decode(quantizer.encode(signed))) ** 2)
    assert quantizer.score(signed) == pytest.approx(10 * np.log10(65535**2 / mse))


@pytest.mark.parametrize("dtype", [np.bool_, np.uint8, np.int8, np.uint16, np.int16])
@pytest.mark.parametrize("channel_axis", [None, 0, -1])
def test_score_of_small_integers_counts_levels_as_pixels_would(rng, dtype, channel_axis):
    """8- and 16-bit images are scored through their histogram: same PSNR."""
    info = np.iinfo(dtype) if dtype is not np.bool_ else np.iinfo(np.uint8)
    high = 2 if dtype is np.bool_ else min(int(info.max), 3000) + 1
    low = 0 if dtype is np.bool_ else max(int(info.min), -3000)
    train = rng.integers(low, high, (3, 30, 3)).astype(dtype)
    other = rng.integers(low, high, (3, 30, 3)).astype(dtype)  # not the fitted data
    quantizer = ImageQuantizer(n_bins=5, centers="centroid", channel_axis=channel_axis)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Channel .* gets 2 bins instead", UserWarning)
        quantizer.fit(train)
    error = other.astype(np.float64) - quantizer.decode(quantizer.encode(other))
    peak = 1.0 if dtype is np.bool_ else float(info.max - info.min if low < 0 else info.max)
    if dtype is np.bool_:  # two levels, two bins: nothing is lost
        assert not error.any()
        assert quantizer.score(other) == np.inf
    else:
        expected = 10 * np.log10(peak**2 / np.mean(error**2))
        assert quantizer.score(other) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("image", "error", "match"),
    [
        (np.array([[1.0, np.nan]]), ValueError, "Input X contains NaN"),
        (np.array([[1.0, np.inf]]), ValueError, "Input X contains infinity"),
        (np.zeros((0, 4)), ValueError, "Found array with 0 sample"),
        (np.zeros((4, 0)), ValueError, "Found array with 0 feature"),
        (np.arange(5), ValueError, "Expected 2D array, got 1D array"),
        (np.array([[1 + 2j, 3]]), ValueError, "Complex data not supported"),
        (np.array([["a", "b"]]), ValueError, "not compatible with arrays of bytes/strings"),
        (np.array([[object(), 1]], dtype=object), TypeError, "float"),
    ],
)
def test_bad_images_are_clear_errors(image, error, match):
    with pytest.raises(error, match=match):
        ImageQuantizer().fit(image)
    quantizer = ImageQuantizer(n_bins=2).fit([[0.0, 1.0]])
    with pytest.raises(error, match=match):
        quantizer.transform(image)


@pytest.mark.parametrize(
    ("image", "match"),
    [
        (np.array([1.0, np.nan]), "Input image contains NaN"),
        (np.array([np.inf]), "Input image contains infinity"),
        (np.zeros((3, 0)), r"Found an empty image of shape \(3, 0\)"),
        (np.array([1j]), "Complex data not supported"),
    ],
)
def test_bad_images_to_encode_are_clear_errors(image, match):
    quantizer = ImageQuantizer(n_bins=2).fit([[0.0, 1.0]])
    with pytest.raises(ValueError, match=match):
        quantizer.encode(image)


@pytest.mark.parametrize(
    ("codes", "match"),
    [
        (
            np.array([0, 8]),
            r"Codes must lie in 0..n_bins_ - 1 \(n_bins_=\[8\]\), got values from 0 to 8",
        ),
        (np.array([-1, 2]), "Codes must lie in 0..n_bins_ - 1"),
        (np.array([0.5, 2.0]), "Codes must be whole numbers, got fractions"),
        (np.array([np.nan, 2.0]), "Codes must be whole numbers, got NaN"),
        (np.array(["a"]), "not compatible with arrays of bytes/strings"),
        (np.zeros(0, np.uint8), r"Found an empty codes of shape \(0,\)"),
    ],
)
def test_bad_codes_are_clear_errors(rng, codes, match):
    quantizer = ImageQuantizer(n_bins=8).fit(
        rng.integers(0, 256, (10, 10)).astype(np.uint8)
    )
    with pytest.raises(ValueError, match=match):
        quantizer.decode(codes)
    if codes.size:
        with pytest.raises(ValueError, match=match):
            quantizer.inverse_transform(codes.reshape(1, 1, -1).repeat(10, axis=1))


def test_whole_float_codes_decode(rng):
    quantizer = ImageQuantizer(n_bins=8, dtype=np.float32)
    codes = quantizer.fit_transform(rng.integers(0, 256, (10, 10)).astype(np.uint8))
    assert codes.dtype == np.float32
    assert_array_equal(
        quantizer.inverse_transform(codes), quantizer.decode(codes.astype(int))
    )


@pytest.mark.parametrize(
    "method", ["transform", "inverse_transform", "encode", "decode", "score"]
)
def test_not_fitted_is_an_error(method):
    with pytest.raises(
        NotFittedError, match="This ImageQuantizer instance is not fitted yet"
    ):
        getattr(ImageQuantizer(), method)(RAMP)


@pytest.mark.parametrize("strategy", ["uniform", "quantile", "kmeans"])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
def test_inputs_are_never_modified_and_may_be_read_only(rng, strategy, dtype):
    image = (rng.random((40, 50)) * 200).astype(dtype)
    image.flags.writeable = False
    original = image.copy()
    quantizer = ImageQuantizer(n_bins=4, strategy=strategy, centers="centroid")
    codes = quantizer.fit_transform(image)
    codes.flags.writeable = False
    quantizer.encode(image)
    quantizer.score(image)
    quantizer.inverse_transform(codes)
    assert_array_equal(image, original)


def test_centroid_of_a_constant_float_image_is_exactly_the_constant():
    image = np.full((3, 5), 83886.27797684)
    with pytest.warns(UserWarning, match="Channel 0 is constant"):
        quantizer = ImageQuantizer(centers="centroid").fit(image)
    assert_array_equal(quantizer.inverse_transform(quantizer.transform(image)), image)


def test_outer_edges_are_the_data_range_when_a_narrow_bin_is_removed():
    image = np.array([[-1.0, 0.0, 4e-302]])
    with pytest.warns(UserWarning, match="gets 2 bins instead of n_bins=3"):
        quantizer = ImageQuantizer(n_bins=3, strategy="quantile").fit(image)
    assert quantizer.bin_edges_[0][0] == -1.0
    assert quantizer.bin_edges_[0][-1] == 4e-302


def test_lossless_float_quantisation_decodes_exactly():
    level = 459.33588288540375
    image = np.array([[level] * 3 + [2 * level] * 3])
    quantizer = ImageQuantizer(n_bins=2, centers="centroid").fit(image)
    assert_array_equal(quantizer.inverse_transform(quantizer.transform(image)), image)
    assert quantizer.score(image) == np.inf


def test_magnitudes_that_would_overflow_are_a_clear_error():
    with pytest.raises(ValueError, match="fits values up to 1e\\+100 in magnitude"):
        ImageQuantizer().fit(np.array([[1e200, 0.0, -1.0]]))


def test_kmeans_on_values_closer_than_1e_8_makes_one_bin():
    image = np.array([[2e-300, 0.0, 1e-300]])
    with pytest.warns(UserWarning, match="gets 1 bin instead of n_bins=2"):
        quantizer = ImageQuantizer(n_bins=2, strategy="kmeans").fit(image)
    assert_array_equal(quantizer.bin_edges_[0], [0.0, 2e-300])
