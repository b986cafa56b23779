"""QuantizationDisplay: the image, its rendering, the histogram with the bins."""

import importlib
import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import NotFittedError

from sk_imagequant import ImageQuantizer
from sk_imagequant.plot import QuantizationDisplay


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def image():
    return np.repeat(np.arange(0, 256, 4, dtype=np.uint8), 3).reshape(12, 16)


def line_positions(collection):
    """The x position of each vertical line of a LineCollection."""
    return np.array([segment[0, 0] for segment in collection.get_segments()])


def test_grey_image_three_panels(image):
    quantizer = ImageQuantizer(n_bins=4, strategy="uniform").fit(image)
    display = QuantizationDisplay.from_estimator(quantizer, image)
    assert len(display.ax_) == 3
    assert display.figure_ is display.ax_[0].figure
    assert [ax.get_title() for ax in display.ax_] == [
        "image",
        "uniform, 4 levels",
        "histogram: bin edges (dashed), centres (solid)",
    ]
    assert_array_equal(display.image_.get_array(), image)
    assert_array_equal(
        display.rendering_.get_array(), quantizer.decode(quantizer.encode(image))
    )
    # Same grey scale for both: 0 is black and 255 white in each.
    assert display.image_.get_clim() == display.rendering_.get_clim() == (0.0, 255.0)
    # Edges 0, 63, 126, 189, 252; centres halfway between.
    (edges,), (centres,) = display.edge_lines_, display.centre_lines_
    assert_allclose(line_positions(edges), [0, 63, 126, 189, 252])
    assert_allclose(line_positions(centres), [31.5, 94.5, 157.5, 220.5])
    # The histogram: one bar a grey level, 3 pixels for each of the 64 values.
    (bars,) = display.ax_[2].patches
    assert display.ax_[2].get_xlabel() == "grey level"
    assert bars.get_path().vertices[:, 1].max() == 3


def test_colour_image_one_histogram_a_channel():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (10, 12, 3), dtype=np.uint8)
    quantizer = ImageQuantizer(n_bins=3, channel_axis=-1).fit(image)
    display = QuantizationDisplay.from_estimator(quantizer, image)
    assert display.ax_[1].get_title() == "kmeans, 3 levels a channel"
    assert_allclose(display.image_.get_array(), image / 255.0)
    rendering = quantizer.decode(quantizer.encode(image))
    assert_allclose(display.rendering_.get_array(), rendering / 255.0)
    assert len(display.edge_lines_) == len(display.centre_lines_) == 3
    for channel, colour in enumerate(["tab:red", "tab:green", "tab:blue"]):
        lines = display.centre_lines_[channel]
        assert_allclose(line_positions(lines), quantizer.bin_centers_[channel])
        assert_allclose(lines.get_colors()[0], to_rgba(colour))
    assert len(display.ax_[2].patches) == 3


def test_channels_first_colour_image():
    image = np.random.default_rng(1).integers(0, 256, (3, 8, 9), dtype=np.uint8)
    quantizer = ImageQuantizer(n_bins=2, channel_axis=0).fit(image)
    display = QuantizationDisplay.from_estimator(quantizer, image)
    assert display.image_.get_array().shape == (8, 9, 3)
    display = QuantizationDisplay(
        image, image, quantizer.bin_edges_, quantizer.bin_centers_, channel_axis=0
    ).plot()
    assert display.ax_[1].get_title() == "2 levels a channel"


def test_other_dtypes_use_the_image_range():
    image = np.linspace(-1.0, 3.0, 60).reshape(6, 10)
    quantizer = ImageQuantizer(n_bins=5, strategy="uniform").fit(image)
    display = QuantizationDisplay.from_estimator(quantizer, image, label="five")
    assert display.rendering_.get_clim() == (-1.0, 3.0)
    assert display.ax_[1].get_title() == "five"


def test_plot_on_given_axes(image):
    quantizer = ImageQuantizer(n_bins=4).fit(image)
    figure, axes = plt.subplots(2, 3)
    display = QuantizationDisplay.from_estimator(quantizer, image, ax=axes[1])
    assert list(display.ax_) == list(axes[1])
    assert display.figure_ is figure
    assert not axes[0, 0].has_data()
    # plot() again, on other axes, from the stored arrays.
    display.plot(ax=axes[0])
    assert list(display.ax_) == list(axes[0])
    assert axes[0, 2].has_data()


def test_constructor_takes_the_arrays(image):
    quantizer = ImageQuantizer(n_bins=4).fit(image)
    rendering = quantizer.inverse_transform(quantizer.transform(image))
    display = QuantizationDisplay(
        image, rendering, quantizer.bin_edges_, quantizer.bin_centers_
    ).plot()
    assert display.ax_[1].get_title() == "4 levels"


def test_unfitted_quantizer(image):
    with pytest.raises(NotFittedError):
        QuantizationDisplay.from_estimator(ImageQuantizer(), image)


def test_wrong_number_of_axes(image):
    quantizer = ImageQuantizer(n_bins=4).fit(image)
    _, axes = plt.subplots(1, 2)
    with pytest.raises(ValueError, match=r"ax must hold 3 Axes .* got 2"):
        QuantizationDisplay.from_estimator(quantizer, image, ax=axes)


def test_stack_of_images_is_not_drawn(image):
    stack = np.stack([image, image])
    quantizer = ImageQuantizer(n_bins=4).fit(stack)
    with pytest.raises(ValueError, match=r"must be 2-D .* got shape \(2, 12, 16\)"):
        QuantizationDisplay.from_estimator(quantizer, stack)


def test_rendering_of_another_shape(image):
    quantizer = ImageQuantizer(n_bins=4).fit(image)
    display = QuantizationDisplay(
        image, image[:5], quantizer.bin_edges_, quantizer.bin_centers_
    )
    with pytest.raises(ValueError, match=r"rendering has shape \(5, 16\)"):
        display.plot()


def test_without_matplotlib_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    monkeypatch.delitem(sys.modules, "sk_imagequant.plot")
    with pytest.raises(ImportError, match=r'pip install "sk_imagequant\[plot\]"'):
        importlib.import_module("sk_imagequant.plot")
