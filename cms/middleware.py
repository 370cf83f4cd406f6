from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings

ADMIN_PREFIXES = ("/admin/",)


class SiteCSPMiddleware(CSPMiddleware):
    """The site's strict policy everywhere, loosened only where the Wagtail admin needs it."""

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and request.path_info.startswith(ADMIN_PREFIXES):
            parts.update = {**settings.ADMIN_CSP_UPDATE, **(parts.update or {})}
            # frame-ancestors 'self' replaces 'none' so admin previews can frame the site.
            parts.replace = {"frame-ancestors": ["'self'"], **(parts.replace or {})}
        return parts
