"""Grey-level quantisation of images as a scikit-learn transformer."""

from ._color import ColorQuantizer
from ._packing import PackedCodes, pack_codes
from ._quantizer import ImageQuantizer

__version__ = "0.1.0"

__all__ = ["ColorQuantizer", "ImageQuantizer", "PackedCodes", "__version__", "pack_codes"]
