"""Grading quiz answers on the server, and the question as the participant may see it.

Works on the raw StreamField data of a question (as snapshotted in an
attempt), so a quiz edited later never changes how a past attempt reads or
grades. Every grade is a fraction of one point in [0, 1].
"""

import random
import unicodedata


def normalise_text(text: str) -> str:
    """Case, accents and spacing do not matter in short answers."""
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())


def _items(raw_list):
    """ListBlock items as (id, value), for both the current and the old storage format."""
    for index, item in enumerate(raw_list or []):
        if isinstance(item, dict) and "value" in item and "type" in item:
            yield item.get("id") or str(index), item["value"]
        else:
            yield str(index), item


def _as_list(answer):
    if answer is None:
        return []
    return [str(a) for a in answer] if isinstance(answer, list) else [str(answer)]


def grade(question: dict, answer) -> float:
    """How much of the point this answer earns."""
    kind, value = question["type"], question["value"]
    if kind == "single_choice":
        correct = {option_id for option_id, option in _items(value["options"]) if option["correct"]}
        return 1.0 if _as_list(answer) and set(_as_list(answer)[:1]) == correct else 0.0
    if kind == "multiple_choice":
        options = dict(_items(value["options"]))
        chosen = set(_as_list(answer)) & set(options)
        correct = {option_id for option_id, option in options.items() if option["correct"]}
        if not value.get("partial_credit"):
            return 1.0 if chosen == correct else 0.0
        right = len(chosen & correct) - len(chosen - correct)
        return max(0.0, right / len(correct))
    if kind == "true_false":
        return 1.0 if _as_list(answer)[:1] == [value["answer"]] else 0.0
    if kind == "short_answer":
        accepted = {normalise_text(text) for _, text in _items(value["accepted_answers"])}
        given = _as_list(answer)
        return 1.0 if given and normalise_text(given[0]) in accepted else 0.0
    if kind == "matching":
        pairs = dict(_items(value["pairs"]))
        given = answer if isinstance(answer, dict) else {}
        right = sum(1 for pair_id in pairs if str(given.get(pair_id, "")) == pair_id)
        return right / len(pairs) if pairs else 0.0
    if kind == "ordering":
        correct = [item_id for item_id, _ in _items(value["items"])]
        return 1.0 if _as_list(answer) == correct else 0.0
    raise ValueError(f"Unknown question type {kind!r}")


def public_question(question: dict, *, seed: str, shuffle: bool) -> dict:
    """What the browser may know before the attempt is submitted: no correct flags, no feedback.

    Options are shuffled with a seed stored in the attempt, so the order stays the
    same when the participant comes back. Matching answers on the right and
    ordering items are always shuffled: in tree order they would give the answer away.
    """
    kind, value = question["type"], question["value"]
    rng = random.Random(f"{seed}:{question['id']}")  # noqa: S311 - presentation order, not security  # nosec B311
    public = {"id": question["id"], "type": kind, "prompt": value["prompt"]}
    if kind in ("single_choice", "multiple_choice"):
        options = [
            {"id": option_id, "text": option["text"]}
            for option_id, option in _items(value["options"])
        ]
        if shuffle:
            rng.shuffle(options)
        public["options"] = options
    elif kind == "matching":
        pairs = list(_items(value["pairs"]))
        public["items"] = [{"id": pair_id, "text": pair["left"]} for pair_id, pair in pairs]
        choices = [{"id": pair_id, "text": pair["right"]} for pair_id, pair in pairs]
        rng.shuffle(choices)
        public["choices"] = choices
    elif kind == "ordering":
        items = [{"id": item_id, "text": text} for item_id, text in _items(value["items"])]
        while len(items) > 1 and [i["id"] for i in items] == [i for i, _ in _items(value["items"])]:
            rng.shuffle(items)
        public["items"] = items
    return public


def review(question: dict, answer) -> dict:
    """After submission: the correct answer and the feedback, for quizzes that show them."""
    kind, value = question["type"], question["value"]
    result = {
        "id": question["id"],
        "score": grade(question, answer),
        "feedback": value.get("feedback", ""),
    }
    if kind in ("single_choice", "multiple_choice"):
        chosen = set(_as_list(answer))
        result["options"] = [
            {
                "id": option_id,
                "text": option["text"],
                "correct": option["correct"],
                "chosen": option_id in chosen,
                "feedback": option.get("feedback", "") if option_id in chosen else "",
            }
            for option_id, option in _items(value["options"])
        ]
    elif kind == "true_false":
        result["correct_answer"] = value["answer"]
    elif kind == "short_answer":
        result["correct_answer"] = next((text for _, text in _items(value["accepted_answers"])), "")
    elif kind == "matching":
        result["pairs"] = [
            {"left": pair["left"], "right": pair["right"]} for _, pair in _items(value["pairs"])
        ]
    elif kind == "ordering":
        result["items"] = [text for _, text in _items(value["items"])]
    return result
