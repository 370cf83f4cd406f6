"""Quiz questions, authored as StreamField blocks.

Each question keeps the id Wagtail gives its block, and each option the id of
its list item, so answers and attempts refer to them however the quiz is
reordered or edited later.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.snippets.blocks import SnippetChooserBlock

from cms.blocks import ContentBlock

PROMPT_FEATURES = ["bold", "italic", "link"]
# What an H5P activity in a lesson asks before the lesson can be marked done.
H5P_OPTIONAL = "none"
H5P_COMPLETED = "completed"
H5P_PASSED = "passed"


class OptionBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Option"), max_length=300)
    correct = blocks.BooleanBlock(label=_("Correct"), required=False)
    feedback = blocks.CharBlock(label=_("Feedback for this option"), required=False, max_length=300)


class QuestionBlock(blocks.StructBlock):
    prompt = blocks.RichTextBlock(label=_("Question"), features=PROMPT_FEATURES)

    class Meta:
        abstract = True


class FeedbackMixin(blocks.StructBlock):
    feedback = blocks.TextBlock(
        label=_("General feedback"),
        required=False,
        help_text=_("Shown after the attempt, when the quiz shows answers."),
    )


def _validation_error(message):
    return blocks.StructBlockValidationError(non_block_errors=[ValidationError(message)])


class SingleChoiceBlock(QuestionBlock, FeedbackMixin):
    options = blocks.ListBlock(OptionBlock(), label=_("Options"), min_num=2)

    class Meta:
        icon = "radio-full"
        label = _("Single choice")

    def clean(self, value):
        value = super().clean(value)
        if sum(1 for option in value["options"] if option["correct"]) != 1:
            raise _validation_error(_("Mark exactly one option as correct."))
        return value


class MultipleChoiceBlock(QuestionBlock, FeedbackMixin):
    options = blocks.ListBlock(OptionBlock(), label=_("Options"), min_num=2)
    partial_credit = blocks.BooleanBlock(
        label=_("Partial credit"),
        required=False,
        help_text=_("Give part of the point for partly right answers; otherwise all or nothing."),
    )

    class Meta:
        icon = "tick-inverse"
        label = _("Multiple choice")

    def clean(self, value):
        value = super().clean(value)
        if not any(option["correct"] for option in value["options"]):
            raise _validation_error(_("Mark at least one option as correct."))
        return value


class TrueFalseBlock(QuestionBlock, FeedbackMixin):
    answer = blocks.ChoiceBlock(
        label=_("Correct answer"), choices=[("true", _("True")), ("false", _("False"))]
    )

    class Meta:
        icon = "help"
        label = _("True or false")


class ShortAnswerBlock(QuestionBlock, FeedbackMixin):
    accepted_answers = blocks.ListBlock(
        blocks.CharBlock(max_length=200),
        label=_("Accepted answers"),
        min_num=1,
        help_text=_("Case, accents and extra spaces are ignored when comparing."),
    )

    class Meta:
        icon = "edit"
        label = _("Short answer")


class PairBlock(blocks.StructBlock):
    left = blocks.CharBlock(label=_("Item"), max_length=200)
    right = blocks.CharBlock(label=_("Matches"), max_length=200)


class MatchingBlock(QuestionBlock, FeedbackMixin):
    pairs = blocks.ListBlock(PairBlock(), label=_("Pairs"), min_num=2)

    class Meta:
        icon = "link"
        label = _("Matching")


class OrderingBlock(QuestionBlock, FeedbackMixin):
    items = blocks.ListBlock(
        blocks.CharBlock(max_length=200),
        label=_("Items in the correct order"),
        min_num=2,
        help_text=_("Participants see them shuffled and put them in order."),
    )

    class Meta:
        icon = "order"
        label = _("Ordering")


class QuestionStreamBlock(blocks.StreamBlock):
    single_choice = SingleChoiceBlock()
    multiple_choice = MultipleChoiceBlock()
    true_false = TrueFalseBlock()
    short_answer = ShortAnswerBlock()
    matching = MatchingBlock()
    ordering = OrderingBlock()

    class Meta:
        label = _("Questions")
        min_num = 1


class H5PActivityBlock(blocks.StructBlock):
    """An H5P activity in a lesson: loaded on demand, played in a sandbox."""

    activity = SnippetChooserBlock("courses.H5PActivity", label=_("Activity"))
    requirement = blocks.ChoiceBlock(
        label=_("To mark the lesson done"),
        choices=[
            (H5P_OPTIONAL, _("Optional")),
            (H5P_COMPLETED, _("The activity must be completed")),
            (H5P_PASSED, _("The activity must be passed")),
        ],
        default=H5P_OPTIONAL,
    )

    class Meta:
        label = _("H5P activity")
        icon = "pick"
        template = "courses/blocks/h5p_activity.html"


class LessonBlock(ContentBlock):
    """A lesson's body: the site's content blocks plus interactive activities."""

    h5p = H5PActivityBlock()

    class Meta:
        label = _("Lesson content")


def h5p_requirements(body) -> list[tuple[int, str]]:
    """(activity id, requirement) for each H5P block of a lesson body, in order, once each."""
    seen: dict[int, str] = {}
    for block in body.raw_data:
        if block.get("type") != "h5p":
            continue
        value = block.get("value") or {}
        activity_id = value.get("activity")
        if isinstance(activity_id, int) and activity_id not in seen:
            seen[activity_id] = value.get("requirement") or H5P_OPTIONAL
    return list(seen.items())
