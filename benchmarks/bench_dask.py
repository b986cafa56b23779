"""A larger-than-memory image: ImageQuantizer on dask arrays, against numpy and dask-ml.

A uint16 image (12-bit levels: a smooth field plus noise) is written to a
zarr store in 4096x4096 chunks, chunk by chunk, never whole in memory, and
the same pixels to a .npy file. Each case then runs in a fresh Python
process (the peak resident memory, VmHWM, is a process's lifetime high):

- numpy: ``np.load``, ``fit``, ``transform``, ``np.save`` (the image in RAM);
- dask: ``da.from_zarr``, ``fit``, ``transform(...).to_zarr`` on the threaded
  scheduler (2 threads);
- histogram: our fit's histogram pass (``strategy="uniform"``) against
  ``da.histogram`` over the 65536 levels, same store, same threads;
- cluster: the dask case on a ``LocalCluster`` of 2 worker processes with a
  thread each and a 2 GB memory limit;
- dask-ml: ``ParallelPostFit(KBinsDiscretizer(encode="ordinal"))`` on the
  image as one column (what a user picks today), if dask-ml is installed.

It prints MB/s of image, the peak memory growth over the process's start in
chunks (32 MiB each), the ratios against the targets of issue 12, and the
count of pixels whose code differs from the numpy path's (0 is exact).

    python benchmarks/bench_dask.py --quick          # 256 MB, about a minute
    python benchmarks/bench_dask.py --size 1         # 1 GB
    python benchmarks/bench_dask.py --size 4 --no-dask-ml
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

CHUNK = 4096
CHUNK_MB = CHUNK * CHUNK * 2 / 2**20
N_BINS = 8


def _peak_mb():
    """The process's peak resident memory so far (VmHWM), in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _resident_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def _chunk(row, column):
    """One 4096x4096 chunk of the image, the same on every run."""
    rng = np.random.default_rng([row, column])
    y, x = np.mgrid[0:CHUNK:64, 0:CHUNK:64] / CHUNK
    field = 1500 + 1000 * np.sin(3 * x + row) * np.cos(2 * y + column)
    field = np.kron(field, np.ones((64, 64)))  # smooth, in 64x64 steps
    noisy = field + rng.gamma(2.0, 200.0, size=(CHUNK, CHUNK))
    return np.clip(noisy, 0, 4095).astype(np.uint16)


def write_image(directory, shape):
    """The zarr store and the .npy file, written chunk by chunk."""
    import zarr

    store = zarr.create_array(
        os.path.join(directory, "image.zarr"),
        shape=shape,
        chunks=(CHUNK, CHUNK),
        dtype=np.uint16,
        compressors=None,  # as the .npy file: the comparison is of the computing
    )
    npy = np.lib.format.open_memmap(
        os.path.join(directory, "image.npy"), mode="w+", dtype=np.uint16, shape=shape
    )
    for row in range(shape[0] // CHUNK):
        for column in range(shape[1] // CHUNK):
            block = _chunk(row, column)
            index = np.s_[
                row * CHUNK : (row + 1) * CHUNK, column * CHUNK : (column + 1) * CHUNK
            ]
            store[index] = block
            npy[index] = block
        npy.flush()
    del npy


# Cases: each runs in its own process --------------------------------------


def case_numpy(directory):
    from sk_imagequant import ImageQuantizer

    start = time.perf_counter()
    image = np.load(os.path.join(directory, "image.npy"))
    quantizer = ImageQuantizer(N_BINS).fit(image)
    codes = quantizer.transform(image)
    np.save(os.path.join(directory, "codes.npy"), codes)
    return {"seconds": time.perf_counter() - start, "edges": quantizer.bin_edges_[0]}


def case_dask(directory):
    import dask
    import dask.array as da

    from sk_imagequant import ImageQuantizer

    with dask.config.set(scheduler="threads", num_workers=2):
        start = time.perf_counter()
        image = da.from_zarr(os.path.join(directory, "image.zarr"))
        quantizer = ImageQuantizer(N_BINS).fit(image)
        quantizer.transform(image).to_zarr(
            os.path.join(directory, "codes_dask.zarr"), compressors=None
        )
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "edges": quantizer.bin_edges_[0]}


def case_histogram(directory):
    import dask
    import dask.array as da

    from sk_imagequant import ImageQuantizer

    image = da.from_zarr(os.path.join(directory, "image.zarr"))
    with dask.config.set(scheduler="threads", num_workers=2):
        start = time.perf_counter()
        ImageQuantizer(N_BINS, strategy="uniform").fit(image)
        ours = time.perf_counter() - start
        start = time.perf_counter()
        counts, _ = da.histogram(image, bins=1 << 16, range=(0, 1 << 16))
        counts.compute()
        theirs = time.perf_counter() - start
    return {"seconds": ours, "da_histogram_seconds": theirs}


def case_cluster(directory):
    import dask
    import dask.array as da
    from distributed import Client, LocalCluster

    from sk_imagequant import ImageQuantizer

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
            memory_limit="2GB",
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(_import_package)  # the workers' imports, once for a session
        client.run(_reset_peak)
        before = client.run(_resident_mb)
        with dask.config.set(scheduler=client):
            start = time.perf_counter()
            image = da.from_zarr(os.path.join(directory, "image.zarr"))
            quantizer = ImageQuantizer(N_BINS).fit(image)
            quantizer.transform(image).to_zarr(
                os.path.join(directory, "codes_cluster.zarr"), compressors=None
            )
            seconds = time.perf_counter() - start
        peaks = client.run(_peak_mb)
        spilled = client.run(_spilled_bytes)
    growth = max(peaks[worker] - before[worker] for worker in peaks)
    return {
        "seconds": seconds,
        "edges": quantizer.bin_edges_[0],
        "worker_peak_mb": growth,
        "spilled_bytes": sum(spilled.values()),
    }


def _import_package():
    import sk_imagequant  # noqa: F401


def _reset_peak():
    """Reset VmHWM to the current resident memory (Linux: write 5 to clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:  # not allowed here: VmHWM stays the process's lifetime high
        pass


def _spilled_bytes(dask_worker=None):
    data = getattr(dask_worker, "data", None)
    slow = getattr(data, "slow", None)
    return int(getattr(slow, "total_weight", 0) or 0) if slow is not None else 0


def case_dask_ml(directory):
    import dask
    import dask.array as da
    from dask_ml.wrappers import ParallelPostFit
    from sklearn.preprocessing import KBinsDiscretizer

    with dask.config.set(scheduler="threads", num_workers=2):
        start = time.perf_counter()
        image = da.from_zarr(os.path.join(directory, "image.zarr"))
        column = image.rechunk((CHUNK, -1)).reshape(-1, 1)
        discretizer = KBinsDiscretizer(N_BINS, encode="ordinal", strategy="kmeans")
        wrapper = ParallelPostFit(discretizer).fit(column)
        codes = wrapper.transform(column).reshape(image.shape).rechunk((CHUNK, CHUNK))
        codes.to_zarr(os.path.join(directory, "codes_dask_ml.zarr"), compressors=None)
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "edges": wrapper.estimator.bin_edges_[0]}


CASES = {
    "numpy": case_numpy,
    "dask": case_dask,
    "histogram": case_histogram,
    "cluster": case_cluster,
    "dask-ml": case_dask_ml,
}


def run_case(name, directory):
    """Run a case in this process and print its results as JSON."""
    import dask.array  # noqa: F401  (imports are not the case's memory)
    import distributed  # noqa: F401
    import zarr  # noqa: F401

    import sk_imagequant  # noqa: F401

    start_mb = _resident_mb()
    _reset_peak()
    result = CASES[name](directory)
    result["peak_growth_mb"] = _peak_mb() - start_mb
    if "edges" in result:
        result["edges"] = np.asarray(result["edges"]).tolist()
    print(json.dumps(result))


def differing_pixels(directory, name):
    """Pixels whose code in ``name`` differs from the numpy path's, chunk by chunk."""
    import zarr

    expected = np.load(os.path.join(directory, "codes.npy"), mmap_mode="r")
    codes = zarr.open_array(os.path.join(directory, name), mode="r")
    total = 0
    for row in range(0, expected.shape[0], CHUNK):
        total += int(
            np.count_nonzero(codes[row : row + CHUNK] != expected[row : row + CHUNK])
        )
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=float, default=1, help="image size in GB (1 or 4)")
    parser.add_argument("--quick", action="store_true", help="a 256 MB image")
    parser.add_argument("--dir", default=None, help="where the stores go (a temp dir)")
    parser.add_argument("--no-dask-ml", action="store_true", help="skip dask-ml")
    parser.add_argument("--case", choices=sorted(CASES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        run_case(args.case, args.dir)
        return
    gigabytes = 0.25 if args.quick else args.size
    n_chunks = max(1, round(gigabytes * 2**30 / (CHUNK * CHUNK * 2)))
    columns = 2 ** int(np.floor(np.log2(n_chunks) / 2))
    shape = (n_chunks // columns * CHUNK, columns * CHUNK)
    megabytes = shape[0] * shape[1] * 2 / 1e6
    directory = tempfile.mkdtemp(prefix="bench_dask_", dir=args.dir)
    try:
        start = time.perf_counter()
        write_image(directory, shape)
        print(
            f"image: {shape[0]}x{shape[1]} uint16, {megabytes:.0f} MB, "
            f"{n_chunks} chunks of {CHUNK}x{CHUNK} ({CHUNK_MB:.0f} MiB); "
            f"written in {time.perf_counter() - start:.1f} s; 2 threads, {N_BINS} bins"
        )
        names = ["numpy", "dask", "histogram", "cluster"]
        try:
            import dask_ml  # noqa: F401
        except ImportError:
            print("dask-ml is not installed: its case is skipped")
        else:
            if not args.no_dask_ml:
                names.append("dask-ml")
        results = {}
        for name in names:
            command = [sys.executable, __file__, "--case", name, "--dir", directory]
            output = subprocess.run(command, capture_output=True, text=True, check=False)
            if output.returncode:
                error = (output.stderr.strip().splitlines() or ["?"])[-1]
                if name != "dask-ml":
                    raise RuntimeError(f"case {name} failed:\n{output.stderr}")
                print(f"dask-ml failed: {error}")
                continue
            results[name] = json.loads(output.stdout.strip().splitlines()[-1])
        report(results, directory, megabytes)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def report(results, directory, megabytes):
    numpy_seconds = results["numpy"]["seconds"]
    outputs = {"dask": "codes_dask.zarr", "cluster": "codes_cluster.zarr"}
    outputs["dask-ml"] = "codes_dask_ml.zarr"
    print(
        f"{'case':<22}{'s':>8}{'MB/s':>9}{'peak MB':>9}{'chunks':>8}{'x numpy':>9}  exact"
    )
    for name, result in results.items():
        seconds = result["seconds"]
        peak = result["peak_growth_mb"]
        exact = ""
        if name in outputs:
            same_bins = np.array_equal(result["edges"], results["numpy"]["edges"])
            exact = (
                f"bins {'equal' if same_bins else 'differ'}, "
                f"{differing_pixels(directory, outputs[name])} pixels differ"
            )
        label = {"histogram": "histogram pass (ours)"}.get(name, name)
        print(
            f"{label:<22}{seconds:8.2f}{megabytes / seconds:9.0f}{peak:9.0f}"
            f"{peak / CHUNK_MB:8.1f}{numpy_seconds / seconds:9.2f}  {exact}"
        )
        if name == "histogram":
            theirs = result["da_histogram_seconds"]
            print(
                f"{'da.histogram':<22}{theirs:8.2f}{megabytes / theirs:9.0f}"
                f"{'':>9}{'':>8}{numpy_seconds / theirs:9.2f}"
            )
    dask_result, cluster = results["dask"], results["cluster"]
    threads = 2
    memory_target = 150 + 2 * threads * CHUNK_MB
    print("targets (issue 12):")
    print(
        f"  memory, threads: {dask_result['peak_growth_mb']:.0f} MB "
        f"<= 150 MB + 2 chunks a thread = {memory_target:.0f} MB"
    )
    print(
        f"  memory, cluster: client {cluster['peak_growth_mb'] / CHUNK_MB:.1f} chunks "
        f"< 1; each worker {cluster['worker_peak_mb'] / CHUNK_MB:.1f} chunks <= 8; "
        f"spilled {cluster['spilled_bytes']} bytes"
    )
    print(f"  speed, threads: {numpy_seconds / dask_result['seconds']:.2f}x numpy >= 0.8x")
    print(f"  speed, cluster: {numpy_seconds / cluster['seconds']:.2f}x numpy >= 0.5x")
    histogram = results["histogram"]
    ratio = histogram["da_histogram_seconds"] / histogram["seconds"]
    print(f"  histogram pass: {ratio:.2f}x da.histogram >= 2x")
    if "dask-ml" in results:
        ratio = results["dask-ml"]["seconds"] / dask_result["seconds"]
        print(f"  fit + transform: {ratio:.2f}x ParallelPostFit(KBinsDiscretizer) >= 2x")


if __name__ == "__main__":
    main()
