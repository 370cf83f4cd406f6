/* Quiz attempts: keep every answer on the phone at once and on the server soon after.
 *
 * Officials answer on phones over slow links that drop. Each change is written
 * to localStorage straight away and sent to the server about a second later
 * (and when the page is hidden or closed, with keepalive), so a dropped
 * connection, a closed tab or a flat battery loses nothing. When the page
 * loads, answers on the phone that the server never confirmed are put back.
 * Without JavaScript the form still saves and submits as a normal form.
 */
(function () {
  "use strict";

  var PREFIX = "aula:quiz:";
  var DEBOUNCE_MS = 1000;
  var MAX_RETRY_MS = 60000;

  function storage() {
    try {
      var probe = PREFIX + "probe";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (error) {
      return null; // private mode or storage full: the server copy still works
    }
  }

  var store = storage();

  // The result page forgets the copy kept on the phone: the attempt is closed.
  var done = document.querySelector("[data-quiz-clear]");
  if (done && store) {
    store.removeItem(PREFIX + done.getAttribute("data-quiz-clear"));
  }

  var form = document.querySelector("[data-quiz-form]");
  if (!form || !window.fetch || !window.JSON) {
    return;
  }

  var key = PREFIX + form.getAttribute("data-attempt");
  var saveUrl = form.getAttribute("data-save-url");
  var resultUrl = form.getAttribute("data-result-url");
  var serverSavedAt = Number(form.getAttribute("data-saved-at") || 0) * 1000;
  var status = document.querySelector("[data-quiz-status]");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");

  var timer = null;
  var retryMs = 5000;
  var inFlight = false;
  var dirty = false; // changes the server has not confirmed
  var version = 0; // bumps on every change, to know what a response confirmed
  var submitting = false;
  var closed = false;

  function say(name) {
    if (!status) {
      return;
    }
    status.textContent = status.getAttribute("data-" + name) || "";
    status.setAttribute("data-state", name);
  }

  function collect() {
    var fields = {};
    var data = new FormData(form);
    data.forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken") {
        return;
      }
      (fields[name] = fields[name] || []).push(String(value));
    });
    return fields;
  }

  function apply(fields) {
    Array.prototype.forEach.call(form.elements, function (element) {
      var name = element.name;
      if (!name || name === "csrfmiddlewaretoken" || element.type === "hidden" || element.type === "submit") {
        return;
      }
      var values = fields[name] || [];
      if (element.type === "radio" || element.type === "checkbox") {
        element.checked = values.indexOf(element.value) !== -1;
      } else {
        element.value = values.length ? values[0] : "";
      }
    });
  }

  function readLocal() {
    if (!store) {
      return null;
    }
    try {
      return JSON.parse(store.getItem(key) || "null");
    } catch (error) {
      return null;
    }
  }

  function writeLocal() {
    if (!store) {
      return;
    }
    try {
      store.setItem(key, JSON.stringify({ fields: collect(), changedAt: Date.now(), dirty: dirty }));
    } catch (error) {
      /* storage full: the server copy still works */
    }
  }

  function markClean() {
    var local = readLocal();
    if (local && store) {
      local.dirty = false;
      try {
        store.setItem(key, JSON.stringify(local));
      } catch (error) {
        /* ignore */
      }
    }
  }

  function schedule(ms) {
    window.clearTimeout(timer);
    timer = window.setTimeout(save, ms);
  }

  function retryLater() {
    schedule(retryMs);
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  }

  function save(options) {
    window.clearTimeout(timer);
    if (!dirty || closed || submitting) {
      return;
    }
    var keepalive = Boolean(options && options.keepalive);
    if (inFlight && !keepalive) {
      schedule(DEBOUNCE_MS);
      return;
    }
    if (navigator.onLine === false) {
      say("offline");
      return; // the "online" event sends them
    }
    var sent = version;
    inFlight = true;
    say("saving");
    fetch(saveUrl, {
      method: "POST",
      credentials: "same-origin",
      keepalive: keepalive,
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrf ? csrf.value : "",
      },
      body: JSON.stringify({ fields: collect() }),
    })
      .then(function (response) {
        inFlight = false;
        if (response.ok) {
          retryMs = 5000;
          if (sent === version) {
            dirty = false;
            markClean();
            say("saved");
          } else {
            schedule(DEBOUNCE_MS);
          }
        } else if (response.status === 409) {
          // Submitted from another tab or phone: nothing left to save here.
          closed = true;
          say("closed");
          if (store) {
            store.removeItem(key);
          }
          window.location.assign(resultUrl);
        } else if (response.status === 401 || response.status === 403) {
          // Logged out, or a new login elsewhere changed the form's token: reloading
          // the page (after logging in) restores these answers from the phone.
          say("login");
        } else if (response.status === 404) {
          say("failed");
        } else {
          say("failed");
          retryLater();
        }
      })
      .catch(function () {
        inFlight = false;
        say(navigator.onLine === false ? "offline" : "failed");
        retryLater();
      });
  }

  function changed() {
    if (closed) {
      return;
    }
    dirty = true;
    version += 1;
    writeLocal();
    schedule(DEBOUNCE_MS);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  form.addEventListener("submit", function (event) {
    var saving = event.submitter && event.submitter.hasAttribute("formaction");
    var worker = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (navigator.onLine === false && (saving || !worker)) {
      // The browser would show an error page; keep the person on their answers instead.
      // (With the service worker, a submission goes ahead: it is kept and sent later.)
      event.preventDefault();
      writeLocal();
      say(saving ? "offline" : "offline-submit");
      return;
    }
    // The form posts every answer itself; a save arriving afterwards would only get a 409.
    writeLocal();
    submitting = true;
    window.clearTimeout(timer);
  });

  function flush() {
    if (dirty && !submitting) {
      save({ keepalive: true });
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      flush();
    }
  });
  window.addEventListener("pagehide", flush);
  window.addEventListener("online", function () {
    retryMs = 5000;
    if (dirty) {
      save();
    }
  });
  window.addEventListener("offline", function () {
    if (dirty) {
      say("offline");
    }
  });
  // Coming back to the page from the browser's history keeps a page that may
  // have stopped submitting; let it save again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      submitting = false;
    }
  });

  // Answers on this phone that the server never confirmed, newer than the server's copy.
  var local = readLocal();
  if (local && local.dirty && local.fields && local.changedAt > serverSavedAt) {
    apply(local.fields);
    dirty = true;
    version += 1;
    say("restored");
    schedule(0);
  }
})();
