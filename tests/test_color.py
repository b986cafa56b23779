"""ColorQuantizer: palettes, exact nearest colours, streaming, dithering, bad input."""

import pickle
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy import ndimage
from sklearn.cluster import KMeans
from sklearn.datasets import load_sample_image
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils._param_validation import InvalidParameterError

from sk_imagequant import ColorQuantizer, pack_codes
from sk_imagequant._palette import (
    cell_moments,
    distinct_colours,
    histogram_codes,
    morton_colours,
    morton_histogram,
    morton_keys,
    nearest_codes,
    principal_splits,
    resolved_cells,
    sort_by_morton,
)


def brute_force_codes(pixels, palette):
    """Index of the nearest palette entry by the direct sum of squares, ties low."""
    differences = pixels.astype(np.float64)[:, np.newaxis, :] - palette.astype(np.float64)
    return np.square(differences).sum(axis=2).argmin(axis=1)


@pytest.fixture(scope="module")
def china_small():
    return load_sample_image("china.jpg")[::4, ::4]


@pytest.fixture
def photo_like(rng):
    """A smooth uint8 RGB image with noise: many distinct colours."""
    y, x = np.mgrid[0:48, 0:40]
    image = np.stack([4 * y, 5 * x, 2 * (x + y)], axis=-1).astype(np.float64)
    image += rng.normal(0, 6, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


# Palettes computed by hand ---------------------------------------------------


def test_two_clusters_palette_is_their_rounded_means():
    pixels = np.array(
        [
            [0, 0, 0],
            [0, 0, 0],
            [9, 9, 9],
            [200, 200, 200],
            [210, 210, 210],
            [220, 220, 220],
        ],
        dtype=np.uint8,
    )
    quantizer = ColorQuantizer(n_colors=2).fit(pixels)
    assert_array_equal(np.sort(quantizer.palette_, axis=0), [[3, 3, 3], [210, 210, 210]])
    codes = quantizer.transform(pixels)
    assert codes.shape == (6, 1)
    assert codes.dtype == np.uint8
    dark = int(np.flatnonzero(quantizer.palette_[:, 0] == 3)[0])
    assert_array_equal(codes[:, 0], [dark] * 3 + [1 - dark] * 3)
    assert_array_equal(quantizer.inverse_transform(codes)[2], [3, 3, 3])


def test_principal_splitting_cuts_at_the_gap():
    colours = np.array([[0, 0, 0], [8, 0, 0], [248, 0, 0], [255, 0, 0]], dtype=np.uint8)
    keys, counts = sort_by_morton(colours, np.array([1.0, 1.0, 2.0, 2.0]))
    _, moments = cell_moments(keys, counts, 8)
    centres = principal_splits(moments, 2)
    assert_allclose(np.sort(centres, axis=0), [[4, 0, 0], [251.5, 0, 0]])


def test_morton_keys_round_trip_and_order_cells(rng):
    colours = rng.integers(0, 256, (5000, 3), dtype=np.uint8)
    keys = morton_keys(colours)
    assert_array_equal(morton_colours(keys), colours)
    # Sorted keys keep each cell of 5 bits a channel together.
    cells = (colours >> 3).astype(np.int64) @ [1 << 10, 1 << 5, 1]
    ordered = cells[np.argsort(keys)]
    assert np.count_nonzero(np.diff(ordered)) + 1 == np.unique(cells).size


@pytest.mark.parametrize("n_entries", [2, 16, 32, 33, 64, 256, 300])
def test_histogram_codes_equal_brute_force(rng, n_entries):
    palette = rng.integers(0, 256, (n_entries, 3), dtype=np.uint8)
    palette[1::3] = palette[::3][: palette[1::3].shape[0]]  # duplicates: ties
    # Clustered and uniform pixels, some exactly on entries or halfway between two.
    pixels = np.concatenate(
        [
            rng.integers(0, 256, (20000, 3), dtype=np.uint8),
            np.clip(rng.normal(128, 20, (20000, 3)), 0, 255).astype(np.uint8),
            palette,
            ((palette[:-1].astype(int) + palette[1:]) // 2).astype(np.uint8),
        ]
    )
    pixel_keys, keys, _ = morton_histogram(pixels)
    codes = histogram_codes(pixel_keys, keys, palette, np.uint16)
    assert_array_equal(codes, brute_force_codes(pixels, palette))


@pytest.mark.parametrize("bits", [5, 6])
@pytest.mark.parametrize("n_entries", [2, 16, 33, 256])
def test_resolved_cells_hold_only_colours_of_their_code(rng, n_entries, bits):
    """Every colour of a resolved cell has the cell's code; the test is exact."""
    palette = rng.integers(0, 256, (n_entries, 3), dtype=np.uint8)
    palette[1::3] = palette[::3][: palette[1::3].shape[0]]  # duplicates: ties
    side = 1 << (8 - bits)
    origins = np.concatenate(
        [rng.integers(0, 256, (300, 3)) // side * side, palette // side * side]
    ).astype(np.uint8)
    cells = np.unique(morton_keys(origins) >> np.uint32(3 * (8 - bits)))
    resolved, nearest = resolved_cells(cells, palette, bits)
    offsets = np.stack(np.meshgrid(*[np.arange(side)] * 3, indexing="ij"), -1).reshape(
        -1, 3
    )
    corners = offsets[np.all((offsets == 0) | (offsets == side - 1), axis=1)]
    for cell, is_resolved, code in zip(cells, resolved, nearest, strict=True):
        origin = morton_colours(np.array([cell << np.uint32(3 * (8 - bits))]))[0]
        colours = (origin.astype(int) + offsets).astype(np.uint8)
        codes = brute_force_codes(colours, palette)
        if is_resolved:
            assert np.all(codes == code)
        else:  # exact: some corner of an unresolved cell has another code
            corner_codes = brute_force_codes(
                (origin.astype(int) + corners).astype(np.uint8), palette
            )
            assert np.unique(corner_codes).size > 1
    assert resolved.any()


def test_fewer_distinct_colours_than_asked_warns_and_are_the_palette():
    image = np.zeros((4, 5, 3), dtype=np.uint8)
    image[1] = [10, 20, 30]
    image[2:] = [255, 0, 7]
    quantizer = ColorQuantizer(n_colors=16)
    with pytest.warns(UserWarning, match="found only 3 distinct colours, fewer than n_"):
        codes = quantizer.fit_transform(image)
    assert quantizer.n_colors_ == 3
    assert quantizer.n_iter_ == 0
    assert_array_equal(quantizer.palette_, [[0, 0, 0], [10, 20, 30], [255, 0, 7]])
    assert_array_equal(codes, [[0] * 5, [1] * 5, [2] * 5, [2] * 5])
    assert_array_equal(quantizer.inverse_transform(codes), image)
    assert quantizer.score(image) == np.inf


# Exact nearest colours -----------------------------------------------------------


@pytest.mark.parametrize("n_entries", [2, 7, 256, 300])
def test_nearest_codes_equal_brute_force_on_uint8(rng, n_entries):
    palette = rng.integers(0, 256, (n_entries, 3), dtype=np.uint8)
    palette[1::3] = palette[::3][: palette[1::3].shape[0]]  # duplicates: ties
    pixels = rng.integers(0, 256, (5000, 3), dtype=np.uint8)
    pixels[:n_entries] = palette  # exactly on entries, duplicates included
    codes = nearest_codes(pixels, palette, np.uint16)
    assert_array_equal(codes, brute_force_codes(pixels, palette))


@pytest.mark.parametrize("n_channels", [1, 3, 4, 6])
def test_nearest_codes_equal_brute_force_on_floats_with_ties(rng, n_channels):
    palette = rng.normal(0, 100, (40, n_channels))
    palette[20:] = np.round(palette[:20])
    # Midpoints of pairs of entries: equidistant from both, up to rounding.
    pairs = rng.integers(0, 40, (3000, 2))
    pixels = 0.5 * (palette[pairs[:, 0]] + palette[pairs[:, 1]])
    pixels = np.concatenate(
        [pixels, np.round(pixels), rng.normal(0, 100, (500, n_channels))]
    )
    codes = nearest_codes(pixels, palette, np.uint8)
    assert_array_equal(codes, brute_force_codes(pixels, palette))


def test_transform_is_the_nearest_palette_colour(photo_like):
    quantizer = ColorQuantizer(n_colors=24).fit(photo_like)
    codes = quantizer.transform(photo_like)
    expected = brute_force_codes(photo_like.reshape(-1, 3), quantizer.palette_)
    assert_array_equal(codes.reshape(-1), expected)


@settings(max_examples=25, deadline=None)
@given(
    image=st.lists(st.tuples(*[st.integers(0, 255)] * 3), min_size=3, max_size=60).map(
        lambda rows: np.array(rows, dtype=np.uint8)
    ),
    n_colors=st.integers(2, 12),
)
def test_property_codes_are_nearest_and_palette_within_the_colours(image, n_colors):
    n_distinct = distinct_colours(image)[0].shape[0]
    quantizer = ColorQuantizer(n_colors=n_colors)
    if n_distinct < n_colors:
        with pytest.warns(UserWarning, match="distinct colour"):
            quantizer.fit(image)
    else:
        quantizer.fit(image)
    assert quantizer.n_colors_ == min(n_colors, n_distinct)
    codes = quantizer.transform(image)[:, 0]
    assert_array_equal(codes, brute_force_codes(image, quantizer.palette_))
    assert np.all(quantizer.palette_ >= image.min(axis=0))
    assert np.all(quantizer.palette_ <= image.max(axis=0))


# Quality ----------------------------------------------------------------------


@pytest.mark.parametrize("n_colors", [8, 32])
def test_error_close_to_kmeans_on_every_pixel(china_small, n_colors):
    pixels = china_small.reshape(-1, 3).astype(np.float64)
    quantizer = ColorQuantizer(n_colors=n_colors).fit(china_small)
    rendering = quantizer.inverse_transform(quantizer.transform(china_small))
    error = np.mean(np.square(rendering - china_small.astype(np.float64)))
    kmeans = KMeans(n_clusters=n_colors, n_init=1, random_state=0).fit(pixels)
    reference = np.mean(np.square(kmeans.cluster_centers_[kmeans.labels_] - pixels))
    assert error <= 1.05 * reference


def test_score_is_the_psnr(photo_like):
    quantizer = ColorQuantizer(n_colors=10).fit(photo_like)
    rendering = quantizer.inverse_transform(quantizer.transform(photo_like))
    mse = np.mean(np.square(rendering.astype(np.float64) - photo_like))
    assert quantizer.score(photo_like) == pytest.approx(10 * np.log10(255**2 / mse))


# Shapes, types and paths ---------------------------------------------------------


def test_shapes_of_images_stacks_and_tables(photo_like):
    stack = np.stack([photo_like, photo_like[::-1]])
    quantizer = ColorQuantizer(n_colors=6).fit(stack)
    assert quantizer.n_features_in_ == 3
    assert quantizer.palette_.shape == (6, 3)
    assert quantizer.palette_.dtype == np.uint8
    codes = quantizer.transform(stack)
    assert codes.shape == (2, 48, 40)
    assert_array_equal(quantizer.transform(photo_like), codes[0])
    assert quantizer.inverse_transform(codes).shape == (2, 48, 40, 3)
    table = photo_like.reshape(-1, 3)
    assert quantizer.transform(table).shape == (table.shape[0], 1)
    assert_array_equal(quantizer.transform(table)[:, 0], codes[0].reshape(-1))
    assert quantizer.inverse_transform(quantizer.transform(table)).shape == table.shape


def test_uint16_codes_above_256_colours_and_pack_codes(photo_like):
    quantizer = ColorQuantizer(n_colors=300).fit(photo_like)
    codes = quantizer.transform(photo_like)
    assert codes.dtype == np.uint16
    assert codes.max() >= 256
    packed = pack_codes(codes, n_bins=quantizer.n_colors_)
    assert packed.n_bits == 9
    assert_array_equal(packed.unpack(), codes)
    small = ColorQuantizer(n_colors=16).fit(photo_like)
    packed = pack_codes(small.transform(photo_like), n_bins=small.n_colors_)
    assert packed.n_bits == 4
    assert packed.nbytes == photo_like.shape[0] * photo_like.shape[1] // 2


def test_float_and_rgba_data_take_the_kmeans_path(photo_like):
    floats = photo_like / 255.0
    quantizer = ColorQuantizer(n_colors=5).fit(floats)
    assert quantizer.palette_.dtype == np.float64
    assert quantizer.n_iter_ >= 1
    codes = quantizer.transform(floats)
    assert_array_equal(
        codes.reshape(-1), brute_force_codes(floats.reshape(-1, 3), quantizer.palette_)
    )
    again = ColorQuantizer(n_colors=5).fit(floats)  # random_state=None: a fixed seed
    assert_array_equal(again.palette_, quantizer.palette_)
    rgba = np.concatenate(
        [photo_like, np.full((*photo_like.shape[:2], 1), 255, np.uint8)], 2
    )
    quantizer = ColorQuantizer(n_colors=5).fit(rgba)
    assert quantizer.palette_.dtype == np.uint8
    assert quantizer.palette_.shape == (5, 4)
    assert_array_equal(quantizer.palette_[:, 3], 255)


def test_integer_sample_weights_equal_repeated_rows(photo_like):
    weights = np.arange(photo_like.shape[0]) % 3
    weighted = ColorQuantizer(n_colors=8).fit(photo_like, sample_weight=weights)
    repeated = ColorQuantizer(n_colors=8).fit(np.repeat(photo_like, weights, axis=0))
    assert_array_equal(weighted.palette_, repeated.palette_)


# Streaming ----------------------------------------------------------------------


@pytest.mark.parametrize("n_tiles", [2, 5, 48])
def test_partial_fit_on_tiles_equals_fit(photo_like, n_tiles):
    streamed = ColorQuantizer(n_colors=12)
    for tile in np.array_split(photo_like, n_tiles):
        streamed.partial_fit(tile)
    whole = ColorQuantizer(n_colors=12).fit(photo_like)
    assert_array_equal(streamed.palette_, whole.palette_)
    assert streamed.n_iter_ == whole.n_iter_


def test_partial_fit_on_float_table_tiles_equals_fit(rng):
    table = rng.normal(size=(300, 2))
    streamed = ColorQuantizer(n_colors=6)
    for tile in (table[:7], table[7:150], table[150:]):
        streamed.partial_fit(tile)
    whole = ColorQuantizer(n_colors=6).fit(table)
    assert_array_equal(streamed.palette_, whole.palette_)


def test_partial_fit_after_fit_adds_the_pixels(photo_like):
    top, bottom = photo_like[:20], photo_like[20:]
    quantizer = ColorQuantizer(n_colors=7).fit(top).partial_fit(bottom)
    assert_array_equal(
        quantizer.palette_, ColorQuantizer(n_colors=7).fit(photo_like).palette_
    )


# Dithering ------------------------------------------------------------------------


def test_dithering_is_closer_to_the_original_after_a_blur():
    y, x = np.mgrid[0:64, 0:96]
    image = np.stack([x * 255 / 95, y * 255 / 63, (x + y) * 255 / 158], axis=-1)
    image = np.round(image).astype(np.uint8)
    plain = ColorQuantizer(n_colors=6).fit(image)
    dithered = ColorQuantizer(n_colors=6, dither=True).fit(image)
    assert_array_equal(plain.palette_, dithered.palette_)
    codes = dithered.transform(image)
    assert codes.shape == image.shape[:2]
    assert codes.max() < dithered.n_colors_

    def blurred_error(codes):
        rendering = plain.inverse_transform(codes).astype(np.float64)
        difference = rendering - image
        return np.mean(np.square(ndimage.gaussian_filter(difference, sigma=(2, 2, 0))))

    plain_codes = plain.transform(image)
    assert not np.array_equal(codes, plain_codes)
    assert blurred_error(codes) < 0.75 * blurred_error(plain_codes)
    # Tables have no neighbours: never dithered.
    table = image.reshape(-1, 3)
    assert_array_equal(dithered.transform(table)[:, 0], plain_codes.reshape(-1))


def test_dithering_needs_pillow(monkeypatch, photo_like):
    quantizer = ColorQuantizer(n_colors=4, dither=True).fit(photo_like)
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r"Pillow: pip install \"sk_imagequant\[plot\]\""):
        quantizer.transform(photo_like)


def test_dithering_needs_uint8_rgb(photo_like):
    quantizer = ColorQuantizer(n_colors=4, dither=True).fit(photo_like / 255)
    with pytest.raises(ValueError, match="dither=True diffuses the error of uint8 RGB"):
        quantizer.transform(photo_like / 255)


# scikit-learn API --------------------------------------------------------------------


def test_pipeline_pickle_and_feature_names(photo_like):
    table = photo_like.reshape(-1, 3)
    pipeline = make_pipeline(ColorQuantizer(n_colors=5), OneHotEncoder())
    one_hot = pipeline.fit_transform(table)
    assert one_hot.shape == (table.shape[0], 5)
    quantizer = pipeline[0]
    assert_array_equal(quantizer.get_feature_names_out(), ["colorquantizer0"])
    restored = pickle.loads(pickle.dumps(quantizer))
    assert_array_equal(restored.transform(photo_like), quantizer.transform(photo_like))


def test_inputs_are_not_modified(photo_like):
    image = photo_like.copy()
    quantizer = ColorQuantizer(n_colors=5).fit(image, sample_weight=np.ones(48))
    quantizer.partial_fit(image)
    codes = quantizer.transform(image)
    codes_copy = codes.copy()
    quantizer.inverse_transform(codes)
    quantizer.score(image)
    assert_array_equal(image, photo_like)
    assert_array_equal(codes, codes_copy)


# Bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "match"), [(np.nan, "Input X contains NaN"), (np.inf, "contains infinity")]
)
def test_nan_and_infinity_are_refused(photo_like, value, match):
    image = photo_like / 255.0
    image[3, 4, 1] = value
    with pytest.raises(ValueError, match=match):
        ColorQuantizer().fit(image)
    fitted = ColorQuantizer(n_colors=4).fit(photo_like)
    with pytest.raises(ValueError, match=match):
        fitted.transform(image)


def test_one_dimensional_data_is_refused():
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        ColorQuantizer().fit(np.arange(10, dtype=np.uint8))


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.uint16])
def test_grey_image_is_refused_with_a_hint(dtype):
    grey = np.arange(60, dtype=dtype).reshape(6, 10)
    with pytest.raises(ValueError, match=r"a grey image, not a table of colours.*ImageQ"):
        ColorQuantizer().fit(grey)


def test_five_dimensions_are_refused():
    with pytest.raises(ValueError, match="got 5 dimensions"):
        ColorQuantizer().fit(np.zeros((2, 2, 2, 2, 3)))


@pytest.mark.parametrize("n_colors", [1, 65537, 2.5])
def test_n_colors_outside_2_to_65536_is_refused(photo_like, n_colors):
    with pytest.raises(InvalidParameterError, match="'n_colors' parameter"):
        ColorQuantizer(n_colors=n_colors).fit(photo_like)


def test_wrong_channel_count_at_transform_is_refused(photo_like):
    quantizer = ColorQuantizer(n_colors=4).fit(photo_like)
    with pytest.raises(ValueError, match=r"image has 4 channels.*fitted with 3"):
        quantizer.transform(np.zeros((5, 5, 4), dtype=np.uint8))
    with pytest.raises(ValueError, match="X has 2 features, but ColorQuantizer is expe"):
        quantizer.transform(np.zeros((5, 2), dtype=np.uint8))


@pytest.mark.parametrize(
    ("codes", "match"),
    [
        (np.array([[0], [4]]), r"0..n_colors_ - 1 \(n_colors_=4\), got values from 0 to 4"),
        (np.array([[-1], [2]]), "got values from -1 to 2"),
        (np.array([[0.5], [1.0]]), "whole numbers, got fractions"),
        (np.array([[np.nan], [1.0]]), "whole numbers, got NaN"),
    ],
)
def test_bad_codes_are_refused(photo_like, codes, match):
    quantizer = ColorQuantizer(n_colors=4).fit(photo_like)
    with pytest.raises(ValueError, match=match):
        quantizer.inverse_transform(codes)


def test_whole_float_codes_are_accepted(photo_like):
    quantizer = ColorQuantizer(n_colors=4).fit(photo_like)
    colours = quantizer.inverse_transform(np.array([[3.0], [0.0]]))
    assert_array_equal(colours, quantizer.palette_[[3, 0]])


@pytest.mark.parametrize("scale", [None, 255.0])
def test_fit_transform_equals_fit_then_transform(photo_like, scale):
    image = photo_like if scale is None else photo_like / scale
    codes = ColorQuantizer(n_colors=9).fit_transform(image)
    assert_array_equal(codes, ColorQuantizer(n_colors=9).fit(image).transform(image))


def test_palette_display_draws_image_rendering_and_swatches(photo_like):
    from sk_imagequant.plot import PaletteDisplay

    quantizer = ColorQuantizer(n_colors=7).fit(photo_like)
    display = PaletteDisplay.from_estimator(quantizer, photo_like, label="seven")
    assert len(display.ax_) == 3
    assert display.ax_[1].get_title() == "seven"
    swatches = display.swatches_.get_array()
    assert swatches.shape == (3, 3, 3)
    assert_allclose(swatches.reshape(-1, 3)[:7], quantizer.palette_ / 255)
    assert_allclose(swatches.reshape(-1, 3)[7:], 1.0)  # white padding
    rendering = display.rendering_.get_array()
    assert_allclose(rendering, quantizer.palette_[quantizer.transform(photo_like)] / 255)
    display.figure_.clear()
    import matplotlib.pyplot as plt

    plt.close(display.figure_)
    with pytest.raises(ValueError, match=r"The palette must be \(n_colors, 3\)"):
        PaletteDisplay(photo_like, photo_like, quantizer.palette_[:, :2]).plot()
