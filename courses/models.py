"""Learning content: the course catalogue, courses and their steps (lessons and quizzes).

A course's steps are its child pages in tree order. Everything a participant
does with them is recorded in lms; nothing here stores anything per person.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from cms.blocks import INLINE_FEATURES
from cms.models import SitePage, tags_used_by
from courses.blocks import LessonBlock, QuestionStreamBlock


class CourseIndexPage(SitePage):
    intro = RichTextField(_("introduction"), features=INLINE_FEATURES, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["courses.CoursePage"]

    class Meta:
        verbose_name = _("course catalogue")

    def courses(self):
        return CoursePage.objects.child_of(self).live().public().order_by("path")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        courses = self.courses()
        context["tags"] = tags_used_by(courses, "courses_coursepagetag_items")
        context["active_tag"] = request.GET.get("etiqueta", "")
        context["active_level"] = request.GET.get("nivel", "")
        if context["active_tag"]:
            courses = courses.filter(tags__slug=context["active_tag"])
        if context["active_level"] in CoursePage.Level.values:
            courses = courses.filter(level=context["active_level"])
        context["courses"] = courses.select_related("cover_image")
        context["levels"] = CoursePage.Level.choices
        return context


class CoursePageTag(TaggedItemBase):
    content_object = ParentalKey(
        "courses.CoursePage", related_name="tagged_items", on_delete=models.CASCADE
    )


class CoursePage(SitePage):
    class Level(models.TextChoices):
        BASIC = "basic", _("Basic")
        INTERMEDIATE = "intermediate", _("Intermediate")
        ADVANCED = "advanced", _("Advanced")

    summary = models.TextField(_("summary"), max_length=600)
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("cover image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    estimated_hours = models.PositiveSmallIntegerField(_("estimated hours"), default=1)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, default=Level.BASIC)
    tags = ClusterTaggableManager(through=CoursePageTag, blank=True, verbose_name=_("tags"))
    self_enrolment = models.BooleanField(
        _("open to self-enrolment"),
        default=True,
        help_text=_("Off: only trainers and managers enrol people or whole GADs."),
    )
    open_reading = models.BooleanField(
        _("open reading"),
        default=False,
        help_text=_(
            "Anyone may read the lessons; progress is tracked for enrolled participants only."
        ),
    )
    lessons_in_order = models.BooleanField(
        _("lessons in order"),
        default=False,
        help_text=_("A step opens when the previous required step is done."),
    )
    certificate_template = models.ForeignKey(
        "lms.CertificateTemplate",
        verbose_name=_("certificate template"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Leave empty for the site's default template."),
    )
    requires_workshop_attendance = models.BooleanField(
        _("requires attending a linked workshop"),
        default=False,
        help_text=_(
            "The course is also complete only when the participant attended a workshop linked "
            "to this course (at least the workshop's attendance threshold of its sessions)."
        ),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        InlinePanel("objectives", label=_("Learning objectives"), min_num=1),
        MultiFieldPanel(
            [FieldPanel("cover_image"), FieldPanel("estimated_hours"), FieldPanel("level")],
            heading=_("About the course"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("self_enrolment"),
                FieldPanel("open_reading"),
                FieldPanel("lessons_in_order"),
                FieldPanel("requires_workshop_attendance"),
                FieldPanel("certificate_template"),
            ],
            heading=_("Enrolment and completion"),
            help_text=_(
                "The course is complete when every required step is done; a quiz step is done "
                "when the quiz is passed."
            ),
        ),
    ]
    promote_panels = [*Page.promote_panels, FieldPanel("tags")]
    search_fields = [*Page.search_fields, index.SearchField("summary")]

    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage", "courses.QuizPage"]

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def steps(self):
        """The live steps in course order, as their specific page types."""
        return self.get_children().live().specific().order_by("path")


class CourseObjective(Orderable):
    page = ParentalKey(CoursePage, related_name="objectives", on_delete=models.CASCADE)
    text = models.CharField(_("objective"), max_length=300)

    panels = [FieldPanel("text")]


class StepPage(SitePage):
    """A lesson or quiz: a child of a course, required for completion unless marked optional."""

    required = models.BooleanField(
        _("required"),
        default=True,
        help_text=_("Required steps count towards completing the course."),
    )

    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        abstract = True

    @property
    def course(self):
        return self.get_parent().specific


class LessonPage(StepPage):
    estimated_minutes = models.PositiveSmallIntegerField(_("estimated minutes"), default=10)
    body = StreamField(LessonBlock(), verbose_name=_("body"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("estimated_minutes"), FieldPanel("required")], heading=_("Step")
        ),
    ]
    search_fields = [*Page.search_fields, index.SearchField("body")]

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")


class QuizPage(StepPage):
    class ShowAnswers(models.TextChoices):
        NEVER = "never", _("Never")
        AFTER_EACH = "after_each", _("After each attempt")
        AFTER_PASS = "after_pass", _("After passing")

    intro = RichTextField(_("instructions"), features=INLINE_FEATURES, blank=True)
    questions = StreamField(QuestionStreamBlock(), verbose_name=_("question bank"))
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=70, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts allowed"), default=0, help_text=_("0 means unlimited.")
    )
    questions_per_attempt = models.PositiveSmallIntegerField(
        _("questions per attempt"),
        default=0,
        help_text=_("Draw this many questions at random from the bank; 0 means all of them."),
    )
    shuffle_options = models.BooleanField(_("shuffle options"), default=True)
    show_answers = models.CharField(
        _("show correct answers"),
        max_length=12,
        choices=ShowAnswers.choices,
        default=ShowAnswers.AFTER_EACH,
    )
    estimated_minutes = models.PositiveSmallIntegerField(_("estimated minutes"), default=10)

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("questions"),
        MultiFieldPanel(
            [
                FieldPanel("pass_mark"),
                FieldPanel("max_attempts"),
                FieldPanel("questions_per_attempt"),
                FieldPanel("shuffle_options"),
                FieldPanel("show_answers"),
                FieldPanel("estimated_minutes"),
                FieldPanel("required"),
            ],
            heading=_("Rules"),
        ),
    ]

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")

    def question_bank(self) -> list[dict]:
        """The questions as raw data with their stable ids (what attempts snapshot)."""
        return list(self.questions.get_prep_value())


def _package_path(activity, filename: str) -> str:
    return f"h5p/packages/{activity.key}.h5p"


class H5PActivity(models.Model):
    """An uploaded H5P package, unpacked once, that lessons place with a block.

    The files live in the default storage under `h5p/content/<key>/`, served
    only through lms's sandboxed file view; the key changes whenever the package
    is replaced, so a browser never mixes files of two versions.
    """

    title = models.CharField(_("title"), max_length=255)
    package = models.FileField(_("H5P package"), upload_to=_package_path, max_length=255)
    key = models.CharField(max_length=32, unique=True, editable=False)
    main_library = models.CharField(_("main library"), max_length=255, editable=False)
    libraries = models.JSONField(_("libraries"), default=list, editable=False)
    content_title = models.CharField(_("title in the package"), max_length=255, editable=False)
    max_score = models.PositiveIntegerField(
        _("maximum score"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10_000)],
        help_text=_(
            "Results must use this maximum. Leave empty to take it from the first result "
            "recorded (yours when you preview it)."
        ),
    )
    file_count = models.PositiveIntegerField(_("files"), default=0, editable=False)
    size_bytes = models.PositiveBigIntegerField(_("size"), default=0, editable=False)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("H5P activity")
        verbose_name_plural = _("H5P activities")
        ordering = ["title"]

    def __str__(self):
        return self.title

    @property
    def files_prefix(self) -> str:
        return f"h5p/content/{self.key}"
