"""The upload boxes' file types come from the decoder's formats: the same endings the pages always offered."""

from cnnrnn.core.images import FORMATS, UPLOAD_TYPES


def test_upload_types_are_the_usual_endings_of_the_decoders_formats():
    assert UPLOAD_TYPES == ("png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff", "gif")
    assert {"PNG", "JPEG", "WEBP", "BMP", "TIFF", "GIF"} <= set(FORMATS), "every ending offered is decoded"
