from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import Tag, TaggedItemBase
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageViewRestriction
from wagtail.search import index

from cms.blocks import INLINE_FEATURES, ContentBlock

TOOLKIT_PAGE_SIZE = 12


def tags_used_by(pages, tagged_items: str):
    """The tags of these pages, for a listing's tag filter (`tagged_items`: the through model's lookup)."""
    return (
        Tag.objects.filter(**{f"{tagged_items}__content_object__in": pages})
        .distinct()
        .order_by("name")
    )


class SitePage(Page):
    """Base of every page type: knows its ancestors and restrictions when the router did."""

    # The form of a password-protected page, inside the site (Wagtail's is a bare page).
    password_required_template = "cms/password_required.html"  # noqa: S105 - a template  # nosec B105

    class Meta:
        abstract = True

    def get_view_restrictions(self):
        # cms.routing checked this page and its ancestors in the routing query.
        if getattr(self, "_route_restricted", None) is False:
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()

    def get_breadcrumb_ancestors(self):
        """Ancestors from the home page down, without extra queries after routing."""
        ancestors = getattr(self, "_route_ancestors", None)
        if ancestors is None:
            ancestors = list(self.get_ancestors().filter(depth__gt=1))
        return [page for page in ancestors if page.depth > 1]


class HomePage(SitePage):
    welcome_title = models.CharField(_("welcome title"), max_length=200)
    welcome_text = RichTextField(_("welcome text"), features=INLINE_FEATURES)
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("welcome image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    call_to_action_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("button links to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    call_to_action_label = models.CharField(_("button text"), max_length=60, blank=True)
    featured_title = models.CharField(
        _("featured section title"), max_length=200, default="Módulos destacados"
    )
    featured = StreamField(
        [
            (
                "page",
                blocks.PageChooserBlock(
                    label=_("Page"),
                    page_type=["cms.ToolkitPage", "cms.StandardPage", "courses.CoursePage"],
                ),
            )
        ],
        verbose_name=_("featured pages"),
        blank=True,
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("welcome_title"),
                FieldPanel("welcome_text"),
                FieldPanel("hero_image"),
                FieldPanel("call_to_action_page"),
                FieldPanel("call_to_action_label"),
            ],
            heading=_("Welcome"),
        ),
        FieldPanel("featured_title"),
        FieldPanel("featured"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("welcome_text")]

    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_featured_pages(self):
        """Featured pages in the editor's order, fetched in one query per page type."""
        ids = [block["value"] for block in self.featured.raw_data if block["type"] == "page"]
        pages = Page.objects.live().public().filter(id__in=ids).specific().in_bulk()
        return [pages[page_id] for page_id in ids if page_id in pages]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["featured_pages"] = self.get_featured_pages()
        return context


class StandardPage(SitePage):
    intro = models.TextField(_("introduction"), blank=True, max_length=600)
    body = StreamField(ContentBlock(), verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types = ["cms.StandardPage"]

    class Meta:
        verbose_name = _("standard page")

    @property
    def summary(self):
        return self.search_description or self.intro


class ToolkitIndexPage(SitePage):
    intro = RichTextField(_("introduction"), features=INLINE_FEATURES, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ToolkitPage"]

    class Meta:
        verbose_name = _("toolkit index")

    def modules(self):
        return ToolkitPage.objects.child_of(self).live().public().order_by("path")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        modules = self.modules()
        tags = tags_used_by(modules, "cms_toolkitpagetag_items")
        active_tag = request.GET.get("etiqueta", "")
        if active_tag:
            modules = modules.filter(tags__slug=active_tag)
        paginator = Paginator(modules, TOOLKIT_PAGE_SIZE)
        try:
            page_obj = paginator.page(request.GET.get("pagina", 1))
        except PageNotAnInteger:
            page_obj = paginator.page(1)
        except EmptyPage:
            page_obj = paginator.page(paginator.num_pages)
        context.update(modules=page_obj, tags=tags, active_tag=active_tag)
        return context


class ToolkitPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "cms.ToolkitPage", related_name="tagged_items", on_delete=models.CASCADE
    )


class ToolkitPage(SitePage):
    summary = models.TextField(
        _("summary"),
        max_length=400,
        help_text=_("One or two sentences shown on cards and in search results."),
    )
    reading_minutes = models.PositiveSmallIntegerField(
        _("reading time (minutes)"), null=True, blank=True
    )
    body = StreamField(ContentBlock(), verbose_name=_("body"))
    tags = ClusterTaggableManager(through=ToolkitPageTag, blank=True, verbose_name=_("tags"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("reading_minutes"),
        FieldPanel("body"),
    ]
    promote_panels = [*Page.promote_panels, FieldPanel("tags")]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.RelatedFields("tags", [index.SearchField("name")]),
    ]

    parent_page_types = ["cms.ToolkitIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("toolkit module")
        verbose_name_plural = _("toolkit modules")


@register_setting(icon="site")
class SiteSettings(BaseSiteSetting):
    iom_name = models.CharField(
        _("IOM name"),
        max_length=200,
        default="Organización Internacional para las Migraciones (OIM)",
    )
    iom_logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("IOM logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ame_name = models.CharField(
        _("AME name"), max_length=200, default="Asociación de Municipalidades Ecuatorianas (AME)"
    )
    ame_logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("AME logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    footer_text = models.TextField(_("footer text"), blank=True, max_length=600)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    privacy_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("privacy notice"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    privacy_notice_version = models.CharField(
        _("privacy notice version"),
        max_length=20,
        default="1",
        help_text=_(
            "Change it when the privacy notice changes in substance: every participant "
            "will be asked to accept the new version at their next visit."
        ),
    )

    select_related = ["iom_logo", "ame_logo", "privacy_page"]

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("iom_name"),
                FieldPanel("iom_logo"),
                FieldPanel("ame_name"),
                FieldPanel("ame_logo"),
            ],
            heading=_("Organisations"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("footer_text"),
                FieldPanel("contact_email"),
                FieldPanel("contact_phone"),
                FieldPanel("privacy_page"),
                FieldPanel("privacy_notice_version"),
            ],
            heading=_("Footer and contact"),
        ),
    ]

    class Meta:
        verbose_name = _("site settings")
