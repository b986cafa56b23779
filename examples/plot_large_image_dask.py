"""
An image larger than memory: dask, zarr and a local cluster
===========================================================

Whole-slide scans, mosaics and 3-D stacks do not fit in memory: they are
stored in chunks (here in a zarr store) and processed with dask.
:class:`~sk_imagequant.ImageQuantizer` takes a dask array as it takes a numpy
one. ``fit`` counts the grey levels of each chunk where it lies and adds the
counts up, so the bins are exactly those of a fit on the whole image in
memory; ``transform`` returns a lazy dask array of codes, chunk for chunk,
that can be written straight back to zarr. Nothing holds the whole image.

The image below is small, so that the example runs in seconds; the same code
runs on a 100 GB store (see ``benchmarks/bench_dask.py``).
"""

# %%
# A chunked image in a zarr store
# -------------------------------
# A 12-bit image of 2048 x 2048 pixels (uint16), stored in 16 chunks of
# 512 x 512, written chunk by chunk as a microscope or a telescope would.
import shutil
import tempfile
from pathlib import Path

import dask.array as da
import matplotlib.pyplot as plt
import numpy as np
import zarr
from distributed import Client, LocalCluster, progress

from sk_imagequant import ImageQuantizer

CHUNK = 512
directory = Path(tempfile.mkdtemp())
store = zarr.create_array(
    directory / "image.zarr",
    shape=(4 * CHUNK, 4 * CHUNK),
    chunks=(CHUNK, CHUNK),
    dtype="u2",
)
rng = np.random.default_rng(0)
y, x = np.mgrid[0 : 4 * CHUNK, 0 : 4 * CHUNK] / CHUNK
for row in range(4):
    for column in range(4):
        rows, columns = (
            slice(row * CHUNK, (row + 1) * CHUNK),
            slice(column * CHUNK, (column + 1) * CHUNK),
        )
        field = 2000 + 1200 * np.sin(2 * x[rows, columns]) * np.cos(3 * y[rows, columns])
        noise = rng.gamma(2.0, 150.0, size=(CHUNK, CHUNK))
        store[rows, columns] = np.clip(field + noise, 0, 4095).astype(np.uint16)

image = da.from_zarr(str(directory / "image.zarr"))
print(image)

# %%
# Fit and encode on a local cluster
# ---------------------------------
# A ``LocalCluster`` of two workers stands for a cluster (threads of this
# process here, so that the example runs as a plain script; on a real
# cluster, connect a ``Client`` to its scheduler instead). ``fit`` computes
# once: each worker counts the levels of its chunks, and the counts are
# summed in a tree. ``transform`` builds a lazy array; ``to_zarr`` with
# ``compute=False`` gives the writing task, run with dask's progress bar.
with (
    LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as cluster,
    Client(cluster) as client,
):
    quantizer = ImageQuantizer(n_bins=8, strategy="optimal", centers="centroid")
    quantizer.fit(image)
    codes = quantizer.transform(image)
    print(codes)
    writing = codes.to_zarr(str(directory / "codes.zarr"), compute=False)
    progress(client.compute(writing), notebook=False)
    print()

print("bin edges:", np.round(quantizer.bin_edges_[0], 1))
print("bin centres:", np.round(quantizer.bin_centers_[0], 1))

# %%
# The same as in memory
# ---------------------
# The image is small enough here to check the result against the numpy path:
# the same bins, the same code for every pixel.
stored_codes = zarr.open_array(str(directory / "codes.zarr"), mode="r")
in_memory = ImageQuantizer(n_bins=8, strategy="optimal", centers="centroid")
in_memory_codes = in_memory.fit_transform(image.compute())
print("codes:", stored_codes.shape, stored_codes.dtype, stored_codes.chunks)
print(
    "bins equal to the in-memory fit:",
    np.array_equal(quantizer.bin_edges_[0], in_memory.bin_edges_[0]),
)
differing = np.count_nonzero(stored_codes[...] != in_memory_codes)
print("pixels whose code differs from the in-memory fit:", differing)

# %%
# A corner of the image and of its 8 grey levels, decoded lazily from the
# codes on disk.
decoded = quantizer.inverse_transform(da.from_zarr(str(directory / "codes.zarr")))
corner = np.s_[:CHUNK, :CHUNK]
fig, axes = plt.subplots(1, 2, figsize=(8, 4))
for ax, picture, title in zip(
    axes,
    (image[corner].compute(), decoded[corner].compute()),
    ("original (12-bit)", "8 levels, from the zarr codes"),
    strict=True,
):
    ax.imshow(picture, cmap="gray", vmin=0, vmax=4095)
    ax.set_title(title)
    ax.set_axis_off()
fig.tight_layout()
plt.show()

shutil.rmtree(directory)
