"""Wagtail hooks for course steps: access checks and visit recording.

The server decides on every request for a lesson or a quiz, so a step is
never open just because its address is known. The course page and the
catalogue stay public.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from wagtail import hooks

from courses.models import LessonPage, QuizPage
from lms.services.learning import record_visit
from lms.views.learning import learning_for


@hooks.register("before_serve_page")
def gate_course_steps(page, request, serve_args, serve_kwargs):
    """Who may open a step, and a note that an enrolled participant opened a lesson."""
    if not isinstance(page, (LessonPage, QuizPage)):
        return None
    # The router set the parent from its one query, so this costs nothing.
    learning = learning_for(request, page.get_parent().pk)
    if learning is None:  # the course itself is not live
        return None
    outline = learning.outline
    if isinstance(page, QuizPage) and not learning.is_enrolled:
        # The quiz page shows its rules and how to enrol; lms.views.quiz checks
        # enrolment and step order before any question is shown.
        return None
    if not request.user.is_authenticated:
        if outline.open_reading:
            return None
        return redirect_to_login(request.get_full_path())
    if not learning.is_enrolled:
        if outline.open_reading:
            return None
        messages.warning(request, _("Enrol in the course to open its lessons."))
        return redirect(outline.url)
    if learning.is_locked(page.pk):
        previous = learning.previous_required(page.pk)
        messages.warning(
            request,
            _("Finish “%(title)s” first: this course's steps open in order.")
            % {"title": previous.title},
        )
        return redirect(outline.url)
    if isinstance(page, LessonPage):
        record_visit(enrolment=learning.enrolment, step=page)
    return None
