"""The site's URLs plus a floor: the cheapest response the same middleware stack can give."""

from django.http import HttpResponse
from django.urls import path

from cms.urls import urlpatterns as site_patterns

FLOOR_SIZE = 12 * 1024
_HEAD = b"<!doctype html>\n<html lang=es><title>floor</title>\n<pre>\n"
_TAIL = b"</pre>\n"
_LINE = b"x" * 79 + b"\n"


def _floor_body() -> bytes:
    # About the size of a real page, so both pay the same to cross the socket.
    filler_size = FLOOR_SIZE - len(_HEAD) - len(_TAIL)
    filler = (_LINE * (filler_size // len(_LINE) + 1))[:filler_size]
    return _HEAD + filler + _TAIL


FLOOR_BODY = _floor_body()


def floor(request):
    return HttpResponse(FLOOR_BODY, content_type="text/html; charset=utf-8")


urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    *site_patterns,
]
