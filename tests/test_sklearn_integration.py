"""ImageQuantizer among scikit-learn's tools: Pipeline, GridSearchCV, clone, pickle."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import KBinsDiscretizer

from sk_imagequant import ImageQuantizer


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600], y[:600]


@pytest.fixture
def bimodal(rng):
    """A grey 'image' whose rows are samples, with two peaks of unequal width."""
    values = np.r_[rng.normal(50, 8, 3000), rng.normal(170, 30, 3000)]
    return np.clip(rng.permutation(values), 0, 255).astype(np.uint8).reshape(200, 30)


def test_pipeline_with_logistic_regression_tuned_by_grid_search(digits):
    X, y = digits
    pipe = Pipeline(
        [
            ("quantize", ImageQuantizer()),
            ("clf", LogisticRegression(C=0.1, max_iter=2000)),
        ]
    )
    grid = {"quantize__n_bins": [2, 4, 8], "quantize__strategy": ["uniform", "kmeans"]}
    search = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    assert search.best_params_["quantize__n_bins"] in (2, 4, 8)
    assert search.best_score_ > 0.85  # measured: 0.868
    quantizer = search.best_estimator_.named_steps["quantize"]
    codes = quantizer.transform(X)
    assert codes.dtype == np.uint8
    assert codes.shape == X.shape
    assert codes.max() == quantizer.n_bins_[0] - 1
    # Two grey levels lose the most: they are never the best here.
    scores = search.cv_results_["mean_test_score"]
    two_bins = search.cv_results_["param_quantize__n_bins"] == 2
    assert scores[two_bins].max() < scores[~two_bins].max()


def test_grid_search_over_the_strategy_alone_picks_kmeans_by_psnr(bimodal):
    # k-means bins minimise the squared error when codes decode to bin means.
    quantizer = ImageQuantizer(n_bins=4, centers="centroid")
    search = GridSearchCV(
        quantizer, {"strategy": ["uniform", "quantile", "kmeans"]}, cv=3
    ).fit(bimodal)
    assert search.best_params_ == {"strategy": "kmeans"}
    # The search's score is the quantiser's PSNR on each held-out fold.
    folds = KFold(n_splits=3).split(bimodal)
    expected = [
        clone(quantizer, safe=True)
        .set_params(strategy="uniform")
        .fit(bimodal[train])
        .score(bimodal[test])
        for train, test in folds
    ]
    uniform = list(search.cv_results_["param_strategy"]).index("uniform")
    assert search.cv_results_["mean_test_score"][uniform] == pytest.approx(
        np.mean(expected)
    )


def test_grid_search_over_n_bins_prefers_more_levels(bimodal):
    search = GridSearchCV(ImageQuantizer(), {"n_bins": [2, 4, 16]}, cv=3).fit(bimodal)
    assert search.best_params_ == {"n_bins": 16}
    scores = search.cv_results_["mean_test_score"]
    assert scores[0] < scores[1] < scores[2]


def test_clone_keeps_parameters_and_drops_the_fit(bimodal):
    quantizer = ImageQuantizer(n_bins=5, strategy="quantile", dtype=np.uint16).fit(bimodal)
    copy = clone(quantizer)
    assert copy.get_params() == quantizer.get_params()
    assert not hasattr(copy, "bin_edges_")


def test_pickle_round_trip(bimodal):
    quantizer = ImageQuantizer(n_bins=6, centers="centroid").fit(bimodal)
    loaded = pickle.loads(pickle.dumps(quantizer))
    assert_array_equal(loaded.bin_edges_[0], quantizer.bin_edges_[0])
    assert_array_equal(loaded.bin_centers_[0], quantizer.bin_centers_[0])
    assert_array_equal(loaded.transform(bimodal), quantizer.transform(bimodal))


def test_feature_names_out(bimodal):
    quantizer = ImageQuantizer().fit(bimodal[:, :3])
    names = quantizer.get_feature_names_out()
    assert names.dtype == object
    assert_array_equal(names, ["x0", "x1", "x2"])


def test_dataframes_keep_their_column_names(bimodal):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(bimodal[:, :3], columns=["red", "green", "blue"])
    quantizer = ImageQuantizer(n_bins=4, channel_axis=-1).fit(frame)
    assert_array_equal(quantizer.feature_names_in_, ["red", "green", "blue"])
    assert_array_equal(quantizer.get_feature_names_out(), ["red", "green", "blue"])
    out = quantizer.set_output(transform="pandas").transform(frame)
    assert list(out.columns) == ["red", "green", "blue"]
    assert (out.dtypes == np.uint8).all()


@pytest.mark.parametrize("strategy", ["uniform", "quantile", "kmeans"])
def test_per_column_binning_is_kbinsdiscretizers(rng, strategy):
    table = np.c_[rng.integers(0, 256, 500), rng.integers(1000, 1100, 500)].astype(
        np.uint16
    )
    quantizer = ImageQuantizer(n_bins=5, strategy=strategy, channel_axis=-1).fit(table)
    reference = KBinsDiscretizer(
        n_bins=5,
        encode="ordinal",
        strategy=strategy,
        quantile_method="averaged_inverted_cdf",
        subsample=None,
    ).fit(table)
    assert_array_equal(quantizer.n_bins_, reference.n_bins_)
    if strategy != "kmeans":  # k-means is refined past KBinsDiscretizer's tolerance
        assert_array_equal(quantizer.transform(table), reference.transform(table))
        for column in range(2):
            np.testing.assert_allclose(
                quantizer.bin_edges_[column], reference.bin_edges_[column], atol=1e-9
            )
