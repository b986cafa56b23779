"""
Vector quantization of the raccoon face, with compact codes
===========================================================

scikit-learn's *Vector Quantization Example* reduces the raccoon face from 256
grey levels to 8 with :class:`~sklearn.preprocessing.KBinsDiscretizer`, and ends
by finding that the "compressed" image takes 8 times more memory than the
original. Here is the same story told with :class:`~sk_imagequant.ImageQuantizer`:
the same bins, fitted on every pixel, returned as compact codes, and stored at
3 bits a pixel.
"""

# %%
# The original image
# ------------------
# A grey image of 768 by 1024 pixels, one byte a pixel: 256 possible grey levels.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.preprocessing import KBinsDiscretizer

from sk_imagequant import ImageQuantizer, pack_codes
from sk_imagequant.datasets import load_face
from sk_imagequant.plot import QuantizationDisplay

face = load_face()
print(f"The image: shape {face.shape}, dtype {face.dtype}, {face.nbytes} bytes")

fig, ax = plt.subplots(ncols=2, figsize=(12, 4), layout="constrained")
ax[0].imshow(face, cmap="gray")
ax[0].set_axis_off()
ax[0].set_title("Rendering of the image")
ax[1].hist(face.ravel(), bins=256)
ax[1].set_xlabel("Pixel value")
ax[1].set_ylabel("Count of pixels")
ax[1].set_title("Distribution of the pixel values")
_ = fig.suptitle("Original image of a raccoon face")

# %%
# Uniform bins
# ------------
# Eight bins of equal width, as ``strategy="uniform"`` of the example. The
# codes are ``uint8``, one byte a pixel, and each decodes to the middle of its
# bin: 15.625, 46.875, ..., 234.375, the centres the example computes by hand.
uniform = ImageQuantizer(n_bins=8, strategy="uniform").fit(face)
print("uniform bin centres:", uniform.bin_centers_[0])
_ = QuantizationDisplay.from_estimator(uniform, face)

# %%
# k-means bins
# ------------
# The histogram is far from flat, so bins around the centres of a 1-D k-means
# fit it better. ``ImageQuantizer`` fits them on every pixel (the example
# subsamples 200 000 of them), so its centres differ from the example's by a
# few hundredths of a grey level.
example_centres = [18.909, 53.343, 82.644, 109.282, 134.708, 159.787, 185.172, 224.021]
kmeans = ImageQuantizer(n_bins=8, strategy="kmeans")
codes = kmeans.fit_transform(face)
centres = kmeans.bin_centers_[0]
print("k-means bin centres:", np.round(centres, 3))
gap = np.max(np.abs(centres - example_centres))
print(f"largest difference from the example's centres: {gap:.3f}")
_ = QuantizationDisplay.from_estimator(kmeans, face)

# %%
# The example's own figure: the histogram with the k-means centres marked.
_, ax = plt.subplots()
ax.hist(face.ravel(), bins=256)
for centre in centres:
    ax.axvline(centre, color="tab:orange")
    ax.text(centre - 10, ax.get_ybound()[1] + 100, f"{centre:.1f}", color="tab:orange")
ax.set_xlabel("Pixel value")
_ = ax.set_ylabel("Count of pixels")

# %%
# Memory footprint
# ----------------
# The example's codes come back as float64: 8 bytes a pixel. Ours are uint8,
# no bigger than the image, and :func:`~sk_imagequant.pack_codes` stores the
# 3 bits a pixel the example says no type exists for.
kbins = KBinsDiscretizer(n_bins=8, encode="ordinal", strategy="kmeans", random_state=0)
float_codes = kbins.fit_transform(face.reshape(-1, 1)).reshape(face.shape)
packed = pack_codes(codes, n_bins=8)
assert np.array_equal(packed.unpack(), codes)
sizes = {
    "original image, uint8": face.nbytes,
    "KBinsDiscretizer codes, float64": float_codes.nbytes,
    "ImageQuantizer codes, uint8": codes.nbytes,
    "pack_codes(codes, n_bins=8)": packed.nbytes,
}
for form, nbytes in sizes.items():
    print(f"{form:<32} {nbytes:>8} bytes, {8 * nbytes / face.size:g} bits a pixel")

_, ax = plt.subplots(figsize=(7, 2.5), layout="constrained")
ax.barh(list(sizes), list(sizes.values()), color="tab:blue")
ax.invert_yaxis()
ax.set_xlabel("bytes")
_ = ax.set_title("The face quantised to 8 levels, in memory")

# %%
# The least error 8 levels can reach
# -----------------------------------
# k-means stops at a local optimum. ``strategy="optimal"`` finds the bins with
# the least squared error exactly, and ``centers="centroid"`` decodes each code
# to the mean of its pixels rather than to the middle of its bin.
best = ImageQuantizer(n_bins=8, strategy="optimal", centers="centroid").fit(face)
print(f"PSNR, k-means, midpoints:   {kmeans.score(face):.2f} dB")
print(f"PSNR, optimal, centroids:   {best.score(face):.2f} dB")
_ = QuantizationDisplay.from_estimator(best, face)

plt.show()
