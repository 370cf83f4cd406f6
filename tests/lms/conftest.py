"""H5P packages on disk for the learning tests that place an activity in a lesson."""

from tests.h5p.conftest import make_activity, media_root  # noqa: F401 - fixtures
