/* Learning offline, on the page: the worker, the offline banner, changes waiting to be
 * sent, and course downloads. Needs offline-store.js (loaded before it).
 *
 * Everything here is an addition: without a worker (an old browser, a private
 * window) the site works as before, online.
 */
(function () {
  "use strict";

  var root = document.documentElement;
  var user = root.getAttribute("data-aula-user") || "";
  var store = window.AulaStore;
  var worker = "serviceWorker" in navigator && window.isSecureContext && store;
  var banner = document.querySelector("[data-offline-banner]");

  function label(element, name, values) {
    var text = (element && element.getAttribute("data-" + name)) || "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.split("{" + key + "}").join(values[key]);
    });
    return text;
  }

  var numbers = new Intl.NumberFormat(root.lang || "es", { maximumFractionDigits: 1 });
  function size(bytes) {
    if (bytes >= 1000 * 1000) {
      return numbers.format(bytes / 1000 / 1000) + " MB";
    }
    return numbers.format(Math.max(1, Math.round(bytes / 1000))) + " KB";
  }

  // --- The worker ---------------------------------------------------------------------

  if (worker) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { return null; });
    navigator.serviceWorker.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type === "queued" || data.type === "synced" || data.type === "sync") {
        refresh(data);
      }
    });
  }

  function toWorker(message) {
    if (!worker) {
      return Promise.resolve();
    }
    return navigator.serviceWorker.ready.then(function (registration) {
      if (registration.active) {
        registration.active.postMessage(message);
      }
    });
  }

  if (user) {
    // The worker may have started after this page loaded: tell it whose page this is.
    toWorker({ type: "user", user: user });
  }

  // A page kept for everyone (the offline page, a public page shown offline) names
  // nobody: the person is the one the worker last showed pages for on this device.
  var who = user || !worker ? Promise.resolve(user) : store.meta("user").then(function (found) {
    user = found || "";
    return user;
  }).catch(function () { return ""; });

  // --- Banner and changes waiting -----------------------------------------------------

  var lastSynced = null;

  function pending() {
    return worker && user ? store.pending(user).catch(function () { return []; }) : Promise.resolve([]);
  }

  function showBanner(items) {
    if (!banner) {
      return;
    }
    var offline = navigator.onLine === false;
    var text = banner.querySelector("[data-offline-text]");
    var parts = [];
    if (offline) {
      parts.push(label(banner, "offline"));
    }
    if (items.length) {
      parts.push(label(banner, items.length === 1 ? "pending-one" : "pending-many", { count: items.length }));
    } else if (lastSynced && lastSynced.length) {
      parts.push(label(banner, "synced", { count: lastSynced.length }));
    }
    text.textContent = parts.join(" ");
    banner.hidden = !parts.length;
    banner.classList.toggle("is-offline", offline);
  }

  function markPending(items) {
    var urls = {};
    items.forEach(function (item) { urls[new URL(item.url, location.href).pathname] = item; });
    // A lesson marked done offline: its button, and its line in the course outline.
    document.querySelectorAll("form[data-offline-step]").forEach(function (form) {
      var item = urls[new URL(form.action, location.href).pathname];
      var note = form.parentNode.querySelector("[data-offline-step-pending]");
      if (item && note) {
        form.hidden = true;
        note.hidden = false;
      }
    });
    document.querySelectorAll("[data-complete-url]").forEach(function (row) {
      if (urls[row.getAttribute("data-complete-url")]) {
        row.classList.add("is-pending");
        var mark = row.querySelector("[data-pending-text]");
        if (mark) {
          mark.hidden = false;
        }
      }
    });
  }

  function refresh(message) {
    if (message && message.type === "synced") {
      lastSynced = message.sent || [];
      renderSynced();
    }
    return pending().then(function (items) {
      showBanner(items);
      markPending(items);
      renderPending(items);
    });
  }

  window.addEventListener("online", function () {
    refresh();
    toWorker({ type: "sync" });
  });
  window.addEventListener("offline", function () { refresh(); });
  who.then(refresh).then(function () {
    if (navigator.onLine !== false) {
      toWorker({ type: "sync" });
    }
  });

  // --- The offline page: what waits, what was sent, what is downloaded ----------------

  var lists = document.querySelector("[data-offline-lists]");

  function item(text, href) {
    var li = document.createElement("li");
    if (href) {
      var link = document.createElement("a");
      link.href = href;
      link.textContent = text;
      li.appendChild(link);
    } else {
      li.textContent = text;
    }
    return li;
  }

  function kindText(kind, name) {
    return label(lists, "kind-" + kind, { title: name || "" });
  }

  function renderPending(items) {
    var list = lists && lists.querySelector("[data-offline-pending]");
    if (!list) {
      return;
    }
    list.textContent = "";
    items.forEach(function (change) {
      list.appendChild(item(kindText(change.kind, change.label)));
    });
    lists.querySelector("[data-offline-pending-empty]").hidden = items.length > 0;
  }

  function renderSynced() {
    var list = lists && lists.querySelector("[data-offline-synced]");
    if (!list || !worker || !user) {
      return;
    }
    store.synced(user).then(function (items) {
      list.textContent = "";
      items.slice(0, 10).forEach(function (change) {
        var outcome = change.failed
          ? (change.messages && change.messages.length ? change.messages.join(" ") : label(lists, "refused"))
          : change.kind === "quiz" ? label(lists, "graded") : label(lists, "sent");
        var text = kindText(change.kind, change.label) + " — " + outcome;
        list.appendChild(item(text, change.kind === "quiz" && !change.failed ? change.location : ""));
      });
      list.closest("section").hidden = !items.length;
    }).catch(function () { return null; });
  }

  function renderDownloads() {
    var list = lists && lists.querySelector("[data-offline-downloads]");
    if (!list || !worker || !user) {
      return;
    }
    store.downloads(user).then(function (items) {
      list.textContent = "";
      items.forEach(function (download) {
        list.appendChild(item(download.title + " (" + size(download.bytes) + ")", download.url));
      });
      lists.querySelector("[data-offline-downloads-empty]").hidden = items.length > 0;
    }).catch(function () { return null; });
  }

  if (lists) {
    who.then(function () {
      if (user && !root.getAttribute("data-aula-user")) {
        // The copy kept for everyone, shown to someone signed in: "Log in" would mislead.
        var account = document.querySelector(".account-nav");
        if (account) {
          account.hidden = true;
        }
      }
      renderSynced();
      renderDownloads();
    });
  }

  // --- Downloading a course -----------------------------------------------------------

  var panel = document.querySelector("[data-offline-download]");
  if (!panel) {
    return;
  }
  if (!worker || !window.caches || !user) {
    return; // the panel stays hidden: nothing here can keep a course
  }
  panel.hidden = false;
  var course = panel.getAttribute("data-course");
  var manifestUrl = panel.getAttribute("data-manifest-url");
  var status = panel.querySelector("[data-offline-status]");
  var start = panel.querySelector("[data-offline-start]");
  var confirmBox = panel.querySelector("[data-offline-confirm]");
  var confirmButton = panel.querySelector("[data-offline-go]");
  var cancelButton = panel.querySelector("[data-offline-cancel]");
  var removeButton = panel.querySelector("[data-offline-remove]");
  var progress = panel.querySelector("progress");
  var manifest = null;
  var busy = false;

  function say(text) { status.textContent = text; }

  function showSaved(record, stale) {
    removeButton.hidden = !record;
    start.textContent = label(panel, record ? "update" : "download");
    if (record) {
      var when = new Date(record.at).toLocaleDateString(root.lang || "es", { day: "numeric", month: "long" });
      say(label(panel, stale ? "stale" : "saved", { size: size(record.bytes), date: when }));
    }
  }

  function loadManifest() {
    return fetch(manifestUrl, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) {
            throw new Error(data.message || label(panel, "failed"));
          }
          return data;
        });
      });
  }

  store.download(user, course).then(function (record) {
    showSaved(record, false);
    if (record && navigator.onLine !== false) {
      loadManifest().then(function (data) {
        manifest = data;
        if (data.version !== record.version) {
          showSaved(record, true);
        }
      }).catch(function () { return null; });
    }
  }).catch(function () { return null; });

  start.addEventListener("click", function () {
    if (busy) {
      return;
    }
    if (navigator.onLine === false) {
      say(label(panel, "needs-connection"));
      return;
    }
    say(label(panel, "measuring"));
    loadManifest().then(function (data) {
      manifest = data;
      return navigator.storage && navigator.storage.estimate ? navigator.storage.estimate() : null;
    }).then(function (estimate) {
      var room = estimate && estimate.quota ? estimate.quota - estimate.usage : Infinity;
      if (manifest.bytes > room) {
        say(label(panel, "no-room", { size: size(manifest.bytes), room: size(room) }));
        return;
      }
      say(label(panel, "size", { size: size(manifest.bytes) }));
      confirmBox.hidden = false;
      start.hidden = true;
      confirmButton.focus();
    }).catch(function (error) {
      say(error.message || label(panel, "failed"));
    });
  });

  cancelButton.addEventListener("click", function () {
    confirmBox.hidden = true;
    start.hidden = false;
    say("");
    store.download(user, course).then(function (record) { showSaved(record, false); });
  });

  function csrfToken() {
    return fetch(panel.getAttribute("data-sync-url"), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (state) { return state.csrf; });
  }

  function fetchInto(cache, url, key) {
    if (new URL(url, location.href).origin !== location.origin) {
      return Promise.resolve(null); // media on another host (a bucket): shown online only
    }
    return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
      if (!response.ok) {
        throw new Error(label(panel, "failed"));
      }
      if (response.redirected) {
        return null; // a step not open yet (lessons in order) sends elsewhere: not kept
      }
      var copy = response.clone();
      return cache.put(key || url, response).then(function () {
        return /text\/html/.test(copy.headers.get("Content-Type") || "") ? warmPlayers(copy) : null;
      });
    });
  }

  // A lesson's H5P players: each opened once, hidden, as the lesson will open it, so the
  // browser keeps the player's page for that address (the frame is sandboxed, out of the
  // service worker's reach). Their files come from the download (h5p-lesson.js).
  var SANDBOX = "allow-scripts allow-popups allow-popups-to-escape-sandbox allow-downloads";
  function warmPlayers(response) {
    return response.text().then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var data = doc.getElementById("h5p-players");
      var players = data ? JSON.parse(data.textContent).activities : {};
      return Object.keys(players).reduce(function (chain, id) {
        return chain.then(function () {
          return store.setMeta("h5p-player:" + id, players[id].player).then(function () {
            return warm(players[id].player);
          });
        });
      }, Promise.resolve());
    }).catch(function () { return null; });
  }

  function warm(url) {
    return new Promise(function (resolve) {
      var frame = document.createElement("iframe");
      var finished = false;
      function done() {
        if (!finished) {
          finished = true;
          frame.remove();
          resolve();
        }
      }
      frame.setAttribute("sandbox", SANDBOX);
      frame.setAttribute("referrerpolicy", "no-referrer");
      frame.setAttribute("aria-hidden", "true");
      frame.tabIndex = -1;
      frame.className = "offline-download__warm";
      frame.addEventListener("load", done);
      setTimeout(done, 15000);
      frame.src = url;
      panel.appendChild(frame);
    });
  }

  // A quiz answered offline needs its attempt: started (or resumed) now, while online.
  function prepareQuizzes(cache, token) {
    return manifest.quizzes.reduce(function (chain, quiz) {
      return chain.then(function () {
        var body = new URLSearchParams();
        body.append("csrfmiddlewaretoken", token);
        return fetch(quiz.start, { method: "POST", credentials: "same-origin", body: body }).then(function (response) {
          if (!response.ok || !/\/cuestionario\/\d+\/$/.test(new URL(response.url).pathname)) {
            return null; // no attempt left, or not open yet: that quiz needs a connection
          }
          var attempt = new URL(response.url).pathname;
          // Kept as a plain answer: a browser refuses a redirected response for a page.
          var page = new Response(response.body, { status: response.status, headers: response.headers });
          return cache.put(attempt, page).then(function () {
            return store.setMeta("attempt:" + quiz.id, attempt);
          });
        });
      });
    }, Promise.resolve());
  }

  confirmButton.addEventListener("click", function () {
    if (busy || !manifest) {
      return;
    }
    busy = true;
    confirmBox.hidden = true;
    progress.hidden = false;
    progress.value = 0;
    var name = store.courseCacheName(user, course);
    var jobs = [];
    manifest.files.forEach(function (file) { jobs.push({ url: file.url, bytes: file.bytes }); });
    manifest.h5p.forEach(function (activity) {
      jobs.push({ url: activity.player, bytes: 4000, key: store.h5pKey(activity.player) });
      activity.files.forEach(function (file) {
        jobs.push({ url: file.url, bytes: file.bytes, key: store.h5pKey(file.url) });
      });
    });
    // Pages last: they then show the quiz attempts prepared above.
    manifest.pages.forEach(function (page) { jobs.push({ url: page.url, bytes: page.bytes }); });
    var total = jobs.reduce(function (sum, job) { return sum + (job.bytes || 1); }, 0) || 1;
    var done = 0;
    if (navigator.storage && navigator.storage.persist) {
      navigator.storage.persist().catch(function () { return null; });
    }
    say(label(panel, "downloading", { percent: 0 }));
    caches.delete(name).then(function () {
      return caches.open(name);
    }).then(function (cache) {
      return csrfToken().then(function (token) { return prepareQuizzes(cache, token); }).then(function () {
        return jobs.reduce(function (chain, job) {
          return chain.then(function () {
            return fetchInto(cache, job.url, job.key).then(function () {
              done += job.bytes || 1;
              var percent = Math.min(100, Math.round(done * 100 / total));
              progress.value = percent;
              say(label(panel, "downloading", { percent: percent }));
            });
          });
        }, Promise.resolve());
      });
    }).then(function () {
      var record = {
        user: user, course: course, title: manifest.title, url: manifest.url,
        bytes: manifest.bytes, version: manifest.version, at: Date.now()
      };
      return store.saveDownload(record).then(function () {
        busy = false;
        progress.hidden = true;
        start.hidden = false;
        showSaved(record, false);
      });
    }).catch(function (error) {
      busy = false;
      progress.hidden = true;
      start.hidden = false;
      caches.delete(name);
      say((error && error.message) || label(panel, "failed"));
    });
  });

  removeButton.addEventListener("click", function () {
    caches.delete(store.courseCacheName(user, course)).then(function () {
      return store.removeDownload(user, course);
    }).then(function () {
      showSaved(null);
      say(label(panel, "removed"));
    });
  });
})();
