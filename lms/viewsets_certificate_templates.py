"""Admin screens where editors design certificates ("Plantillas de certificado").

Registered in lms/wagtail_hooks.py. Editors need the add/change/delete/view
permissions of certificate templates. Each template has a preview: a PDF filled
with sample data, opened from the listing and from the edit page.

One template is the site's default: saving a template as the default takes the
mark off the others in the same transaction.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    HelpPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
)
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy

from lms.models import CertificateTemplate
from lms.services.certificate_pdf import preview_pdf

PREVIEW_URL_NAME = "certificate_templates:preview"


class CertificateTemplateForm(WagtailAdminModelForm):
    def _get_validation_exclusions(self):
        # Saving a template as the default takes the mark off the others first (see
        # save_as_only_default), so the form must not reject a second default.
        exclusions = super()._get_validation_exclusions()
        exclusions.add("is_default")
        return exclusions


def save_as_only_default(template: CertificateTemplate) -> None:
    """Before `template` is saved as the default: no other template stays the default.

    Two editors making different templates the default at the same moment are taken
    one after the other: each locks every template row first (a handful), so the second
    sees the first's new default once it is committed, and takes the mark off it too,
    instead of both saving a default and the second failing on the database constraint.
    """
    list(CertificateTemplate.objects.select_for_update().order_by("pk").values_list("pk"))
    others = CertificateTemplate.objects.filter(is_default=True)
    if template.pk is not None:
        others = others.exclude(pk=template.pk)
    others.update(is_default=False)


class OnlyOneDefaultMixin:
    """Create and edit views: the saved default is the only one (within form_valid's transaction)."""

    def save_instance(self):
        if self.form.cleaned_data.get("is_default"):
            save_as_only_default(self.form.instance)
        return super().save_instance()


class CertificateTemplateCreateView(OnlyOneDefaultMixin, ModelViewSet.add_view_class):
    pass


class CertificateTemplateEditView(OnlyOneDefaultMixin, ModelViewSet.edit_view_class):
    @cached_property
    def header_buttons(self):
        return [
            *super().header_buttons,
            HeaderButton(
                _("Preview"),
                url=reverse(PREVIEW_URL_NAME, args=[self.object.pk]),
                icon_name="view",
                attrs={"target": "_blank", "rel": "noopener"},
            ),
        ]


def preview(request, pk):
    """The template filled with sample data, as a PDF shown in the browser."""
    if not ModelPermissionPolicy(CertificateTemplate).user_has_any_permission(
        request.user, ["view", "change", "add"]
    ):
        raise PermissionDenied
    template = get_object_or_404(CertificateTemplate, pk=pk)
    response = HttpResponse(preview_pdf(template), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="vista-previa-{template.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def _preview_link(template) -> str:
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">{}</a>',
        reverse(PREVIEW_URL_NAME, args=[template.pk]),
        _("Preview"),
    )


class CertificateTemplateViewSet(ModelViewSet):
    model = CertificateTemplate
    icon = "doc-full"
    menu_label = _("Certificate templates")
    menu_order = 230
    add_to_admin_menu = True
    add_view_class = CertificateTemplateCreateView
    edit_view_class = CertificateTemplateEditView
    list_display = [
        "name",
        BooleanColumn("is_default", label=_("Site default")),
        "orientation",
        "page_size",
        DateColumn("updated_at", label=_("Updated")),
        Column("preview", label=_("Preview"), accessor=_preview_link),
    ]
    search_fields = ["name", "heading"]
    search_backend_name = None
    ordering = ["-is_default", "name"]
    # A copy would carry the original's signatories in its inline forms.
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("is_default"),
            FieldRowPanel([FieldPanel("orientation"), FieldPanel("page_size")]),
            MultiFieldPanel(
                [
                    FieldPanel("heading"),
                    FieldPanel("body"),
                    FieldPanel("footer"),
                ],
                heading=_("Text"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("background"),
                    FieldPanel(
                        "logos",
                        widget=forms.CheckboxSelectMultiple,
                        help_text=_("Shown side by side above the heading."),
                    ),
                ],
                heading=_("Images"),
            ),
            InlinePanel(
                "signatories",
                heading=_("Signatories"),
                label=_("Signatory"),
                panels=[FieldPanel("name"), FieldPanel("role"), FieldPanel("signature")],
            ),
            HelpPanel(
                content=_(
                    "The certificate also prints a QR code, the address where anyone can "
                    "verify it and its reference. After saving, “Preview” shows the "
                    "certificate filled with sample data."
                )
            ),
        ],
        base_form_class=CertificateTemplateForm,
    )

    def get_queryset(self, request):
        return CertificateTemplate.objects.all()

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/vista-previa/", preview, name="preview"),
        ]


certificate_template_viewset = CertificateTemplateViewSet("certificate_templates")
