"""Distortion measures. No scikit-learn here."""

import numpy as np


def peak_signal_noise_ratio(reference, approximation, data_range):
    """PSNR in dB of ``approximation`` against ``reference``.

    ``10 * log10(data_range**2 / MSE)``; infinite when the two are equal.
    """
    error = np.asarray(reference, dtype=np.float64) - approximation
    return psnr_from_mse(float(np.mean(np.square(error))), data_range)


def psnr_from_mse(mse, data_range):
    """PSNR in dB of a mean squared error; infinite when it is 0."""
    if mse == 0.0:
        return float("inf")
    return float(10.0 * np.log10(data_range**2 / mse))


def integer_data_range(dtype, has_negative):
    """Peak value for PSNR of an integer image, as scikit-image takes it.

    The dtype's maximum (255 for uint8), or its whole span when the image has
    negative values.
    """
    if np.dtype(dtype).kind == "b":
        return 1.0
    info = np.iinfo(dtype)
    return float(info.max - info.min) if has_negative else float(info.max)
