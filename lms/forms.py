from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from lms.models import GAD, Participant
from lms.services.people import current_privacy_version, register_participant

SUGGESTION_LIMIT = 10


class GADPickerWidget(forms.Widget):
    """A text box that finds a GAD as you type (with JavaScript) or on submit (without)."""

    template_name = "lms/widgets/gad_picker.html"

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.suggestions = []

    def value_from_datadict(self, data, files, name):
        return {"id": data.get(name, ""), "query": data.get(f"{name}_query", "")}

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}_query" not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        gad = None
        query = ""
        if isinstance(value, GAD):
            gad = value
        elif isinstance(value, dict):
            query = value.get("query", "")
            if str(value.get("id", "")).isdigit():
                gad = GAD.objects.filter(pk=value["id"]).select_related("province").first()
        elif value:
            gad = GAD.objects.filter(pk=value).select_related("province").first()
        context["widget"].update(
            gad=gad,
            query=gad.label if gad else query,
            search_url=reverse("lms:gad_search"),
            suggestions=self.suggestions,
        )
        return context


class GADField(forms.Field):
    widget = GADPickerWidget
    default_error_messages = {
        "required": _("Type the name of your GAD, its canton or its province and choose it."),
        "not_found": _("No GAD matches “%(query)s”. Check the spelling or type the canton."),
        "ambiguous": _("Several GADs match “%(query)s”: choose yours below."),
    }

    def to_python(self, value):
        if isinstance(value, GAD):
            return value
        value = value or {}
        query = (value.get("query") or "").strip()
        if str(value.get("id", "")).isdigit():
            gad = GAD.objects.filter(pk=value["id"]).select_related("province").first()
            # The id counts unless the person typed something else after choosing.
            if gad and (not query or query == gad.label):
                return gad
        if not query:
            return None
        matches = list(
            GAD.objects.matching(query).select_related("province")[: SUGGESTION_LIMIT + 1]
        )
        exact = [gad for gad in matches if gad.label.lower() == query.lower()]
        if len(matches) == 1 or len(exact) == 1:
            return exact[0] if exact else matches[0]
        if not matches:
            raise forms.ValidationError(
                self.error_messages["not_found"], code="not_found", params={"query": query}
            )
        self.widget.suggestions = matches[:SUGGESTION_LIMIT]
        raise forms.ValidationError(
            self.error_messages["ambiguous"], code="ambiguous", params={"query": query}
        )


class ProfileFieldsMixin(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    gad = GADField(
        label=_("Your GAD"),
        help_text=_("Type part of its name, canton or province, e.g. “pederna”."),
    )
    position = forms.CharField(label=_("Position"), max_length=150, required=False)
    sex = forms.ChoiceField(
        label=_("Sex"), choices=Participant.Sex.choices, widget=forms.RadioSelect
    )
    age_band = forms.ChoiceField(
        label=_("Age"),
        choices=[("", _("I prefer not to say")), *Participant.AgeBand.choices],
        required=False,
    )
    phone = forms.CharField(label=_("Phone (optional)"), max_length=40, required=False)


def _privacy_notice_link():
    from cms.models import SiteSettings

    settings = SiteSettings.objects.select_related("privacy_page").order_by("pk").first()
    page = settings.privacy_page if settings else None
    if page and page.live:
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', page.url, _("privacy notice")
        )
    return _("privacy notice")


class ParticipantSignupForm(ProfileFieldsMixin):
    """The fields allauth's sign-up form adds for the person (ACCOUNT_SIGNUP_FORM_CLASS)."""

    consent = forms.BooleanField(
        required=True,
        error_messages={
            "required": _("You need to accept the privacy notice to create an account.")
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = format_html(
            _("I have read and accept the {}: Aula keeps my data to track my learning."),
            _privacy_notice_link(),
        )

    def signup(self, request, user):
        user.first_name = self.cleaned_data["full_name"][:150]
        user.save(update_fields=["first_name"])
        register_participant(
            user=user,
            full_name=self.cleaned_data["full_name"],
            gad=self.cleaned_data["gad"],
            sex=self.cleaned_data["sex"],
            position=self.cleaned_data["position"],
            age_band=self.cleaned_data["age_band"],
            phone=self.cleaned_data["phone"],
            consent_version=current_privacy_version(),
        )


class ProfileForm(ProfileFieldsMixin):
    pass
