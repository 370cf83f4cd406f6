"""H5P results: judging the statements a player reports, keeping the best result, resuming.

The player runs package code that Aula did not write, in a sandbox, and its
statements reach the server through the lesson page. They are judged here:
the participant comes from the session (never from the statement), only the
known verbs about the activity itself count, scores must fit the activity's
recorded maximum, and a wrong answer never counts as a pass.
"""

import json
import math
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Case, F, PositiveIntegerField, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.page_cache import invalidate
from courses.models import H5PActivity
from lms.models import H5PResult, H5PState, H5PStatement, Participant
from lms.services.errors import LmsError
from lms.services.privacy import register_personal_data

VERBS = {
    "http://adlnet.gov/expapi/verbs/answered": "answered",
    "http://adlnet.gov/expapi/verbs/completed": "completed",
    "http://adlnet.gov/expapi/verbs/passed": "passed",
    "http://adlnet.gov/expapi/verbs/failed": "failed",
}
MAX_SCORE_LIMIT = 10_000
SIGNING_NAMESPACE = "aula.h5p.files"


class StatementRejected(LmsError):
    code = "statement_rejected"


class StatementIgnored(LmsError):
    """Valid, but not about the activity as a whole (a sub-question, a progress event)."""

    code = "statement_ignored"


# ---------------------------------------------------------------------------
# Access to the package files: a signed, expiring token in the URL, because the
# sandboxed player's requests carry no cookies.


@dataclass(frozen=True)
class FileGrant:
    activity_id: int
    key: str
    user_id: int


def file_token(*, activity_id: int, key: str, user_id: int) -> str:
    return signing.dumps([activity_id, key, user_id], salt=SIGNING_NAMESPACE, compress=False)


def read_file_token(token: str) -> FileGrant | None:
    try:
        activity_id, key, user_id = signing.loads(
            token, salt=SIGNING_NAMESPACE, max_age=settings.H5P_TOKEN_SECONDS
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not (isinstance(activity_id, int) and isinstance(key, str) and isinstance(user_id, int)):
        return None
    return FileGrant(activity_id, key, user_id)


def activity_iri(activity_id: int) -> str:
    """The xAPI object id the player is told to use for the activity as a whole."""
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}/h5p/actividades/{activity_id}"


# ---------------------------------------------------------------------------
# Judging statements.


@dataclass(frozen=True)
class Judged:
    verb: str
    raw: int | None
    max: int | None
    success: bool | None
    completion: bool | None

    @property
    def passed(self) -> bool:
        if self.verb == "failed" or self.success is False:
            return False
        if self.verb == "passed" or self.success is True:
            return True
        # No verdict from the content: only full marks count as a pass.
        return self.raw is not None and self.max is not None and self.raw == self.max

    @property
    def completed(self) -> bool:
        return (
            self.verb in ("completed", "passed", "failed")
            or bool(self.completion)
            or (self.verb == "answered" and self.raw is not None)
        )


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise StatementRejected(f"{what} is not a finite number")
    return value


def judge(statement, *, activity_id: int, known_max: int | None) -> Judged:
    """Check one statement from the player; raise StatementRejected or StatementIgnored."""
    if not isinstance(statement, dict):
        raise StatementRejected("not an object")
    verb_id = (
        (statement.get("verb") or {}).get("id") if isinstance(statement.get("verb"), dict) else None
    )
    verb = VERBS.get(verb_id)
    if verb is None:
        raise StatementIgnored("verb not recorded")
    target = statement.get("object")
    if not isinstance(target, dict) or target.get("id") != activity_iri(activity_id):
        raise StatementIgnored("not about this activity as a whole")
    context = statement.get("context")
    if isinstance(context, dict) and (context.get("contextActivities") or {}).get("parent"):
        raise StatementIgnored("about part of the activity")
    result = statement.get("result")
    if result is None:
        result = {}
    if not isinstance(result, dict):
        raise StatementRejected("result is not an object")
    success = result.get("success")
    completion = result.get("completion")
    if success is not None and not isinstance(success, bool):
        raise StatementRejected("success is not true or false")
    if completion is not None and not isinstance(completion, bool):
        raise StatementRejected("completion is not true or false")
    score = result.get("score")
    raw = maximum = None
    if score is not None:
        if not isinstance(score, dict):
            raise StatementRejected("score is not an object")
        raw_value = _number(score.get("raw"), "raw")
        max_value = _number(score.get("max"), "max")
        if raw_value != int(raw_value) or max_value != int(max_value):
            raise StatementRejected("scores are whole numbers")
        raw, maximum = int(raw_value), int(max_value)
        if not 0 < maximum <= MAX_SCORE_LIMIT:
            raise StatementRejected("max out of range")
        if not 0 <= raw <= maximum:
            raise StatementRejected("raw out of range")
        if known_max is not None and maximum != known_max:
            raise StatementRejected("max differs from the activity's")
        if "min" in score and _number(score["min"], "min") != 0:
            raise StatementRejected("min must be 0")
        if "scaled" in score:
            scaled = _number(score["scaled"], "scaled")
            if abs(scaled - raw / maximum) > 0.01:
                raise StatementRejected("scaled does not match raw / max")
    elif verb in ("answered", "passed", "failed"):
        raise StatementRejected("a verdict without a score")
    return Judged(verb, raw, maximum, success, completion)


@transaction.atomic
def record_statement(
    *, participant_id: int, activity: H5PActivity, lesson_id: int | None, statement
) -> H5PResult | None:
    """Judge and store one statement; return the participant's best result (None if ignored)."""
    judged = judge(statement, activity_id=activity.pk, known_max=activity.max_score)
    if judged.max is not None:
        fix_max_score(activity, judged.max)
    now = timezone.now()
    row = H5PStatement(
        participant_id=participant_id,
        activity_id=activity.pk,
        lesson_id=lesson_id,
        verb=judged.verb,
        raw_score=judged.raw,
        max_score=judged.max,
        success=judged.success,
        completion=judged.completion,
        received_at=now,
        statement_id=statement_id(statement),
    )
    if row.statement_id is None:
        row.save()
    else:
        try:
            with transaction.atomic():  # a savepoint, so a resend is told apart cleanly
                row.save()
        except IntegrityError as error:  # the same statement, sent again
            raise StatementIgnored("already recorded") from error
    return _keep_best(participant_id, activity.pk, lesson_id, judged, now)


def statement_id(statement: dict) -> uuid.UUID | None:
    """The statement's xAPI id if it is a UUID (the lesson page gives each one an id)."""
    value = statement.get("id")
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def fix_max_score(activity: H5PActivity, maximum: int) -> None:
    """The first scored statement fixes an activity's maximum; later ones must agree."""
    if activity.max_score is not None:
        if activity.max_score != maximum:
            raise StatementRejected("max differs from the activity's")
        return
    fixed = H5PActivity.objects.filter(pk=activity.pk, max_score__isnull=True).update(
        max_score=maximum
    )
    if not fixed:  # another request fixed it first (or the outline had not caught up)
        current = H5PActivity.objects.filter(pk=activity.pk).values_list("max_score", flat=True)
        if current.first() != maximum:
            raise StatementRejected("max differs from the activity's")
    else:
        # Course outlines carry each activity's maximum: let them learn it.
        transaction.on_commit(invalidate)
    activity.max_score = maximum


def _keep_best(participant_id, activity_id, lesson_id, judged: Judged, now) -> H5PResult:
    updates = {
        "statements": F("statements") + 1,
        "updated_at": Value(now),
    }
    # Once completed or passed, always so: a later worse try never takes it back.
    if judged.completed:
        updates["completed"] = Value(True)
    if judged.passed:
        updates["passed"] = Value(True)
    if judged.raw is not None:
        score = Value(judged.raw, output_field=PositiveIntegerField())
        updates["raw_score"] = Case(
            When(raw_score__isnull=True, then=score),
            default=Greatest(F("raw_score"), score),
            output_field=PositiveIntegerField(),
        )
        updates["max_score"] = Value(judged.max)
    if lesson_id:
        updates["lesson_id"] = Value(lesson_id)
    rows = H5PResult.objects.filter(participant_id=participant_id, activity_id=activity_id)
    if rows.update(**updates):
        return rows.get()
    try:
        with transaction.atomic():
            return H5PResult.objects.create(
                participant_id=participant_id,
                activity_id=activity_id,
                lesson_id=lesson_id,
                raw_score=judged.raw,
                max_score=judged.max,
                completed=judged.completed,
                passed=judged.passed,
                statements=1,
                first_at=now,
                updated_at=now,
            )
    except IntegrityError:  # a concurrent first statement created the row
        rows.update(**updates)
        return rows.get()


# ---------------------------------------------------------------------------
# Where the participant left the activity.


def save_state(*, participant_id: int, activity_id: int, data: str) -> None:
    if len(data.encode()) > settings.H5P_STATE_MAX_BYTES:
        raise StatementRejected("state too large")
    try:
        json.loads(data)
    except ValueError as error:
        raise StatementRejected("state is not JSON") from error
    H5PState.objects.update_or_create(
        participant_id=participant_id, activity_id=activity_id, defaults={"data": data}
    )


def load_state(*, participant_id: int, activity_id: int) -> str | None:
    return (
        H5PState.objects.filter(participant_id=participant_id, activity_id=activity_id)
        .values_list("data", flat=True)
        .first()
    )


def load_state_for_user(*, user_id: int, activity_id: int) -> str | None:
    return (
        H5PState.objects.filter(participant__user_id=user_id, activity_id=activity_id)
        .values_list("data", flat=True)
        .first()
    )


def unmet_requirements(*, participant_id: int | None, requirements) -> list[int]:
    """Activities (ids) whose lesson requirement ('completed' or 'passed') is not met yet."""
    wanted = {activity: rule for activity, rule in requirements if rule in ("completed", "passed")}
    if not wanted:
        return []
    met = set()
    if participant_id is not None:
        for activity_id, completed, passed in H5PResult.objects.filter(
            participant_id=participant_id, activity_id__in=wanted
        ).values_list("activity_id", "completed", "passed"):
            if passed or (completed and wanted[activity_id] == "completed"):
                met.add(activity_id)
    return [activity for activity in wanted if activity not in met]


@register_personal_data(_("H5P activities"))
def export_h5p_results(participant: Participant) -> list[dict]:
    rows = H5PResult.objects.filter(participant=participant).select_related("activity")
    return [
        {
            _("Activity"): row.activity.title,
            _("Best score"): row.raw_score,
            _("Maximum score"): row.max_score,
            _("Completed"): row.completed,
            _("Passed"): row.passed,
            _("Last result"): row.updated_at,
        }
        for row in rows.order_by("activity__title")
    ]
