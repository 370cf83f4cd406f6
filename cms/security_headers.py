"""Headers that must hold for a whole class of responses, whatever view made them."""

from django.utils.cache import patch_cache_control


class PrivateByDefaultMiddleware:
    """What a signed-in person is shown is about them: no cache keeps it unless the view says.

    Aula's own views mark personal pages never_cache; pages from packages (allauth's
    email page shows the address) may set nothing, and a browser on a shared computer
    in a GAD office would keep them. A view that may be cached says so with its own
    Cache-Control and is left alone. Listed after AuthenticationMiddleware; pages the
    page cache answers (anonymous visitors only) never reach it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response
