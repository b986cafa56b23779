import os

import matplotlib
import numpy as np
import pytest
from hypothesis import settings

from sk_imagequant.datasets import FaceNotAvailableError, load_face

# Figures are drawn and saved, never shown.
matplotlib.use("Agg")

# .ci/run sets SK_IMAGEQUANT_HYPOTHESIS=ci: the same examples on every run, so
# that CI cannot fail on a draw no one has seen. Elsewhere hypothesis draws
# anew each run, and keeps what fails in .hypothesis/ to replay it.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("SK_IMAGEQUANT_HYPOTHESIS", "default"))


@pytest.fixture(scope="session")
def face():
    """The grey raccoon face, from the pooch cache (or downloaded once).

    Skipped when neither has it, unless SK_IMAGEQUANT_REQUIRE_FACE is set (as
    .ci/run does after seeding the cache): then a missing face is a failure.
    """
    try:
        return load_face()
    except FaceNotAvailableError as error:
        if os.environ.get("SK_IMAGEQUANT_REQUIRE_FACE"):
            raise
        pytest.skip(f"the face is neither in the pooch cache nor downloadable: {error}")


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def client():
    """A dask ``LocalCluster``: two worker processes with a thread each, on the
    loopback interface, started once for the session and closed at its end."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
            memory_limit="2GiB",
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        yield client
