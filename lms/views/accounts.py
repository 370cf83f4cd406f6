from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from lms.forms import ProfileForm
from lms.models import GAD, Participant
from lms.services.people import (
    PROFILE_FIELDS,
    current_privacy_version,
    register_participant,
    update_profile,
)

GAD_SEARCH_LIMIT = 10
LEVEL_ORDER = {
    GAD.Level.MUNICIPAL: 0,
    GAD.Level.PROVINCIAL: 1,
    GAD.Level.SPECIAL_REGIME: 2,
    GAD.Level.PARISH: 3,
}


@require_GET
@cache_control(public=True, max_age=3600)
def gad_search(request):
    """GADs matching what the person typed, for the sign-up and profile forms."""
    query = request.GET.get("q", "")[:100]
    if len(query.strip()) < 2:
        return JsonResponse({"results": []})
    gads = list(GAD.objects.matching(query).select_related("province")[:200])
    gads.sort(key=lambda gad: (LEVEL_ORDER[gad.level], not gad.is_pilot, gad.name))
    return JsonResponse(
        {"results": [{"id": gad.pk, "label": gad.label} for gad in gads[:GAD_SEARCH_LIMIT]]}
    )


@never_cache
@login_required
def profile(request):
    """The participant's own profile: see and correct it."""
    participant = (
        Participant.objects.filter(user=request.user).select_related("gad__province").first()
    )
    initial = (
        {field: getattr(participant, field) for field in PROFILE_FIELDS}
        if participant
        else {"full_name": request.user.get_full_name()}
    )
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if participant:
            update_profile(
                participant=participant,
                **{field: form.cleaned_data[field] for field in PROFILE_FIELDS},
            )
        else:
            register_participant(
                user=request.user,
                consent_version=current_privacy_version(),
                **{field: form.cleaned_data[field] for field in PROFILE_FIELDS},
            )
        messages.success(request, _("Your profile has been saved."))
        return redirect("lms:profile")
    return render(request, "lms/profile.html", {"form": form, "participant": participant})
