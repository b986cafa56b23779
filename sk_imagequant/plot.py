"""Figures of a fitted :class:`~sk_imagequant.ImageQuantizer` or
:class:`~sk_imagequant.ColorQuantizer`.

matplotlib is imported here and nowhere else in the package: it comes with the
``plot`` extra (``pip install "sk_imagequant[plot]"``), and importing
``sk_imagequant`` never needs it.
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted

try:
    from matplotlib.figure import Figure
except ImportError as error:
    raise ImportError(
        'sk_imagequant.plot needs matplotlib: pip install "sk_imagequant[plot]"'
    ) from error

__all__ = ["PaletteDisplay", "QuantizationDisplay"]

# Histogram and line colours of the channels of a colour image.
_CHANNEL_COLOURS = ("tab:red", "tab:green", "tab:blue", "0.4")


class QuantizationDisplay:
    """An image, its quantised rendering, and its histogram with the bins.

    Three panels: the image, the image decoded from its codes, and the
    histogram of its values with the bin edges (dashed) and the bin centres
    (solid) each code decodes to. A colour image (a quantizer with
    ``channel_axis`` set) is drawn in colour, with one histogram per channel.

    Make one with :meth:`from_estimator`; the constructor takes the arrays
    ready made. Follows scikit-learn's display convention: :meth:`plot` draws
    and stores the matplotlib objects in attributes ending with ``_``.

    Parameters
    ----------
    image : ndarray
        The image: 2-D grey, or 3-D with 3 (RGB) or 4 (RGBA) channels on
        ``channel_axis``.
    rendering : ndarray of the same shape
        The image decoded from its codes, ``quantizer.decode(codes)``.
    bin_edges : sequence of ndarray
        The bin edges of each channel, as ``ImageQuantizer.bin_edges_``.
    bin_centers : sequence of ndarray
        What each code decodes to, per channel, as
        ``ImageQuantizer.bin_centers_``.
    channel_axis : int or None, default=None
        The axis of ``image`` that holds the channels; ``None`` for a grey
        image.
    label : str, default=None
        Title of the rendering panel. ``None`` says how many levels.

    Attributes
    ----------
    figure_ : matplotlib Figure
        The figure the panels are in.
    ax_ : ndarray of 3 matplotlib Axes
        The panels: image, rendering, histogram.
    image_ : matplotlib AxesImage
        The image.
    rendering_ : matplotlib AxesImage
        The rendering.
    edge_lines_ : list of matplotlib LineCollection
        The bin edges, one collection per channel.
    centre_lines_ : list of matplotlib LineCollection
        The bin centres, one collection per channel.

    See Also
    --------
    sk_imagequant.ImageQuantizer : The quantizer whose bins are drawn.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sk_imagequant import ImageQuantizer
    >>> from sk_imagequant.plot import QuantizationDisplay
    >>> image = np.arange(64, dtype=np.uint8).reshape(8, 8)
    >>> quantizer = ImageQuantizer(n_bins=4, strategy="uniform").fit(image)
    >>> display = QuantizationDisplay.from_estimator(quantizer, image)
    >>> len(display.ax_), display.ax_[1].get_title()
    (3, 'uniform, 4 levels')
    """

    def __init__(
        self, image, rendering, bin_edges, bin_centers, *, channel_axis=None, label=None
    ):
        self.image = image
        self.rendering = rendering
        self.bin_edges = bin_edges
        self.bin_centers = bin_centers
        self.channel_axis = channel_axis
        self.label = label

    @classmethod
    def from_estimator(cls, quantizer, image, *, label=None, ax=None, cmap="gray"):
        """Quantise ``image`` with a fitted quantizer and draw the three panels.

        Parameters
        ----------
        quantizer : ImageQuantizer
            A fitted quantizer.
        image : array-like
            The image to encode and decode: 2-D grey, or colour with the
            channels on the quantizer's ``channel_axis``.
        label : str, default=None
            Title of the rendering panel; ``None`` names the strategy and the
            number of levels.
        ax : sequence of 3 matplotlib Axes, default=None
            Where to draw the image, the rendering and the histogram. ``None``
            makes a new figure.
        cmap : str or matplotlib Colormap, default="gray"
            Colour map of grey images.

        Returns
        -------
        display : QuantizationDisplay
        """
        check_is_fitted(quantizer)
        image = np.asarray(image)
        rendering = quantizer.decode(quantizer.encode(image))
        if label is None:
            label = f"{quantizer.strategy}, " + _levels(
                quantizer.bin_centers_, quantizer.channel_axis
            )
        display = cls(
            image,
            rendering,
            quantizer.bin_edges_,
            quantizer.bin_centers_,
            channel_axis=quantizer.channel_axis,
            label=label,
        )
        return display.plot(ax=ax, cmap=cmap)

    def plot(self, ax=None, *, cmap="gray"):
        """Draw the image, the rendering and the histogram.

        Parameters
        ----------
        ax : sequence of 3 matplotlib Axes, default=None
            Where to draw the image, the rendering and the histogram. ``None``
            makes a new figure with :func:`matplotlib.pyplot.subplots`.
        cmap : str or matplotlib Colormap, default="gray"
            Colour map of grey images.

        Returns
        -------
        display : QuantizationDisplay
            ``self``, with its ``figure_`` and ``ax_`` set.
        """
        image = _channels_last(np.asarray(self.image), self.channel_axis, "image")
        rendering = _channels_last(
            np.asarray(self.rendering), self.channel_axis, "rendering"
        )
        if rendering.shape != image.shape:
            raise ValueError(
                f"The rendering has shape {rendering.shape}, the image {image.shape}: "
                "they must be the same."
            )
        ax = _three_axes(ax)
        low, high = _display_range(image)
        self.image_ = _show_image(ax[0], image, low, high, cmap=cmap)
        ax[0].set_title("image")
        self.rendering_ = _show_image(ax[1], rendering, low, high, cmap=cmap)
        label = self.label
        ax[1].set_title(
            _levels(self.bin_centers, self.channel_axis) if label is None else label
        )
        self.edge_lines_, self.centre_lines_ = _plot_histogram(
            ax[2], image, self.bin_edges, self.bin_centers
        )
        ax[2].set_title("histogram: bin edges (dashed), centres (solid)")
        self.ax_ = ax
        self.figure_ = ax[0].figure
        return self


class PaletteDisplay:
    """A colour image, its rendering with a palette, and the palette's swatches.

    Three panels: the image, the image decoded from its codes, and the
    palette as a grid of colour swatches in code order (row by row). Make
    one with :meth:`from_estimator`; the constructor takes the arrays ready
    made. Follows scikit-learn's display convention: :meth:`plot` draws and
    stores the matplotlib objects in attributes ending with ``_``.

    Parameters
    ----------
    image : ndarray of shape (H, W, C)
        The image, channels last (3 or 4 channels).
    rendering : ndarray of shape (H, W, C)
        The image decoded from its codes,
        ``quantizer.inverse_transform(quantizer.transform(image))``.
    palette : ndarray of shape (n_colors, C)
        The palette, as ``ColorQuantizer.palette_``.
    label : str, default=None
        Title of the rendering panel. ``None`` says how many colours.

    Attributes
    ----------
    figure_ : matplotlib Figure
        The figure the panels are in.
    ax_ : ndarray of 3 matplotlib Axes
        The panels: image, rendering, palette.
    image_ : matplotlib AxesImage
        The image.
    rendering_ : matplotlib AxesImage
        The rendering.
    swatches_ : matplotlib AxesImage
        The palette, one square a colour.

    See Also
    --------
    sk_imagequant.ColorQuantizer : The quantizer whose palette is drawn.
    QuantizationDisplay : The same for grey levels, with histograms.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sk_imagequant import ColorQuantizer
    >>> from sk_imagequant.plot import PaletteDisplay
    >>> image = np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    >>> quantizer = ColorQuantizer(n_colors=5).fit(image)
    >>> display = PaletteDisplay.from_estimator(quantizer, image)
    >>> display.ax_[1].get_title(), display.swatches_.get_array().shape
    ('5 colours', (2, 3, 3))
    """

    def __init__(self, image, rendering, palette, *, label=None):
        self.image = image
        self.rendering = rendering
        self.palette = palette
        self.label = label

    @classmethod
    def from_estimator(cls, quantizer, image, *, label=None, ax=None):
        """Quantise ``image`` with a fitted ``ColorQuantizer`` and draw the three panels.

        Parameters
        ----------
        quantizer : ColorQuantizer
            A fitted quantizer.
        image : array-like of shape (H, W, C)
            The colour image to encode and decode.
        label : str, default=None
            Title of the rendering panel; ``None`` says how many colours.
        ax : sequence of 3 matplotlib Axes, default=None
            Where to draw the image, the rendering and the palette. ``None``
            makes a new figure.

        Returns
        -------
        display : PaletteDisplay
        """
        check_is_fitted(quantizer)
        image = np.asarray(image)
        rendering = quantizer.inverse_transform(quantizer.transform(image))
        display = cls(image, rendering, quantizer.palette_, label=label)
        return display.plot(ax=ax)

    def plot(self, ax=None):
        """Draw the image, the rendering and the palette's swatches.

        Parameters
        ----------
        ax : sequence of 3 matplotlib Axes, default=None
            Where to draw the image, the rendering and the palette. ``None``
            makes a new figure with :func:`matplotlib.pyplot.subplots`.

        Returns
        -------
        display : PaletteDisplay
            ``self``, with its ``figure_`` and ``ax_`` set.
        """
        image = np.asarray(self.image)
        rendering = np.asarray(self.rendering)
        palette = np.asarray(self.palette)
        if image.ndim != 3 or image.shape[-1] not in (3, 4):
            raise ValueError(
                "The image must be (H, W, C) with 3 or 4 channels last, got shape "
                f"{image.shape}."
            )
        if rendering.shape != image.shape:
            raise ValueError(
                f"The rendering has shape {rendering.shape}, the image {image.shape}: "
                "they must be the same."
            )
        if palette.ndim != 2 or palette.shape[1] != image.shape[-1]:
            raise ValueError(
                f"The palette must be (n_colors, {image.shape[-1]}), got shape "
                f"{palette.shape}."
            )
        ax = _three_axes(ax)
        low, high = _display_range(image)
        self.image_ = _show_image(ax[0], image, low, high)
        ax[0].set_title("image")
        self.rendering_ = _show_image(ax[1], rendering, low, high)
        n_colors = palette.shape[0]
        ax[1].set_title(f"{n_colors} colours" if self.label is None else self.label)
        # The swatches, row by row; the cells after the last colour are white.
        n_columns = int(np.ceil(np.sqrt(n_colors)))
        n_rows = -(-n_colors // n_columns)
        grid = np.ones((n_rows * n_columns, palette.shape[1]))
        grid[:, 3:] = 1.0  # opaque padding for RGBA
        grid[:n_colors] = np.clip((palette - low) / (high - low), 0.0, 1.0)
        grid = grid.reshape(n_rows, n_columns, palette.shape[1])
        self.swatches_ = ax[2].imshow(grid, interpolation="nearest")
        ax[2].set_axis_off()
        ax[2].set_title(f"palette, in code order ({n_colors} colours)")
        self.ax_ = ax
        self.figure_ = ax[0].figure
        return self


def _headless_subplots(nrows, ncols, figsize, **kwargs):
    """A figure and its axes, drawn without pyplot: no display is ever needed."""
    figure = Figure(figsize=figsize, layout="constrained")
    return figure, figure.subplots(nrows, ncols, **kwargs)


def _levels(bin_centers, channel_axis):
    """'8 levels', or '4 levels a channel' (or '4, 3 levels a channel')."""
    levels = ", ".join(str(n) for n in np.unique([len(c) for c in bin_centers]))
    return f"{levels} levels" + ("" if channel_axis is None else " a channel")


def _three_axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(1, 3, figsize=(13, 3.6), layout="constrained")
    ax = np.asarray(ax, dtype=object).ravel()
    if len(ax) != 3:
        raise ValueError(
            f"ax must hold 3 Axes (image, rendering, histogram), got {len(ax)}."
        )
    return ax


def _channels_last(array, channel_axis, name):
    """A 2-D grey image, or a 3-D one with its channels last."""
    if channel_axis is None:
        if array.ndim != 2:
            raise ValueError(
                f"The {name} must be 2-D (a grey image) when channel_axis is None, "
                f"got shape {array.shape}."
            )
        return array
    if array.ndim != 3 or array.shape[channel_axis] not in (1, 3, 4):
        raise ValueError(
            f"The {name} must be 3-D with 1, 3 or 4 channels on axis {channel_axis}, "
            f"got shape {array.shape}."
        )
    array = np.moveaxis(array, channel_axis, -1)
    return array[..., 0] if array.shape[-1] == 1 else array


def _display_range(image):
    """The grey levels the darkest and the brightest colours stand for.

    The whole range of an 8-bit image (0 to 255), otherwise the image's
    smallest and largest values.
    """
    if image.dtype == np.uint8:
        return 0.0, 255.0
    if image.size == 0:
        return 0.0, 1.0
    low, high = float(image.min()), float(image.max())
    return low, high if high > low else low + 1.0


def _show_image(ax, image, low, high, *, cmap="gray"):
    """Draw a grey image (2-D) or a colour one (channels last) on ``ax``."""
    ax.set_axis_off()
    if image.ndim == 2:
        return ax.imshow(image, cmap=cmap, vmin=low, vmax=high, interpolation="nearest")
    scaled = np.clip((image.astype(np.float64) - low) / (high - low), 0.0, 1.0)
    return ax.imshow(scaled, interpolation="nearest")


def _plot_histogram(ax, image, bin_edges=(), bin_centers=(), *, annotate=False):
    """The histogram of each channel, with its bin edges and centres.

    Integer images get one bar a grey level up to 256 levels; others 256
    bars. Returns the edge and centre line collections, one per channel.
    ``annotate`` writes each centre's value above it (up to 16 centres).
    """
    channels = [image] if image.ndim == 2 else np.moveaxis(image, -1, 0)
    colours = ("0.35",) if image.ndim == 2 else _CHANNEL_COLOURS
    edge_lines, centre_lines = [], []
    for channel, values in enumerate(channels):
        colour = colours[channel]
        counts, edges = _histogram(values)
        ax.stairs(counts, edges, fill=True, color=colour, alpha=0.5)
        if channel < len(bin_edges):
            edge_lines.append(
                ax.vlines(
                    bin_edges[channel], 0, 1, transform=ax.get_xaxis_transform(),
                    colors=colour, linestyles="--", linewidth=0.8,
                )
            )  # fmt: skip
            centres = np.asarray(bin_centers[channel])
            line_colour = "tab:orange" if image.ndim == 2 else colour
            centre_lines.append(
                ax.vlines(
                    centres, 0, 1, transform=ax.get_xaxis_transform(),
                    colors=line_colour, linewidth=1.2,
                )
            )  # fmt: skip
            if annotate and len(centres) <= 16:
                for centre in centres:
                    ax.text(
                        centre, 1.01, f"{centre:.1f}", transform=ax.get_xaxis_transform(),
                        color=line_colour, ha="center", va="bottom", fontsize=7,
                        rotation=0 if len(centres) <= 8 else 90,
                    )  # fmt: skip
    ax.set_xlabel("grey level" if image.ndim == 2 else "value")
    ax.set_ylabel("pixels")
    return edge_lines, centre_lines


def _histogram(values):
    values = np.asarray(values).ravel()
    if values.size == 0:
        return np.zeros(1), np.array([0.0, 1.0])
    if values.dtype.kind == "b":
        values = values.view(np.uint8)
    low, high = values.min(), values.max()
    if values.dtype.kind in "iu" and int(high) - int(low) < 256:
        levels = int(high) - int(low) + 1
        return np.histogram(values, bins=levels, range=(low - 0.5, high + 0.5))
    return np.histogram(values, bins=256)
