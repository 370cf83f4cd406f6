"""Wagtail hooks for quiz pages."""

from django.contrib import messages
from django.utils.translation import ngettext
from wagtail import hooks

from courses.models import QuizPage
from lms.models import QuizAttempt


@hooks.register("before_edit_page")
def warn_about_attempts_taken(request, page):
    """Tell editors that changes reach new attempts only: taken ones keep their questions."""
    if request.method != "GET" or not isinstance(page, QuizPage):
        return None
    taken = QuizAttempt.objects.filter(quiz_id=page.pk).count()
    if taken:
        messages.info(
            request,
            ngettext(
                "%(count)s attempt has been made at this quiz. Changes apply to new attempts "
                "only: attempts already started keep the questions they were asked and their "
                "grades.",
                "%(count)s attempts have been made at this quiz. Changes apply to new attempts "
                "only: attempts already started keep the questions they were asked and their "
                "grades.",
                taken,
            )
            % {"count": taken},
        )
    return None
