"""scikit-learn's estimator checks over several configurations of each estimator."""

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sk_imagequant import ColorQuantizer, ImageQuantizer

CONFIGURATIONS = [
    ImageQuantizer(),
    ImageQuantizer(strategy="uniform"),
    ImageQuantizer(strategy="quantile"),
    ImageQuantizer(strategy="kmeans", random_state=0),
    ImageQuantizer(centers="centroid"),
    ImageQuantizer(dtype=np.float64),
    ImageQuantizer(channel_axis=-1),
    ImageQuantizer(n_bins=3),
    ImageQuantizer(n_bins=300),
    ImageQuantizer(strategy="optimal"),
    ImageQuantizer(strategy="optimal", centers="centroid", channel_axis=-1),
    ColorQuantizer(),
    ColorQuantizer(n_colors=2, max_iter=1),
    ColorQuantizer(n_colors=5, random_state=0),
    ColorQuantizer(dither=True),
]


# The checks fit on tiny data with a handful of distinct values, constant
# columns included: ImageQuantizer then warns, by design, that it uses fewer
# bins or that a channel is constant. Those two warnings are the documented
# behaviour (tested in test_quantizer.py); any other warning stays an error.
# Likewise ColorQuantizer warns when the data has fewer distinct colours than
# n_colors (tested in test_color.py).
@pytest.mark.filterwarnings("ignore:Channel [0-9]+ gets [0-9]+ bins? instead:UserWarning")
@pytest.mark.filterwarnings("ignore:Channel [0-9]+ is constant:UserWarning")
@pytest.mark.filterwarnings("ignore:ColorQuantizer found only [0-9]+ distinct:UserWarning")
@parametrize_with_checks(CONFIGURATIONS, expected_failed_checks=lambda estimator: {})
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
