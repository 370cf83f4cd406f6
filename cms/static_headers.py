"""Extra headers on static files (whitenoise calls `add_headers` for each file)."""

PLAYER_PREFIX = "/static/h5p-standalone/"


def add_headers(headers, path: str, url: str) -> None:
    # The H5P player runs in sandboxed frames with an opaque origin: fonts and
    # scripts they fetch need to allow any origin. They are public files.
    if url.startswith(PLAYER_PREFIX):
        headers["Access-Control-Allow-Origin"] = "*"
        headers["Cross-Origin-Resource-Policy"] = "cross-origin"
