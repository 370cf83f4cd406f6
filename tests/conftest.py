import pytest
from django.core.cache import cache
from wagtail.models import Page, Site

from tests.factories import HomePageFactory, ToolkitIndexPageFactory, ToolkitPageFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def home(db):
    """A home page as the default site's root, as the demo and production have."""
    root = Page.get_first_root_node()
    home = HomePageFactory(parent=root)
    site = Site.objects.get(is_default_site=True)
    placeholder = site.root_page
    site.root_page = home
    site.save()
    placeholder.delete()
    return home


@pytest.fixture
def toolkit_index(home):
    return ToolkitIndexPageFactory(parent=home)


@pytest.fixture
def toolkit_page(toolkit_index):
    return ToolkitPageFactory(
        parent=toolkit_index, title="Diagnóstico territorial", slug="diagnostico"
    )
