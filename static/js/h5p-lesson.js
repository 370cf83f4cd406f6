/*
 * H5P activities in a lesson: each plays in a sandboxed frame, loaded when it
 * comes into view, one at a time, so a lesson with several stays light on a
 * phone. Messages are accepted only from an activity's own frame. Results are
 * queued on the device, sent with the session and CSRF token, retried while
 * offline, and flushed with sendBeacon when the page is hidden.
 */
(function () {
  "use strict";

  var figures = [].slice.call(document.querySelectorAll("[data-h5p-activity]"));
  var data = document.getElementById("h5p-players");
  if (!figures.length) {
    return;
  }
  var players = data ? JSON.parse(data.textContent) : null;
  var SANDBOX = "allow-scripts allow-popups allow-popups-to-escape-sandbox allow-downloads";
  var QUEUE_PREFIX = "aula-h5p-queue:";
  var MAX_QUEUE = 100;
  var loaded = [];
  var waiting = [];
  var loading = false;

  function text(figure, name, values) {
    var label = figure.getAttribute("data-label-" + name) || "";
    Object.keys(values || {}).forEach(function (key) {
      label = label.replace("{" + key + "}", values[key]);
    });
    return label;
  }

  function status(figure, message) {
    figure.querySelector("[data-h5p-status]").textContent = message;
  }

  function showBest(figure, best) {
    if (!best || best.raw === null || best.raw === undefined) {
      return;
    }
    var message = text(figure, "best", { raw: best.raw, max: best.max });
    if (best.passed) {
      message += " " + text(figure, "passed");
    }
    status(figure, message);
  }

  // --- Loading, one frame at a time -------------------------------------------

  function load(figure) {
    if (figure.h5pQueued) {
      return;
    }
    figure.h5pQueued = true;
    playerFor(figure).then(function (url) {
      figure.h5pPlayer = url;
      waiting.push(figure);
      next();
    });
  }

  // Offline, the player's address this phone has kept (a course download, or the last
  // time it played here): the frame's page comes from the browser's cache.
  function playerFor(figure) {
    var store = window.AulaStore;
    if (navigator.onLine !== false || !store) {
      return Promise.resolve(figure.h5p.player);
    }
    var wanted = store.h5pKey(figure.h5p.player);
    return store.meta("h5p-player:" + figure.getAttribute("data-h5p-activity")).then(function (kept) {
      return kept && store.h5pKey(kept) === wanted ? kept : figure.h5p.player;
    }).catch(function () { return figure.h5p.player; });
  }

  function next() {
    if (loading || !waiting.length) {
      return;
    }
    loading = true;
    var figure = waiting.shift();
    var frame = document.createElement("iframe");
    frame.setAttribute("sandbox", SANDBOX);
    frame.setAttribute("title", figure.getAttribute("data-h5p-title"));
    frame.setAttribute("referrerpolicy", "no-referrer");
    frame.className = "h5p-activity__frame";
    // Without a connection, the player asks this page for its files (offline_bridge.js).
    frame.src = (figure.h5pPlayer || figure.h5p.player) + (navigator.onLine === false ? "#sin-conexion" : "");
    var slot = figure.querySelector("[data-h5p-slot]");
    var button = slot.querySelector("[data-h5p-open]");
    // Tabbing to the button scrolls it into view, which loads the activity: hiding the
    // focused button would drop the focus to the page, and the next Tab would skip the
    // activity. The slot keeps it instead, so the next Tab goes into the activity.
    var hadFocus = button && document.activeElement === button;
    if (button) {
      button.hidden = true;
    }
    slot.appendChild(frame);
    if (hadFocus) {
      slot.tabIndex = -1;
      slot.focus();
    }
    figure.h5pFrame = frame;
    loaded.push(figure);
    var finished = false;
    figure.h5pReady = function () {
      if (!finished) {
        finished = true;
        loading = false;
        next();
      }
    };
    // A package that never says it is ready must not hold the others back.
    frame.addEventListener("load", function () {
      setTimeout(figure.h5pReady, 4000);
    });
  }

  // --- Results: queued on the device until the server has them -----------------

  function queueKey(figure) {
    return QUEUE_PREFIX + figure.h5p.results;
  }

  function readQueue(figure) {
    try {
      return JSON.parse(localStorage.getItem(queueKey(figure)) || "[]");
    } catch (error) {
      return [];
    }
  }

  function writeQueue(figure, items) {
    try {
      if (items.length) {
        localStorage.setItem(queueKey(figure), JSON.stringify(items.slice(-MAX_QUEUE)));
      } else {
        localStorage.removeItem(queueKey(figure));
      }
    } catch (error) {
      figure.h5pMemoryQueue = items;
    }
  }

  function flush(figure) {
    if (!figure.h5p.results || figure.h5pSending) {
      return;
    }
    var batch = readQueue(figure);
    if (!batch.length) {
      return;
    }
    figure.h5pSending = true;
    status(figure, text(figure, "saving"));
    fetch(figure.h5p.results, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRFToken": players.csrf,
        // Named in the list of changes waiting to be sent, if the service worker keeps it.
        "X-Aula-Label": encodeURIComponent(document.title.split(" · ")[0])
      },
      body: JSON.stringify({ statements: batch })
    }).then(function (response) {
      figure.h5pSending = false;
      if (response.status === 429 || response.status >= 500) {
        throw new Error("retry");
      }
      // Sent, kept by the service worker to send later, or refused for good: those
      // statements leave this queue either way.
      writeQueue(figure, readQueue(figure).slice(batch.length));
      figure.h5pDelay = 0;
      return response.json().then(function (body) {
        if (body.queued) {
          status(figure, text(figure, "waiting"));
        }
        showBest(figure, body.best);
        flush(figure);
      });
    }).catch(function () {
      figure.h5pSending = false;
      status(figure, text(figure, "waiting"));
      figure.h5pDelay = Math.min((figure.h5pDelay || 1000) * 2, 60000);
      setTimeout(function () { flush(figure); }, figure.h5pDelay);
    });
  }

  function beacon(figure) {
    var batch = readQueue(figure);
    if (!batch.length || !navigator.sendBeacon || navigator.onLine === false) {
      return;
    }
    var form = new URLSearchParams();
    form.append("csrfmiddlewaretoken", players.csrf);
    form.append("payload", JSON.stringify({ statements: batch }));
    if (navigator.sendBeacon(figure.h5p.results, form)) {
      writeQueue(figure, []);
    }
  }

  var stateTimers = {};
  function saveState(figure, state) {
    var url = figure.h5p.state;
    clearTimeout(stateTimers[url]);
    stateTimers[url] = setTimeout(function () {
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": players.csrf },
        body: JSON.stringify({ state: state })
      }).catch(function () { /* the next change sends it again */ });
    }, 2000);
  }

  window.addEventListener("message", function (event) {
    var figure = null;
    for (var i = 0; i < loaded.length; i++) {
      if (loaded[i].h5pFrame && loaded[i].h5pFrame.contentWindow === event.source) {
        figure = loaded[i];
      }
    }
    var message = event.data;
    if (!figure || !message || message.type !== "aula-h5p") {
      return;
    }
    if (message.kind === "height") {
      var height = Math.max(120, Math.min(Number(message.height) || 0, 4000));
      figure.h5pFrame.style.height = height + "px";
    } else if (message.kind === "ready") {
      figure.h5pReady();
      if (navigator.onLine !== false && window.AulaStore) {
        window.AulaStore.setMeta("h5p-player:" + figure.getAttribute("data-h5p-activity"), figure.h5pFrame.src)
          .catch(function () { return null; });
      }
    } else if (message.kind === "error") {
      status(figure, text(figure, "error"));
      figure.h5pReady();
    } else if (message.kind === "xapi" && figure.h5p.results && message.statement) {
      var items = readQueue(figure);
      var statement = message.statement;
      if (statement && typeof statement === "object" && !statement.id && window.AulaStore) {
        // Its own id, so that sending it twice (a lost answer, a resend) counts once.
        statement.id = window.AulaStore.newId();
      }
      items.push(statement);
      writeQueue(figure, items);
      flush(figure);
    } else if (message.kind === "file" && typeof message.url === "string") {
      sendFile(figure, message);
    } else if (message.kind === "state" && figure.h5p.state && typeof message.state === "string") {
      if (message.state.length <= 60000) {
        saveState(figure, message.state);
      }
    }
  });

  // --- The frame's files, through this page (templates/lms/h5p/offline_bridge.js) -----

  var staticPrefix = (document.currentScript && document.currentScript.src || "").replace(/js\/h5p-lesson[^/]*$/, "");

  // Only public files: the site's static files and the package files of activities,
  // never a page about a person.
  function sendFile(figure, message) {
    var url;
    try {
      url = new URL(message.url, location.href);
    } catch (error) {
      url = null;
    }
    var key = url && window.AulaStore ? window.AulaStore.h5pKey(url.href) : null;
    var allowed = url && url.origin === location.origin && (
      (staticPrefix && url.href.indexOf(staticPrefix) === 0) || (key && key.indexOf("/archivos/") !== -1)
    );
    function reply(answer) {
      answer.type = "aula-h5p-file";
      answer.id = message.id;
      figure.h5pFrame.contentWindow.postMessage(answer, "*");
    }
    if (!allowed) {
      reply({ ok: false });
      return;
    }
    reply({ working: true });
    // Through the service worker, which answers from the phone when it can (older
    // versioned names and downloaded courses included) and keeps what it fetches.
    fetch(url.href, { credentials: "omit" }).then(function (response) {
      if (!response.ok) {
        reply({ ok: false });
        return null;
      }
      var type = response.headers.get("Content-Type") || "";
      return (message.as === "blob" ? response.blob() : response.text()).then(function (body) {
        reply({ ok: true, body: body, contentType: type });
      });
    }).catch(function () { reply({ ok: false }); });
  }

  // --- Start --------------------------------------------------------------------

  var observer = window.IntersectionObserver
    ? new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          observer.unobserve(entry.target);
          load(entry.target);
        }
      });
    }, { rootMargin: "200px 0px" })
    : null;

  figures.forEach(function (figure) {
    var config = players && players.activities[figure.getAttribute("data-h5p-activity")];
    if (!config) {
      figure.querySelector("[data-h5p-unavailable]").hidden = false;
      return;
    }
    figure.h5p = config;
    showBest(figure, config.best);
    var button = figure.querySelector("[data-h5p-open]");
    button.hidden = false;
    button.addEventListener("click", function () { load(figure); });
    if (observer) {
      observer.observe(figure);
    }
    flush(figure);  // anything left from an earlier visit
  });

  window.addEventListener("online", function () {
    loaded.forEach(flush);
  });
  function leaving() {
    figures.forEach(function (figure) {
      if (figure.h5p && figure.h5p.results && !figure.h5pSending) {
        beacon(figure);
      }
    });
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      leaving();
    }
  });
  window.addEventListener("pagehide", leaving);
})();
