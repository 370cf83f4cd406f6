"""A separate cookie-less host for H5P files: lessons may frame it, and the player says so."""

import importlib
import os
from unittest import mock


def test_a_separate_h5p_origin_is_allowed_to_be_framed():
    from cms.settings import base

    with mock.patch.dict(os.environ, {"H5P_FILES_ORIGIN": "https://h5p.aula.example.org/"}):
        reloaded = importlib.reload(base)
        try:
            assert reloaded.H5P_FILES_ORIGIN == "https://h5p.aula.example.org"
            frame_src = reloaded.CONTENT_SECURITY_POLICY["DIRECTIVES"]["frame-src"]
            assert "https://h5p.aula.example.org" in frame_src
        finally:
            os.environ.pop("H5P_FILES_ORIGIN", None)
            importlib.reload(base)
