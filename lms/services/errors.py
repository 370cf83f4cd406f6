class LmsError(Exception):
    """A business rule said no. `code` is stable, for views to branch on."""

    code = "error"

    def __init__(self, message: str = "", **details):
        super().__init__(message or self.code)
        self.details = details


class DuplicateParticipantError(LmsError):
    code = "duplicate_participant"


class EnrolmentClosedError(LmsError):
    code = "enrolment_closed"


class NotEnrolledError(LmsError):
    code = "not_enrolled"


class StepLockedError(LmsError):
    code = "step_locked"


class AttemptLimitError(LmsError):
    code = "attempt_limit"


class AttemptClosedError(LmsError):
    code = "attempt_closed"


class ActivitiesPendingError(LmsError):
    """A lesson asks for its H5P activities to be completed (or passed) first."""

    code = "activities_pending"


class RegistrationClosedError(LmsError):
    code = "registration_closed"


class NotInAudienceError(LmsError):
    code = "not_in_audience"
