"""Sample images: the raccoon face of scikit-learn's vector quantisation example."""

import os

__all__ = ["FaceNotAvailableError", "load_face"]


class FaceNotAvailableError(OSError):
    """The face could neither be found in the pooch cache nor downloaded."""


def load_face(gray=True):
    """The raccoon face, through ``scipy.datasets.face``.

    The file ``face.dat`` is read from the pooch cache
    (``pooch.os_cache("scipy-data")``), and downloaded there once when the
    machine is online.

    Parameters
    ----------
    gray : bool, default=True
        Return the grey image ``(768, 1024)`` instead of the colour one
        ``(768, 1024, 3)``; both uint8.

    Returns
    -------
    face : ndarray of uint8

    Raises
    ------
    FaceNotAvailableError
        When the cache does not have the file and it cannot be downloaded;
        the message says where to put ``face.dat``.

    Examples
    --------
    >>> from sk_imagequant.datasets import load_face
    >>> face = load_face()  # doctest: +SKIP
    >>> face.shape, face.dtype, face.nbytes  # doctest: +SKIP
    ((768, 1024), dtype('uint8'), 786432)
    """
    import pooch
    from scipy import datasets

    try:
        return datasets.face(gray=gray)
    except Exception as error:  # pooch raises requests' and OS errors alike
        cache = os.path.join(pooch.os_cache("scipy-data"), "face.dat")
        raise FaceNotAvailableError(
            "The raccoon face is not in the pooch cache and could not be "
            f"downloaded ({type(error).__name__}). Copy face.dat (SHA-256 "
            "9d8b0b4d081313e2b485748c770472e5a95ed1738146883d84c7030493e82886) "
            f"to {cache} and try again."
        ) from error
