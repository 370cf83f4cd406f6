from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.shortcuts import render
from wagtail.models import Page, Site

SEARCH_PAGE_SIZE = 10
MAX_QUERY_LENGTH = 200


def search(request):
    """Search live pages anyone may see.

    View-restricted pages are left out for everyone: a title alone can say
    more than its owner meant to publish.
    """
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    results = None
    if query:
        pages = Page.objects.live().public().specific()
        site = Site.find_for_request(request)
        if site:
            pages = pages.in_site(site)
        paginator = Paginator(pages.search(query), SEARCH_PAGE_SIZE)
        try:
            results = paginator.page(request.GET.get("pagina", 1))
        except PageNotAnInteger:
            results = paginator.page(1)
        except EmptyPage:
            results = paginator.page(paginator.num_pages)
    return render(request, "cms/search.html", {"query": query, "results": results})
