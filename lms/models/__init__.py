from lms.models.gads import GAD, Province
from lms.models.learning import Enrolment, QuizAttempt, StepProgress
from lms.models.people import Participant, User

__all__ = ["GAD", "Enrolment", "Participant", "Province", "QuizAttempt", "StepProgress", "User"]
