from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from lms.roles import is_staff_member


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        # Trainers, editors and managers work in the admin; participants in their profile.
        if is_staff_member(request.user):
            return reverse("wagtailadmin_home")
        return super().get_login_redirect_url(request)
