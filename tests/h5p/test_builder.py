"""Aula's own H5P content type, Aula.Question 1.0, and the packages built with it."""

import io
import json
import re
import shutil
import subprocess
import zipfile

import pytest

from courses.h5p.builder import (
    LIBRARY_DIR,
    LIBRARY_FOLDER,
    REMOVE,
    build_package,
    library_files,
)
from courses.h5p.package import PackageError, inspect_package

QUESTION_JS = (LIBRARY_DIR / "question.js").read_text()
QUESTION_CSS = (LIBRARY_DIR / "question.css").read_text()


def build(**kwargs) -> bytes:
    kwargs.setdefault("title", "Actores del PDOT")
    kwargs.setdefault("question", "¿Quién aprueba el PDOT?")
    kwargs.setdefault("options", [("El concejo municipal", True), ("La prefectura", False)])
    return build_package(**kwargs)


def read(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(name)


def names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.namelist()


def test_built_package_round_trips_through_inspection():
    data = build()

    info = inspect_package(io.BytesIO(data))

    assert info.title == "Actores del PDOT"
    assert info.main_library == "Aula.Question 1.0"
    assert info.libraries == [LIBRARY_FOLDER]
    assert info.embed_types == ["iframe"]
    assert json.loads(read(data, "content/content.json")) == {
        "question": "¿Quién aprueba el PDOT?",
        "options": [
            {"text": "El concejo municipal", "correct": True},
            {"text": "La prefectura", "correct": False},
        ],
    }


def test_options_may_be_dicts_as_the_demo_writes_them():
    options = [
        {"text": "Sí", "correct": True, "feedback": "Bien."},
        {"text": "No", "correct": False, "feedback": ""},
    ]

    content = json.loads(read(build(options=options), "content/content.json"))

    assert content["options"] == [{"text": "Sí", "correct": True}, {"text": "No", "correct": False}]


def test_library_json_describes_the_content_type():
    library = json.loads(read(build(), f"{LIBRARY_FOLDER}/library.json"))

    assert (library["machineName"], library["majorVersion"], library["minorVersion"]) == (
        "Aula.Question",
        1,
        0,
    )
    assert library["runnable"] == 1
    assert library["preloadedJs"] == [{"path": "question.js"}]
    assert library["preloadedCss"] == [{"path": "question.css"}]
    assert library["license"] == "MIT"
    assert "preloadedDependencies" not in library


def test_package_holds_the_library_files_unchanged():
    data = build()

    for name, body in library_files().items():
        assert read(data, name) == body
    assert sorted(names(data)) == sorted(
        [
            "h5p.json",
            "content/content.json",
            f"{LIBRARY_FOLDER}/library.json",
            f"{LIBRARY_FOLDER}/question.js",
            f"{LIBRARY_FOLDER}/question.css",
        ]
    )


def test_without_the_library_the_package_cannot_be_played():
    data = build(include_library=False)

    assert not any(name.startswith(LIBRARY_FOLDER) for name in names(data))
    with pytest.raises(PackageError) as caught:
        inspect_package(io.BytesIO(data))
    assert caught.value.code == "no_libraries"


def test_overrides_change_or_drop_h5p_json_keys():
    data = build(h5p_json_overrides={"language": "en", "license": REMOVE})

    h5p_json = json.loads(read(data, "h5p.json"))

    assert h5p_json["language"] == "en"
    assert "license" not in h5p_json


def test_extra_files_are_added_or_replace_as_given():
    data = build(extra_files={"content/mapa.png": b"\x89PNG", "content/content.json": b"{}"})

    assert read(data, "content/mapa.png") == b"\x89PNG"
    assert read(data, "content/content.json") == b"{}"


def test_same_input_builds_the_same_bytes():
    assert build() == build()


def test_script_treats_parameters_as_text():
    code = re.sub(r"/\*.*?\*/", "", QUESTION_JS, flags=re.DOTALL)

    for unsafe in (
        "eval(",
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "new Function",
    ):
        assert unsafe not in code
    assert ".html(" not in code
    assert "textContent" in code


def test_library_files_carry_the_licence_notice():
    assert "Part of Aula. MIT License" in QUESTION_JS
    assert "Part of Aula. MIT License" in QUESTION_CSS


def test_script_registers_the_constructor_h5p_looks_up():
    # H5P finds the constructor by walking the machine name: window.Aula.Question.
    assert "window.Aula = window.Aula || {}" in QUESTION_JS
    assert "Aula.Question = Question" in QUESTION_JS


NODE = shutil.which("node")

HARNESS = r"""
// A minimal DOM and H5P runtime, enough to drive the content type.
function Node(tag) {
  var self = this;
  this.tagName = tag; this.children = []; this.attributes = {}; this.listeners = {};
  this.className = ''; this.textContent = '';
  this.classList = {add: function (name) { self.className = (self.className + ' ' + name).trim(); }};
}
Node.prototype.appendChild = function (child) { this.children.push(child); return child; };
Node.prototype.removeChild = function (child) { this.children.splice(this.children.indexOf(child), 1); };
Object.defineProperty(Node.prototype, 'firstChild', {get: function () { return this.children[0] || null; }});
Node.prototype.setAttribute = function (key, value) { this.attributes[key] = String(value); };
Node.prototype.addEventListener = function (type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); };
Node.prototype.fire = function (type) { (this.listeners[type] || []).forEach(function (fn) { fn(); }); };
function find(node, test, found) {
  found = found || [];
  if (test(node)) { found.push(node); }
  node.children.forEach(function (child) { find(child, test, found); });
  return found;
}
global.window = global;
global.document = {createElement: function (tag) { return new Node(tag); }};
var triggered = [];
function EventDispatcher() { this.dispatcherReady = true; }
EventDispatcher.prototype.trigger = function (event) { triggered.push(event); };
EventDispatcher.prototype.createXAPIEventTemplate = function (verb) {
  return {verb: verb, setScoredResult: function (score, max, instance, completion, success) {
    this.result = {score: score, max: max, completion: completion, success: success};
  }};
};
global.H5P = {EventDispatcher: EventDispatcher};
require(process.argv[2]);

var params = JSON.parse(process.argv[3]);
var root = new Node('div');
var question = new window.Aula.Question(params, 7, {previousState: {selected: 1}});
question.attach({get: function () { return root; }});
var radios = find(root, function (n) { return n.tagName === 'input'; });
var legend = find(root, function (n) { return n.tagName === 'legend'; })[0];
var button = find(root, function (n) { return n.tagName === 'button'; })[0];
var restored = radios.map(function (r) { return r.checked; });
button.fire('click');
var afterWrong = {feedback: question.feedback.textContent, score: question.getScore()};
radios[0].fire('change');
button.fire('click');
console.log(JSON.stringify({
  inherits: question instanceof EventDispatcher && question.dispatcherReady === true,
  legend: legend.textContent,
  labels: find(root, function (n) { return n.className === 'aula-question__label'; })
    .map(function (n) { return n.textContent; }),
  button: button.textContent,
  restored: restored,
  afterWrong: afterWrong,
  feedback: question.feedback.textContent,
  state: question.getCurrentState(),
  score: question.getScore(),
  max: question.getMaxScore(),
  statements: triggered.filter(function (e) { return e.verb; })
    .map(function (e) { return {verb: e.verb, result: e.result}; }),
  resized: triggered.filter(function (e) { return e === 'resize'; }).length
}));
"""


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
@pytest.mark.parametrize(
    ("l10n", "labels"),
    [
        (None, ("Comprobar", "Correcto", "Incorrecto")),
        ({"check": "Check", "correct": "Right", "incorrect": "Wrong"}, ("Check", "Right", "Wrong")),
    ],
)
def test_content_type_runs_scores_and_reports_xapi(l10n, labels, tmp_path):
    check, correct, incorrect = labels
    harness = tmp_path / "harness.js"
    harness.write_text(HARNESS)
    params = {
        "question": "<img src=x onerror=alert(1)> ¿Quién aprueba el PDOT?",
        "options": [
            {"text": "El concejo municipal", "correct": True},
            {"text": "<b>La prefectura</b>", "correct": False},
        ],
    }
    if l10n:
        params["l10n"] = l10n

    completed = subprocess.run(
        [NODE, str(harness), str(LIBRARY_DIR / "question.js"), json.dumps(params)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    result = json.loads(completed.stdout)

    assert result["inherits"] is True
    assert result["legend"] == params["question"]  # shown as text, never parsed as HTML
    assert result["labels"] == ["El concejo municipal", "<b>La prefectura</b>"]
    assert result["button"] == check
    assert result["restored"] == [False, True]
    assert result["afterWrong"] == {"feedback": incorrect, "score": 0}
    assert result["feedback"] == correct
    assert result["state"] == {"selected": 0}
    assert (result["score"], result["max"]) == (1, 1)
    assert result["statements"] == [
        {
            "verb": "answered",
            "result": {"score": 0, "max": 1, "completion": True, "success": False},
        },
        {
            "verb": "answered",
            "result": {"score": 1, "max": 1, "completion": True, "success": True},
        },
    ]
    assert result["resized"] == 2
