"""ImageQuantizer inside scikit-learn: Pipeline, GridSearchCV, score, clone,
pickle, feature names, pandas output, ColumnTransformer."""

import pickle

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import KBinsDiscretizer
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from sk_imagequant import ImageQuantizer

STRATEGIES = ["uniform", "quantile", "kmeans"]


def psnr(reference, approximation, peak):
    """10 log10(peak**2 / MSE), computed here independently of the package."""
    mse = np.mean((np.asarray(reference, dtype=np.float64) - approximation) ** 2)
    return 10 * np.log10(peak**2 / mse)


@pytest.fixture(scope="module")
def bimodal():
    """A uint8 image whose histogram has two modes (dark 60%, bright 40%).

    Every row (sample) mixes both modes, so each cross-validation fold sees
    the same two-mode histogram.
    """
    rng = np.random.default_rng(0)
    shape = (300, 40)
    dark = rng.random(shape) < 0.6
    values = np.where(dark, rng.normal(60, 12, shape), rng.normal(190, 20, shape))
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


# --- Pipeline on digits ----------------------------------------------------


# The digits are mostly 0 (and many 16): the quantile edges of 4 and 8 bins
# coincide, and the estimator warns, by design, that it keeps fewer bins
# (tested in test_quantizer.py). Only that warning is let through.
@pytest.mark.filterwarnings("ignore:Channel 0 gets [0-9]+ bins? instead:UserWarning")
def test_pipeline_with_logistic_regression_tuned_by_grid_search():
    X, y = load_digits(return_X_y=True)
    assert X.dtype == np.float64
    pipe = Pipeline(
        [
            ("quantize", ImageQuantizer()),
            # At most 293 lbfgs iterations were needed on these folds.
            ("clf", LogisticRegression(max_iter=1000)),
        ]
    )
    grid = {"quantize__n_bins": [2, 4, 8], "quantize__strategy": STRATEGIES}
    search = GridSearchCV(pipe, grid, cv=3, error_score="raise")
    # One BLAS thread: lbfgs on this small problem is 30x slower when BLAS
    # threads contend for a busy machine, and its result is the same.
    with threadpool_limits(limits=1, user_api="blas"):
        search.fit(X, y)

    assert search.best_params_["quantize__n_bins"] in grid["quantize__n_bins"]
    assert search.best_params_["quantize__strategy"] in STRATEGIES
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (9,)
    # Measured: best 0.932 (8 uniform bins), worst 0.868 (2 quantile bins).
    assert search.best_score_ > 0.90
    assert np.all(scores > 0.83)

    # What the classifier is fed: uint8 codes in 0..n_bins-1, one per pixel.
    best = search.best_estimator_
    n_bins = search.best_params_["quantize__n_bins"]
    codes = best.named_steps["quantize"].transform(X)
    assert codes.dtype == np.uint8
    assert codes.shape == X.shape
    assert codes.min() == 0
    assert codes.max() <= n_bins - 1
    assert best.named_steps["clf"].n_features_in_ == 64
    assert_array_equal(best.predict(X), best.named_steps["clf"].predict(codes))
    assert_array_equal(best[:-1].transform(X), codes)


@pytest.mark.filterwarnings("ignore:Channel 0 gets [0-9]+ bins? instead:UserWarning")
@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("n_bins", [2, 4, 8])
def test_digits_codes_for_every_grid_setting(strategy, n_bins):
    # Same warning filter, same reason, as the grid search above.
    X, _ = load_digits(return_X_y=True)
    quantizer = ImageQuantizer(n_bins=n_bins, strategy=strategy).fit(X)
    codes = quantizer.transform(X)
    assert codes.dtype == np.uint8
    assert codes.min() == 0
    assert codes.max() == quantizer.n_bins_[0] - 1
    assert 2 <= quantizer.n_bins_[0] <= n_bins
    # Digits are 0..16: the darkest pixel gets code 0, the brightest the last.
    assert_array_equal(codes[X == 0], 0)
    assert_array_equal(codes[X == 16], quantizer.n_bins_[0] - 1)


# --- GridSearchCV on the quantiser alone, scored by its PSNR ---------------


def test_grid_search_over_strategy_picks_kmeans(bimodal):
    # Decoded to the bin means, k-means bins have the least squared error
    # (highest PSNR) of the three. With the default centers="midpoint", the
    # outer k-means bins decode to the middle of [min, edge], far from the
    # mode, and uniform bins score higher on this image (23.0 vs 22.2 dB).
    quantizer = ImageQuantizer(n_bins=4, centers="centroid")
    search = GridSearchCV(quantizer, {"strategy": STRATEGIES}, cv=3, error_score="raise")
    search.fit(bimodal)
    assert search.best_params_ == {"strategy": "kmeans"}

    # The PSNR of each strategy on the whole image, computed here.
    direct = {}
    for strategy in STRATEGIES:
        fitted = clone(quantizer).set_params(strategy=strategy).fit(bimodal)
        decoded = fitted.inverse_transform(fitted.transform(bimodal))
        direct[strategy] = psnr(bimodal, decoded, 255)
        assert fitted.score(bimodal) == pytest.approx(direct[strategy], rel=1e-12)
    # Measured: kmeans 28.68, uniform 27.75, quantile 20.28 dB.
    assert direct["kmeans"] > direct["uniform"] + 0.5
    assert direct["kmeans"] > direct["quantile"] + 5

    # mean_test_score is the mean PSNR of the held-out folds, recomputed here.
    params = search.cv_results_["params"]
    for strategy in STRATEGIES:
        fold_scores = []
        for train, test in KFold(n_splits=3).split(bimodal):
            fitted = clone(quantizer).set_params(strategy=strategy).fit(bimodal[train])
            decoded = fitted.decode(fitted.encode(bimodal[test]))
            fold_scores.append(psnr(bimodal[test], decoded, 255))
        index = params.index({"strategy": strategy})
        for fold, score in enumerate(fold_scores):
            split_score = search.cv_results_[f"split{fold}_test_score"][index]
            assert split_score == pytest.approx(score, rel=1e-12)
        assert search.cv_results_["mean_test_score"][index] == pytest.approx(
            np.mean(fold_scores), rel=1e-12
        )


@pytest.mark.parametrize("centers", ["midpoint", "centroid"])
def test_grid_search_over_n_bins_picks_the_most_bins(bimodal, centers):
    n_bins = [2, 4, 8, 16, 32]
    search = GridSearchCV(
        ImageQuantizer(centers=centers), {"n_bins": n_bins}, cv=3, error_score="raise"
    )
    search.fit(bimodal)
    assert search.best_params_ == {"n_bins": 32}
    scores = search.cv_results_["mean_test_score"]
    # Measured (midpoint): 23.4, 22.2, 28.0, 36.5, 42.3 dB; (centroid):
    # 24.2, 28.7, 33.3, 38.5, 42.4 dB. From 4 bins on, every doubling gains
    # at least 3.8 dB (about 6 dB a bit, less at the top).
    assert np.all(np.diff(scores[1:]) > 3)
    assert scores[-1] > 40
    if centers == "centroid":
        assert np.all(np.diff(scores) > 3)


# --- score: the PSNR, by hand ----------------------------------------------


def test_score_of_a_uint8_image_by_hand():
    image = np.array([[0, 100], [155, 255]], dtype=np.uint8)
    quantizer = ImageQuantizer(n_bins=2, strategy="uniform").fit(image)
    assert_array_equal(quantizer.bin_edges_[0], [0, 127.5, 255])
    decoded = quantizer.inverse_transform(quantizer.transform(image))
    assert_array_equal(decoded, [[63.75, 63.75], [191.25, 191.25]])
    # Errors 63.75, 36.25, 36.25, 63.75.
    mse = (2 * 63.75**2 + 2 * 36.25**2) / 4
    assert mse == np.mean((image - decoded) ** 2) == 2689.0625
    assert quantizer.score(image) == pytest.approx(10 * np.log10(255**2 / mse), rel=1e-12)
    assert quantizer.score(image) == pytest.approx(13.8348, abs=1e-4)


def test_score_of_a_uint16_image_uses_65535_as_the_peak():
    image = np.array([[0, 1000], [3000, 4000]], dtype=np.uint16)
    quantizer = ImageQuantizer(n_bins=2, strategy="uniform").fit(image)
    assert_array_equal(quantizer.bin_centers_[0], [1000, 3000])
    # Errors 1000, 0, 0, 1000: MSE 500000.
    expected = 10 * np.log10(65535**2 / 500_000)
    assert quantizer.score(image) == pytest.approx(expected, rel=1e-12)
    assert quantizer.score(image) == pytest.approx(39.3398, abs=1e-4)


def test_score_of_float_data_uses_the_fitted_range_as_the_peak():
    train = np.array([[10.0, 11.0], [13.0, 14.0]])
    quantizer = ImageQuantizer(n_bins=2, strategy="uniform").fit(train)
    assert_array_equal(quantizer.bin_edges_[0], [10, 12, 14])
    # Errors 1, 0, 0, 1: MSE 0.5, peak 14 - 10 = 4 (not 14, the maximum).
    assert quantizer.score(train) == pytest.approx(10 * np.log10(4**2 / 0.5), rel=1e-12)
    # On other data the peak is still the fitted range, not the new data's.
    other = np.array([[10.5, 11.0], [13.0, 13.5]])
    # Decoded to 11, 11, 13, 13: errors 0.5, 0, 0, 0.5, MSE 0.125.
    assert quantizer.score(other) == pytest.approx(10 * np.log10(16 / 0.125), rel=1e-12)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float64])
def test_score_is_inf_when_nothing_is_lost(dtype):
    # Exactly n_bins distinct values: k-means gives each its own bin, whose
    # mean is the value itself.
    image = np.array([[3, 3, 90, 90], [90, 200, 200, 3]], dtype=dtype)
    quantizer = ImageQuantizer(n_bins=3, strategy="kmeans", centers="centroid")
    codes = quantizer.fit_transform(image)
    assert_array_equal(codes, [[0, 0, 1, 1], [1, 2, 2, 0]])
    assert_array_equal(quantizer.inverse_transform(codes), image)
    assert quantizer.score(image) == np.inf
    # Decoded to the middles of the same bins, the values are not restored.
    midpoint = ImageQuantizer(n_bins=3, strategy="kmeans").fit(image)
    assert np.isfinite(midpoint.score(image))


# --- clone and pickle ------------------------------------------------------


def test_clone_keeps_the_parameters_and_drops_the_fit(rng):
    params = {
        "n_bins": 5,
        "strategy": "quantile",
        "centers": "centroid",
        "dtype": np.uint16,
        "channel_axis": -1,
        "subsample": 1000,
        "random_state": 3,
    }
    quantizer = ImageQuantizer(**params).fit(rng.random((50, 3)))
    check_is_fitted(quantizer)
    copy = clone(quantizer)
    assert copy is not quantizer
    assert copy.get_params() == params == quantizer.get_params()
    for attribute in ("bin_edges_", "bin_centers_", "n_bins_", "n_features_in_"):
        assert hasattr(quantizer, attribute)
        assert not hasattr(copy, attribute)
    with pytest.raises(NotFittedError):
        copy.transform(rng.random((4, 3)))


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_pickle_round_trip_of_a_fitted_quantizer(rng, strategy):
    image = rng.normal(100, 30, (60, 70))
    quantizer = ImageQuantizer(n_bins=6, strategy=strategy, centers="centroid").fit(image)
    restored = pickle.loads(pickle.dumps(quantizer))
    assert restored.get_params() == quantizer.get_params()
    assert_array_equal(restored.n_bins_, quantizer.n_bins_)
    for ours, theirs in zip(restored.bin_edges_, quantizer.bin_edges_, strict=True):
        assert_array_equal(ours, theirs)
    for ours, theirs in zip(restored.bin_centers_, quantizer.bin_centers_, strict=True):
        assert_array_equal(ours, theirs)
    other = rng.normal(100, 40, (20, 70))
    codes = quantizer.transform(other)
    assert_array_equal(restored.transform(other), codes)
    assert restored.transform(other).dtype == codes.dtype == np.uint8
    assert_array_equal(
        restored.inverse_transform(codes), quantizer.inverse_transform(codes)
    )
    assert restored.score(other) == quantizer.score(other)


# --- feature names and pandas output ---------------------------------------


def test_feature_names_out_of_a_numpy_fit(rng):
    quantizer = ImageQuantizer(n_bins=4).fit(rng.random((10, 5)))
    names = quantizer.get_feature_names_out()
    assert isinstance(names, np.ndarray)
    assert names.dtype == object
    assert_array_equal(names, ["x0", "x1", "x2", "x3", "x4"])
    assert not hasattr(quantizer, "feature_names_in_")


def _table(rng, n_samples=40):
    return pd.DataFrame(
        {
            "red": rng.integers(0, 256, n_samples),
            "green": rng.normal(0, 1, n_samples),
            "blue": rng.uniform(-5, 5, n_samples),
        },
        index=pd.RangeIndex(100, 100 + n_samples),
    )


def test_feature_names_out_of_a_dataframe_fit(rng):
    table = _table(rng)
    quantizer = ImageQuantizer(n_bins=4, channel_axis=-1).fit(table)
    assert_array_equal(quantizer.feature_names_in_, ["red", "green", "blue"])
    names = quantizer.get_feature_names_out()
    assert names.dtype == object
    assert_array_equal(names, ["red", "green", "blue"])


@pytest.mark.parametrize("channel_axis", [None, -1])
def test_set_output_pandas_gives_a_dataframe_of_uint8_codes(rng, channel_axis):
    table = _table(rng)
    quantizer = ImageQuantizer(n_bins=4, strategy="uniform", channel_axis=channel_axis)
    expected = clone(quantizer).fit(table.to_numpy()).transform(table.to_numpy())
    quantizer.set_output(transform="pandas")
    out = quantizer.fit_transform(table)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["red", "green", "blue"]
    assert (out.dtypes == np.uint8).all()
    assert_array_equal(out.index, table.index)
    assert_array_equal(out.to_numpy(), expected)
    assert isinstance(quantizer.transform(table), pd.DataFrame)


# --- per-column binning, as KBinsDiscretizer ------------------------------


def _kbins(strategy, n_bins):
    extra = {"quantile_method": "averaged_inverted_cdf"} if strategy == "quantile" else {}
    return KBinsDiscretizer(
        n_bins=n_bins, encode="ordinal", strategy=strategy, subsample=None, **extra
    )


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_pipeline_with_channel_axis_bins_each_column_as_kbinsdiscretizer(rng, strategy):
    # Columns on very different scales: one shared codebook would not do.
    scales = np.array([1.0, 50.0, 1e-3, 1e4])
    train = rng.normal(0, 1, (300, 4)) * scales + [0, 100, -1, 5e4]
    test = rng.normal(0, 1.3, (100, 4)) * scales + [0, 100, -1, 5e4]
    pipe = make_pipeline(ImageQuantizer(n_bins=6, strategy=strategy, channel_axis=-1))
    kbins = _kbins(strategy, 6).fit(train)
    pipe.fit(train)
    quantizer = pipe[-1]
    assert_array_equal(quantizer.n_bins_, [6, 6, 6, 6])
    for ours, theirs in zip(quantizer.bin_edges_, kbins.bin_edges_, strict=True):
        assert_allclose(ours, theirs, rtol=0, atol=1e-9)
    for data in (train, test):  # test has values outside the fitted range
        codes = pipe.transform(data)
        assert codes.dtype == np.uint8
        assert_array_equal(codes, kbins.transform(data).astype(np.uint8))
    # Each column has its own codebook: every column uses all six codes.
    codes = pipe.transform(train)
    assert all(np.unique(codes[:, column]).size == 6 for column in range(4))


def test_column_transformer_bins_the_chosen_columns_as_kbinsdiscretizer(rng):
    table = _table(rng, n_samples=200)
    table["label"] = rng.integers(0, 3, 200)
    quantized = ["red", "green", "blue"]
    transformer = ColumnTransformer(
        [
            (
                "quantize",
                ImageQuantizer(n_bins=5, strategy="uniform", channel_axis=-1),
                quantized,
            ),
            ("keep", "passthrough", ["label"]),
        ]
    )
    out = transformer.fit_transform(table)
    assert out.shape == (200, 4)
    kbins = _kbins("uniform", 5).fit(table[quantized].to_numpy())
    assert_array_equal(out[:, :3], kbins.transform(table[quantized].to_numpy()))
    assert_array_equal(out[:, 3], table["label"])
    fitted = transformer.named_transformers_["quantize"]
    for ours, theirs in zip(fitted.bin_edges_, kbins.bin_edges_, strict=True):
        assert_allclose(ours, theirs, rtol=0, atol=1e-9)
    assert_array_equal(
        transformer.get_feature_names_out(),
        ["quantize__red", "quantize__green", "quantize__blue", "keep__label"],
    )
    # Alone, the quantised block keeps its uint8 codes.
    alone = ColumnTransformer([("quantize", clone(fitted), quantized)])
    codes = alone.fit_transform(table)
    assert codes.dtype == np.uint8
    assert_array_equal(codes, kbins.transform(table[quantized].to_numpy()).astype(np.uint8))


def test_grid_search_with_the_optimal_strategy(bimodal):
    strategies = [*STRATEGIES, "optimal"]
    quantizer = ImageQuantizer(n_bins=4, centers="centroid")
    search = GridSearchCV(quantizer, {"strategy": strategies}, cv=3, error_score="raise")
    search.fit(bimodal)
    scores = dict(
        zip(
            [params["strategy"] for params in search.cv_results_["params"]],
            search.cv_results_["mean_test_score"],
            strict=True,
        )
    )
    # Held out, the least squared error on the training folds need not win:
    # measured, kmeans 28.672 dB and optimal 28.670 dB, the others far below.
    assert search.best_params_["strategy"] in {"kmeans", "optimal"}
    assert scores["optimal"] > max(scores["uniform"], scores["quantile"]) + 1
    assert scores["optimal"] == pytest.approx(scores["kmeans"], abs=0.05)
    # On the image it was fitted on, optimal is never below kmeans.
    fitted = {s: clone(quantizer).set_params(strategy=s).fit(bimodal) for s in strategies}
    assert fitted["optimal"].score(bimodal) >= fitted["kmeans"].score(bimodal)
