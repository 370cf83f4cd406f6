"""Taking quizzes: attempts, answers saved as the participant goes, submission."""

urlpatterns = []
