"""
Quick start: the vector quantization example, with compact codes
=================================================================

The raccoon face from 256 grey levels to 8, as in scikit-learn's example,
printed next to the example's own figures.
"""

# %%
import numpy as np
from sklearn.preprocessing import KBinsDiscretizer

from sk_imagequant import ImageQuantizer, pack_codes
from sk_imagequant.datasets import load_face

face = load_face()
print(f"The image: shape {face.shape}, dtype {face.dtype}, {face.nbytes} bytes")

# %%
# Uniform bins: the example prints 15.625, 46.875, ..., 234.375.
uniform = ImageQuantizer(n_bins=8, strategy="uniform").fit(face)
print("uniform bin centres:", uniform.bin_centers_[0])

# %%
# k-means bins, fitted on every pixel. The example (which subsamples)
# prints 18.909, 53.343, 82.644, 109.282, 134.708, 159.787, 185.172, 224.021.
kmeans = ImageQuantizer(n_bins=8, strategy="kmeans")
codes = kmeans.fit_transform(face)
print("k-means bin centres:", np.round(kmeans.bin_centers_[0], 3))
print(f"PSNR of the decoded codes: {kmeans.score(face):.2f} dB")

# %%
# The memory story, fixed: KBinsDiscretizer's codes are float64.
kbins = KBinsDiscretizer(n_bins=8, encode="ordinal", strategy="kmeans", subsample=None)
float_codes = kbins.fit_transform(face.reshape(-1, 1))
print(f"KBinsDiscretizer codes: {float_codes.dtype}, {float_codes.nbytes} bytes")
print(f"ImageQuantizer codes:   {codes.dtype}, {codes.nbytes} bytes")

# %%
# Further than the example: the least error any 8 grey levels reach (exact
# dynamic programming, decoded to the bins' means), and true 3-bit storage.
optimal = ImageQuantizer(n_bins=8, strategy="optimal", centers="centroid")
optimal_codes = optimal.fit_transform(face)
print(f"optimal bins, centroids: PSNR {optimal.score(face):.2f} dB")
packed = pack_codes(optimal_codes, n_bins=8)
print(f"Packed codes:           {packed.n_bits} bits a pixel, {packed.nbytes} bytes")
assert np.array_equal(packed.unpack(), optimal_codes)
