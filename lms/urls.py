from django.urls import path

from lms.views import accounts
from lms.views.attendance import urlpatterns as attendance_urls
from lms.views.certificates import urlpatterns as certificate_urls
from lms.views.h5p import urlpatterns as h5p_urls
from lms.views.learning import urlpatterns as learning_urls
from lms.views.offline import urlpatterns as offline_urls
from lms.views.privacy import urlpatterns as privacy_urls
from lms.views.quiz import urlpatterns as quiz_urls
from lms.views.two_factor import urlpatterns as two_factor_urls
from lms.views.workshop_calendar import urlpatterns as workshop_calendar_urls
from lms.views.workshops import urlpatterns as workshop_urls

app_name = "lms"

urlpatterns = [
    path("cuenta/perfil/", accounts.profile, name="profile"),
    path("cuenta/gad/buscar/", accounts.gad_search, name="gad_search"),
    *two_factor_urls,
    *privacy_urls,
    *learning_urls,
    *offline_urls,
    *quiz_urls,
    *h5p_urls,
    *workshop_urls,
    *workshop_calendar_urls,
    *attendance_urls,
    *certificate_urls,
]
