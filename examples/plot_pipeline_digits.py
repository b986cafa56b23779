"""
Tuning the number of grey levels in a Pipeline
==============================================

:class:`~sk_imagequant.ImageQuantizer` is a scikit-learn transformer, so it can
be a step of a :class:`~sklearn.pipeline.Pipeline` and have its ``n_bins``
tuned by :class:`~sklearn.model_selection.GridSearchCV`. Here it quantises the
8x8 images of handwritten digits (17 grey levels, 0 to 16) before a logistic
regression, and the search finds how many levels the classifier needs.
"""

# %%
# The pipeline and the search
# ---------------------------
# The quantiser's codes are small integers (0 to ``n_bins - 1``); standardising
# them lets the logistic regression converge in a few dozen iterations, well
# within ``max_iter=200``.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sk_imagequant import ImageQuantizer

X, y = load_digits(return_X_y=True)
pipe = Pipeline(
    [
        ("quantize", ImageQuantizer()),
        ("scale", StandardScaler()),
        ("clf", LogisticRegression(max_iter=200)),
    ]
)
n_bins = [2, 3, 4, 8, 16]
search = GridSearchCV(pipe, {"quantize__n_bins": n_bins}, cv=3).fit(X, y)

means = search.cv_results_["mean_test_score"]
stds = search.cv_results_["std_test_score"]
for bins, mean, std in zip(n_bins, means, stds, strict=True):
    print(f"n_bins={bins:>2}: accuracy {mean:.3f} +/- {std:.3f}")
print(f"best n_bins: {search.best_params_['quantize__n_bins']}")
print(f"best accuracy: {search.best_score_:.3f}")

# %%
# For reference, the same classifier on the 17 grey levels as they are.
unquantised = cross_val_score(pipe.set_params(quantize="passthrough"), X, y, cv=3)
print(f"without quantisation: accuracy {unquantised.mean():.3f}")

# %%
# Accuracy against the number of levels
# -------------------------------------
# Two levels (ink or paper) cost about five points of accuracy; from three or
# four on, the digits are about as recognisable as with all 17 grey levels.
fig, ax = plt.subplots(layout="constrained")
ax.errorbar(n_bins, means, yerr=stds, marker="o", capsize=3, label="quantised")
ax.axhline(unquantised.mean(), color="0.5", linestyle="--", label="not quantised")
ax.set_xscale("log", base=2)
ax.set_xticks(n_bins, [str(bins) for bins in n_bins])
ax.set_xlabel("n_bins")
ax.set_ylabel("mean test accuracy (3-fold)")
ax.legend()
_ = ax.set_title("Logistic regression on quantised digits")

# %%
# What the classifier sees
# ------------------------
# A few digits, and the same decoded from 2 and from 4 levels. The quantiser
# is fitted on every pixel of every image, with one codebook for them all; each
# code decodes to the middle of its bin (``centers="midpoint"``), so the two
# levels are greys rather than black and white.
images = X[:6]
rows = {"original": images}
for levels in (2, 4):
    quantizer = ImageQuantizer(n_bins=levels).fit(X)
    rows[f"{levels} levels"] = quantizer.decode(quantizer.encode(images))
    print(f"{levels} levels decode to:", np.round(quantizer.bin_centers_[0], 2))

fig, axes = plt.subplots(len(rows), len(images), figsize=(8, 4.4), layout="constrained")
for row, (name, decoded) in zip(axes, rows.items(), strict=True):
    row[0].set_title(name, loc="left")
    for ax, image in zip(row, decoded, strict=True):
        ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
        ax.set_axis_off()

plt.show()
