"""ColorQuantizer against KMeans, scikit-learn's recipe, libimagequant and Pillow.

Side by side in one process, BLAS and OpenMP held to one thread. For each
image and palette size, the mean squared error of the rendering (every
method's palette colour of every pixel, against the image, over all values)
and the time to quantise the image (``fit_transform`` for ColorQuantizer):

- KMeans on every pixel (``n_init=1``): the reference of the error ratios;
- scikit-learn's "Color Quantization using K-Means" recipe: KMeans fitted on
  1000 random pixels, then ``predict`` on all;
- libimagequant (PyPI ``imagequant``, GPL: a benchmark reference only, never
  imported by the package), without dithering;
- Pillow's ``quantize``: median cut, maximum coverage, fast octree.

Then ``transform`` of a new photo (flower.jpg, 273 280 pixels) onto palettes
fitted on china.jpg, against Pillow's ``quantize(palette=...)`` (fast, but
approximate: a cache of colour cells) and ``KMeans.predict`` (fitted as the
recipe does), and the peak memory of ``transform`` (tracemalloc) beyond its
codes.

Run: ``python benchmarks/bench_color.py`` (a few minutes: KMeans on every
pixel takes 5-10 s an image at 256 colours); ``--quick`` leaves that
reference out at 256 colours.
"""

import argparse
import time
import tracemalloc

import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import load_sample_image
from sklearn.utils import shuffle
from threadpoolctl import threadpool_limits

from sk_imagequant import ColorQuantizer

IMAGES = ("china", "flower", "astronaut", "coffee", "chelsea")
N_COLORS = (16, 64, 256)


def load_image(name):
    if name in ("china", "flower"):
        return load_sample_image(f"{name}.jpg")
    import skimage.data

    return getattr(skimage.data, name)()


def best_time(function, repeat=3):
    """Shortest wall time of ``repeat`` calls, and the last result."""
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def mse(image, rendering):
    return float(np.mean(np.square(np.asarray(rendering, np.float64) - image)))


def ours(image, n_colors):
    quantizer = ColorQuantizer(n_colors=n_colors)
    seconds, codes = best_time(lambda: quantizer.fit_transform(image), repeat=5)
    return seconds, mse(image, quantizer.inverse_transform(codes))


def kmeans_all(image, n_colors):
    pixels = image.reshape(-1, 3).astype(np.float64)
    start = time.perf_counter()
    kmeans = KMeans(n_clusters=n_colors, n_init=1, random_state=0).fit(pixels)
    seconds = time.perf_counter() - start
    return seconds, mse(pixels, kmeans.cluster_centers_[kmeans.labels_])


def recipe(image, n_colors):
    """scikit-learn's example: floats in [0, 1], KMeans on 1000 pixels, predict."""
    pixels = image.reshape(-1, 3).astype(np.float64) / 255

    def run():
        sample = shuffle(pixels, random_state=0, n_samples=1000)
        kmeans = KMeans(n_clusters=n_colors, random_state=0).fit(sample)
        return kmeans.cluster_centers_[kmeans.predict(pixels)]

    seconds, rendering = best_time(run, repeat=1)
    return seconds, mse(image.reshape(-1, 3), rendering * 255)


def libimagequant(image, n_colors):
    import imagequant
    from PIL import Image

    picture = Image.fromarray(image)

    def run():
        return imagequant.quantize_pil_image(
            picture, dithering_level=0.0, max_colors=n_colors
        )

    seconds, quantised = best_time(run)
    return seconds, mse(image, np.asarray(quantised.convert("RGB")))


def pillow(method):
    def run_method(image, n_colors):
        from PIL import Image

        picture = Image.fromarray(image)
        method_code = getattr(Image.Quantize, method)
        seconds, quantised = best_time(
            lambda: picture.quantize(
                colors=n_colors, method=method_code, dither=Image.Dither.NONE
            )
        )
        return seconds, mse(image, np.asarray(quantised.convert("RGB")))

    return run_method


METHODS = {
    "recipe": recipe,
    "libimagequant": libimagequant,
    "median cut": pillow("MEDIANCUT"),
    "max coverage": pillow("MAXCOVERAGE"),
    "fast octree": pillow("FASTOCTREE"),
}


def geometric_mean(values):
    return float(np.exp(np.mean(np.log(values))))


def error_table(images, n_colors_list, quick):
    print("## Error and time of quantising each image (one thread)")
    print()
    print(
        "MSE: mean squared error of the rendering; ratio columns: the method's "
        "MSE / KMeans on every pixel (n_init=1). Times in ms; "
        "ColorQuantizer's is fit_transform."
    )
    print()
    names = ["ColorQuantizer", *METHODS]
    print(
        "| image | colours | KMeans MSE | "
        + " | ".join(names)
        + " | ours ms | libimagequant ms | ours / liq time"
        + " | KMeans s | KMeans / ours time |"
    )
    print("|" + " --- |" * (len(names) + 8))
    rows = []
    for name in images:
        image = load_image(name)
        for n_colors in n_colors_list:
            result = {"ColorQuantizer": ours(image, n_colors)}
            for method, function in METHODS.items():
                result[method] = function(image, n_colors)
            if quick and n_colors == 256:
                reference = (np.nan, np.nan)
            else:
                reference = kmeans_all(image, n_colors)
            ratios = {method: mse / reference[1] for method, (_, mse) in result.items()}
            time_ratio = result["ColorQuantizer"][0] / result["libimagequant"][0]
            speed_up = reference[0] / result["ColorQuantizer"][0]
            rows.append((name, n_colors, result, reference, ratios, time_ratio, speed_up))
            print(
                f"| {name} | {n_colors} | {reference[1]:.2f} | "
                + " | ".join(
                    f"{result[method][1]:.2f} ({ratios[method]:.3f})" for method in names
                )
                + f" | {1000 * result['ColorQuantizer'][0]:.1f}"
                f" | {1000 * result['libimagequant'][0]:.0f} | {time_ratio:.2f}"
                f" | {reference[0]:.2f} | {speed_up:.1f}x |",
                flush=True,
            )
    return rows


def summary(rows):
    print()
    print("## Targets")
    print()
    ours_ratios = [row[4]["ColorQuantizer"] for row in rows if np.isfinite(row[3][1])]
    liq_ratios = [row[4]["libimagequant"] for row in rows if np.isfinite(row[3][1])]
    if ours_ratios:
        print(
            f"- MSE / KMeans on every pixel: worst {max(ours_ratios):.3f} (target 1.05), "
            f"geometric mean {geometric_mean(ours_ratios):.3f} (target 1.04); "
            f"libimagequant's geometric mean {geometric_mean(liq_ratios):.3f}"
        )
    below_recipe = [
        row[2]["ColorQuantizer"][1] < row[2]["recipe"][1] for row in rows if row[1] >= 64
    ]
    print(
        f"- below scikit-learn's recipe at 64 and 256 colours: "
        f"{sum(below_recipe)} of {len(below_recipe)}"
    )
    ours_mse = [row[2]["ColorQuantizer"][1] for row in rows]
    liq_mse = [row[2]["libimagequant"][1] for row in rows]
    ratio = geometric_mean(np.divide(ours_mse, liq_mse))
    print(f"- MSE / libimagequant's, geometric mean: {ratio:.3f} (target below 1)")
    pillow_names = ("median cut", "max coverage", "fast octree")
    below_pillow = [
        all(row[2]["ColorQuantizer"][1] < row[2][method][1] for method in pillow_names)
        for row in rows
    ]
    print(f"- below every Pillow method: {sum(below_pillow)} of {len(below_pillow)}")
    time_ratios = [row[5] for row in rows]
    print(
        f"- fit_transform time / libimagequant's: worst {max(time_ratios):.2f}, "
        f"geometric mean {geometric_mean(time_ratios):.2f} (target at most 0.8)"
    )
    speed_ups = [row[6] for row in rows if np.isfinite(row[6])]
    if speed_ups:
        print(
            f"- KMeans on every pixel / fit_transform time: least {min(speed_ups):.0f}x "
            "(target at least 20x)"
        )


def transform_table(n_colors_list):
    from PIL import Image

    china, flower = load_image("china"), load_image("flower")
    pixels = flower.reshape(-1, 3)
    print()
    print(
        f"## transform of a new photo (flower.jpg, {pixels.shape[0]} pixels) onto "
        "palettes fitted on china.jpg"
    )
    print()
    print(
        "| colours | ColorQuantizer.transform ms | Pillow quantize(palette=...) ms "
        "| KMeans.predict ms | peak memory beyond the codes, bytes a pixel |"
    )
    print("| --- | --- | --- | --- | --- |")
    picture = Image.fromarray(flower)
    for n_colors in n_colors_list:
        quantizer = ColorQuantizer(n_colors=n_colors).fit(china)
        seconds, codes = best_time(lambda q=quantizer: q.transform(flower), repeat=5)
        palette_image = Image.new("P", (1, 1))
        entries = np.repeat(quantizer.palette_[:1], 256, axis=0)
        entries[:n_colors] = quantizer.palette_
        palette_image.putpalette(entries.tobytes())
        pillow_seconds, _ = best_time(
            lambda p=palette_image: picture.quantize(palette=p, dither=Image.Dither.NONE),
            repeat=5,
        )
        # As the recipe: KMeans fitted on 1000 pixels of china in [0, 1].
        sample = shuffle(china.reshape(-1, 3) / 255, random_state=0, n_samples=1000)
        kmeans = KMeans(n_clusters=n_colors, random_state=0).fit(sample)
        floats = pixels / 255
        predict_seconds, _ = best_time(lambda k=kmeans, f=floats: k.predict(f), repeat=5)
        tracemalloc.start()
        codes = quantizer.transform(flower)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        extra = (peak - codes.nbytes) / pixels.shape[0]
        print(
            f"| {n_colors} | {1000 * seconds:.1f} | {1000 * pillow_seconds:.1f} "
            f"| {1000 * predict_seconds:.1f} | {extra:.1f} |",
            flush=True,
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="no KMeans on every pixel at 256 colours"
    )
    parser.add_argument("--images", nargs="+", default=IMAGES, choices=IMAGES)
    parser.add_argument("--colors", nargs="+", type=int, default=N_COLORS)
    args = parser.parse_args(argv)
    with threadpool_limits(limits=1):
        rows = error_table(args.images, args.colors, args.quick)
        summary(rows)
        transform_table(args.colors)


if __name__ == "__main__":
    main()
