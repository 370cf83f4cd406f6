from lms.models.gads import GAD, Province
from lms.models.people import Participant, User

__all__ = ["GAD", "Participant", "Province", "User"]
