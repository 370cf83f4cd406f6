from lms.models.certificates import Certificate, CertificateTemplate, Signatory
from lms.models.gads import GAD, Province
from lms.models.h5p import H5PResult, H5PState, H5PStatement
from lms.models.learning import Enrolment, QuizAttempt, StepProgress
from lms.models.offline import OfflineChange
from lms.models.people import Participant, User
from lms.models.reports import ExportLog
from lms.models.workshops import (
    Attendance,
    AttendanceChange,
    AttendanceImport,
    Registration,
    ReminderRecord,
    ReportAlias,
    Session,
    Workshop,
)

__all__ = [
    "GAD",
    "Attendance",
    "AttendanceChange",
    "AttendanceImport",
    "Certificate",
    "CertificateTemplate",
    "Registration",
    "ReminderRecord",
    "ReportAlias",
    "Signatory",
    "Session",
    "Workshop",
    "Enrolment",
    "ExportLog",
    "H5PResult",
    "H5PState",
    "H5PStatement",
    "OfflineChange",
    "Participant",
    "Province",
    "QuizAttempt",
    "StepProgress",
    "User",
]
