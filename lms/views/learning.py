"""Self-paced course pages for participants: enrolment, progress, Mi aprendizaje."""

urlpatterns = []
