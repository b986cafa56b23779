"""
Quantising a colour image channel by channel
============================================

With ``channel_axis=-1``, :class:`~sk_imagequant.ImageQuantizer` gives each
channel of a colour image its own codebook: here 4 levels of red, 4 of green
and 4 of blue, so at most 4 x 4 x 4 = 64 colours. The photo is one of the
sample images bundled with scikit-learn.
"""

# %%
# The image and its codes
# -----------------------
# The photo is ``(427, 640, 3)`` uint8. The codes keep its shape and type, and
# take 2 bits a value once packed.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_sample_image

from sk_imagequant import ImageQuantizer, pack_codes
from sk_imagequant.plot import QuantizationDisplay

china = load_sample_image("china.jpg")
quantizer = ImageQuantizer(n_bins=4, channel_axis=-1)
codes = quantizer.fit_transform(china)

for channel, centres in zip("RGB", quantizer.bin_centers_, strict=True):
    print(f"{channel} bin centres:", np.round(centres, 2))

packed = pack_codes(codes, n_bins=4)
print(f"image: {china.shape}, {china.dtype}, {china.nbytes} bytes")
print(f"codes: {codes.shape}, {codes.dtype}, {codes.nbytes} bytes")
print(f"packed codes: {packed.n_bits} bits a value, {packed.nbytes} bytes")

# %%
# Decoding the codes gives float64 grey levels per channel; ``imshow`` wants
# floats in [0, 1] (or uint8) for a colour image.
rendering = quantizer.inverse_transform(codes)
n_colours = len(np.unique(china.reshape(-1, 3), axis=0))
n_rendered = len(np.unique(codes.reshape(-1, 3), axis=0))
print(f"distinct colours: {n_colours} in the image, {n_rendered} in the rendering")
print(f"PSNR: {quantizer.score(china):.2f} dB")

fig, ax = plt.subplots(ncols=2, figsize=(12, 4.4), layout="constrained")
ax[0].imshow(china)
ax[0].set_title(f"Original: {n_colours} colours")
ax[1].imshow(rendering / 255)
ax[1].set_title(f"4 levels a channel: {n_rendered} colours")
for axis in ax:
    axis.set_axis_off()

# %%
# The display
# -----------
# :class:`~sk_imagequant.plot.QuantizationDisplay` draws the image, its
# rendering and one histogram per channel, with each channel's bin edges
# (dashed) and centres (solid) in its colour. The k-means bins of each channel
# follow its own histogram. The bright, smooth sky makes a peak near the top of
# every channel (blue saturates at 255: a log scale keeps the rest visible);
# with only 4 levels a channel, its gentle gradient breaks into pink and cyan.
display = QuantizationDisplay.from_estimator(quantizer, china)
display.ax_[2].set_yscale("log")

plt.show()
