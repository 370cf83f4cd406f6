/* Aula's service worker (version {{ version }}): pages and courses for reading offline,
 * and changes made offline kept until the connection is back.
 *
 * Caches:
 *   aula-shell-<version>    the offline page and the site's own files, from the start;
 *   aula-static-<version>   other static files as pages use them;
 *   aula-public-<version>   pages an anonymous visitor saw;
 *   aula-h5p-<version>      H5P package files as activities use them (not personal);
 *   aula-user-<scope>-visited-<version>   pages a signed-in person saw;
 *   aula-user-<scope>-course-<id>         a course that person downloaded.
 * A new version deletes the caches of older versions (a course download stays,
 * and its pages fall back to the current static files). A person's caches are
 * deleted as soon as the device shows a page for someone else or for nobody.
 * What may be kept, and for whom, is the server's call: the X-Aula-Offline header.
 */
"use strict";

importScripts("{{ store_url }}");

var VERSION = "{{ version }}";
var SHELL = "aula-shell-" + VERSION;
var STATIC = "aula-static-" + VERSION;
var PUBLIC = "aula-public-" + VERSION;
var H5P_FILES = "aula-h5p-" + VERSION; // package files: one name per package version
var PRECACHE = {{ precache|safe }};
var OFFLINE_PAGES = {{ offline_pages|safe }};
var SYNC_URL = {{ sync_url|safe }};
var STATIC_URL = {{ static_url|safe }};
var REPLAYABLE = {{ replayable|safe }}.map(function (pattern) { return new RegExp(pattern); });
var QUIZ_START = new RegExp({{ quiz_start|safe }});
var LOGOUT = {{ logout|safe }};
var KEEP_VISITED = 80;
var HASHED = /\.[0-9a-f]{12}(\.[A-Za-z0-9]+)$/;

function visitedCache(user) { return AulaStore.userCachePrefix(user) + "visited-" + VERSION; }

// --- Install and activate ---------------------------------------------------------

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    // One by one: a file that fails must not keep the worker from installing.
    return Promise.all(PRECACHE.map(function (url) {
      return fetch(url, { credentials: "omit", cache: "reload" }).then(function (response) {
        return response.ok ? cache.put(url, response) : null;
      }).catch(function () { return null; });
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      if (name.indexOf("aula-") !== 0) {
        return false;
      }
      if (name.indexOf("aula-user-") === 0) {
        // Downloads stay across versions; pages seen under an older version go.
        return /-visited-/.test(name) && name.slice(-VERSION.length - 1) !== "-" + VERSION;
      }
      return [SHELL, STATIC, PUBLIC, H5P_FILES].indexOf(name) === -1;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

// --- Whose pages this device may show ----------------------------------------------

var currentUser; // undefined until read from the store

function getUser() {
  if (currentUser !== undefined) {
    return Promise.resolve(currentUser);
  }
  return AulaStore.meta("user").then(function (user) {
    currentUser = user || null;
    return currentUser;
  }).catch(function () { return null; });
}

// Someone else, or nobody, is now signed in here: the previous person's pages go.
function forgetOthers(user) {
  currentUser = user;
  return Promise.all([
    AulaStore.setMeta("user", user),
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("aula-user-") === 0 && (!user || name.indexOf(AulaStore.userCachePrefix(user)) !== 0);
      }).map(function (name) { return caches.delete(name); }));
    }),
    AulaStore.forgetDownloads(user),
    AulaStore.forgetSynced(null).then(function () { return null; })
  ]).catch(function () { return null; });
}

function noteUser(user) {
  return getUser().then(function (known) {
    return known === user ? null : forgetOthers(user);
  });
}

function userCaches(user) {
  if (!user) {
    return Promise.resolve([]);
  }
  var prefix = AulaStore.userCachePrefix(user);
  return caches.keys().then(function (names) {
    return names.filter(function (name) { return name.indexOf(prefix) === 0; });
  });
}

function trim(cacheName, limit) {
  return caches.open(cacheName).then(function (cache) {
    return cache.keys().then(function (keys) {
      return Promise.all(keys.slice(0, Math.max(0, keys.length - limit)).map(function (key) {
        return cache.delete(key);
      }));
    });
  });
}

// Keep a page as the server allows: for everyone, for one person, or not at all.
function remember(request, response) {
  var scope = response.headers.get("X-Aula-Offline");
  if (!response.ok || !scope || response.redirected) {
    return Promise.resolve();
  }
  if (scope === "public") {
    return noteUser(null).then(function () {
      return caches.open(PUBLIC).then(function (cache) { return cache.put(request.url, response); });
    }).then(function () { return trim(PUBLIC, KEEP_VISITED); });
  }
  if (scope.indexOf("user=") === 0) {
    var user = scope.slice(5);
    var name = visitedCache(user);
    return noteUser(user).then(function () {
      return caches.open(name).then(function (cache) { return cache.put(request.url, response); });
    }).then(function () { return trim(name, KEEP_VISITED); });
  }
  return Promise.resolve();
}

// The newest copy of a page among the caches this person may read.
function cachedPage(url) {
  return getUser().then(function (user) {
    return userCaches(user).then(function (names) {
      names.push(PUBLIC);
      return Promise.all(names.map(function (name) {
        return caches.open(name).then(function (cache) {
          return cache.match(url, { ignoreVary: true }).then(function (found) {
            return found || cache.match(url, { ignoreVary: true, ignoreSearch: true });
          });
        });
      }));
    });
  }).then(function (found) {
    var best = null;
    found.forEach(function (response) {
      if (response && (!best || date(response) > date(best))) {
        best = response;
      }
    });
    if (best && best.redirected) {
      // A browser refuses a redirected response for a page: hand over the page itself.
      return new Response(best.body, { status: best.status, headers: best.headers });
    }
    return best;
  });
}

function date(response) {
  return Date.parse(response.headers.get("Date") || "") || 0;
}

function offlinePage(url) {
  var path = new URL(url).pathname;
  var language = Object.keys(OFFLINE_PAGES).filter(function (code) {
    return path.indexOf("/" + code + "/") === 0;
  })[0];
  var page = OFFLINE_PAGES[language] || OFFLINE_PAGES[Object.keys(OFFLINE_PAGES)[0]];
  return caches.open(SHELL).then(function (cache) { return cache.match(page); }).then(function (found) {
    return found || new Response("Sin conexión / Offline", {
      status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" }
    });
  });
}

// --- Fetching ----------------------------------------------------------------------

function page(event) {
  var request = event.request;
  return fetch(request).then(function (response) {
    event.waitUntil(remember(request, response.clone()).catch(function () { return null; }));
    event.waitUntil(syncSoon());
    return response;
  }).catch(function () {
    return cachedPage(request.url).then(function (found) { return found || offlinePage(request.url); });
  });
}

function logicalName(url) {
  return url.replace(HASHED, "$1");
}

// Versioned files never change: the cache first. Others: the network first.
function staticFile(request) {
  var hashed = HASHED.test(new URL(request.url).pathname);
  function fromCache() {
    return caches.match(request.url, { ignoreVary: true }).then(function (found) {
      if (found) {
        return found;
      }
      // A page kept from an older version names older files: the current ones do.
      var wanted = logicalName(request.url);
      return caches.keys().then(function (names) {
        return names.reduce(function (chain, name) {
          return chain.then(function (hit) {
            if (hit) {
              return hit;
            }
            return caches.open(name).then(function (cache) {
              return cache.keys().then(function (keys) {
                var key = keys.filter(function (k) { return logicalName(k.url) === wanted; })[0];
                return key ? cache.match(key) : null;
              });
            });
          });
        }, Promise.resolve(null));
      });
    });
  }
  function fromNetwork() {
    return fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(STATIC).then(function (cache) { return cache.put(request.url, copy); });
      }
      return response;
    });
  }
  if (hashed) {
    return fromCache().then(function (found) { return found || fromNetwork(); });
  }
  return fromNetwork().catch(function () {
    return fromCache().then(function (found) { return found || Response.error(); });
  });
}

// H5P files: kept under a name without the expiring token (see offline-store.js).
function h5pFile(request) {
  var key = AulaStore.h5pKey(request.url);
  function fromCache() {
    return getUser().then(function (user) { return userCaches(user); }).then(function (names) {
      names.push(H5P_FILES);
      return names.reduce(function (chain, name) {
        return chain.then(function (hit) {
          return hit || caches.open(name).then(function (cache) { return cache.match(key || request.url); });
        });
      }, Promise.resolve(null));
    });
  }
  var isPlayer = key && /\/$/.test(key);
  if (!isPlayer && key) {
    return fromCache().then(function (found) {
      return found || fetch(request).then(function (response) {
        if (response.ok) {
          var copy = response.clone();
          caches.open(H5P_FILES).then(function (cache) {
            return cache.put(key, copy);
          }).then(function () { return trim(H5P_FILES, 600); });
        }
        return response;
      });
    });
  }
  return fetch(request).catch(function () {
    return fromCache().then(function (found) { return found || Response.error(); });
  });
}

// Images and documents: the network, or a downloaded copy (any size of the same image).
function media(request) {
  return fetch(request).catch(function () {
    return getUser().then(function (user) { return userCaches(user); }).then(function (names) {
      names.push(PUBLIC);
      var wanted = request.url.replace(/\.(width|height|fill|max|min)-[^.]+(\.format-[a-z]+)?\.[a-z]+$/, "");
      return names.reduce(function (chain, name) {
        return chain.then(function (hit) {
          if (hit) {
            return hit;
          }
          return caches.open(name).then(function (cache) {
            return cache.match(request.url, { ignoreVary: true }).then(function (found) {
              if (found) {
                return found;
              }
              return cache.keys().then(function (keys) {
                var key = keys.filter(function (k) {
                  return /\/images\//.test(k.url) && k.url.indexOf(wanted + ".") === 0;
                })[0];
                return key ? cache.match(key) : null;
              });
            });
          });
        });
      }, Promise.resolve(null));
    }).then(function (found) { return found || Response.error(); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  var path = url.pathname;
  if (request.method === "POST") {
    post(event, path);
    return;
  }
  if (request.method !== "GET" || /^\/(en\/)?(admin|cuenta)\//.test(path) || path === "/sw.js" || path === SYNC_URL) {
    return;
  }
  if (path.indexOf(STATIC_URL) === 0) {
    event.respondWith(staticFile(request));
  } else if (path.indexOf("/h5p/") === 0) {
    event.respondWith(h5pFile(request));
  } else if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (/^\/(media|documentos)\//.test(path) || request.destination === "image") {
    event.respondWith(media(request));
  }
});

// --- Changes made offline -------------------------------------------------------------

function sameSitePath(value) {
  return typeof value === "string" && /^\/(?!\/)/.test(value) ? value : null;
}

function queue(request, copy, path) {
  var kind = /terminar\/$/.test(path) ? "step" : /enviar\/$/.test(path) ? "quiz" : "h5p";
  var contentType = request.headers.get("Content-Type") || "";
  return Promise.all([copy.text(), getUser()]).then(function (values) {
    var body = values[0];
    var next = null;
    var label = decodeURIComponent(request.headers.get("X-Aula-Label") || "");
    if (contentType.indexOf("application/x-www-form-urlencoded") === 0) {
      var fields = new URLSearchParams(body);
      next = sameSitePath(fields.get("offline_next"));
      label = fields.get("offline_label") || label;
      // A token from the page as it was; a fresh one goes with the change when it is sent.
      fields.delete("csrfmiddlewaretoken");
      body = fields.toString();
    }
    return AulaStore.queue({
      kind: kind, url: request.url, body: body, contentType: contentType,
      owner: values[1], label: label, page: sameSitePath(new URL(request.referrer || "/", self.location.href).pathname)
    }).then(function (item) {
      if (self.registration.sync) {
        self.registration.sync.register("aula-outbox").catch(function () { return null; });
      }
      tell({ type: "queued", item: { id: item.id, kind: item.kind, label: item.label, url: item.url } });
      if (request.mode === "navigate") {
        return Response.redirect(next || OFFLINE_PAGES[Object.keys(OFFLINE_PAGES)[0]], 303);
      }
      return new Response(JSON.stringify({ queued: true, id: item.id }), {
        status: 202, headers: { "Content-Type": "application/json" }
      });
    });
  });
}

function post(event, path) {
  var request = event.request;
  if (LOGOUT.indexOf(path) !== -1) {
    event.respondWith(fetch(request).then(function (response) {
      return forgetOthers(null).then(function () { return response; });
    }));
    return;
  }
  var start = QUIZ_START.exec(path);
  if (start) {
    event.respondWith(fetch(request).catch(function () {
      return AulaStore.meta("attempt:" + start[1]).then(function (attempt) {
        return Response.redirect(attempt || OFFLINE_PAGES[Object.keys(OFFLINE_PAGES)[0]], 303);
      });
    }));
    return;
  }
  if (REPLAYABLE.some(function (pattern) { return pattern.test(path); })) {
    var copy = request.clone();
    event.respondWith(fetch(request).then(function (response) {
      event.waitUntil(syncSoon());
      return response;
    }).catch(function () { return queue(request, copy, path); }));
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(function () { return offlinePage(request.url); }));
  }
}

// --- Sending them when the connection is back ----------------------------------------

function tell(message) {
  return self.clients.matchAll({ includeUncontrolled: true }).then(function (clients) {
    clients.forEach(function (client) { client.postMessage(message); });
  });
}

var syncing = null;

function sync() {
  if (!syncing) {
    syncing = sendAll().then(function (result) {
      syncing = null;
      return result;
    }, function (error) {
      syncing = null;
      throw error;
    });
  }
  return syncing;
}

function syncSoon() {
  return AulaStore.pending().then(function (items) {
    return items.length ? sync().catch(function () { return null; }) : null;
  }).catch(function () { return null; });
}

function sendAll() {
  return AulaStore.pending().then(function (items) {
    if (!items.length) {
      return { sent: 0, left: 0 };
    }
    return fetch(SYNC_URL, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (!state.user) {
          tell({ type: "sync", state: "login", left: items.length });
          return { sent: 0, left: items.length };
        }
        // Only this person's changes: another person's wait for them to sign in again.
        var mine = items.filter(function (item) { return item.owner === state.user; });
        var sent = [];
        return mine.reduce(function (chain, item) {
          return chain.then(function (go) {
            return go ? send(item, state).then(function (answer) {
              if (answer) {
                sent.push(answer);
              }
              return Boolean(answer);
            }) : false;
          });
        }, Promise.resolve(true)).then(function () {
          return AulaStore.pending(state.user).then(function (left) {
            tell({ type: "synced", sent: sent, left: left.length });
            return { sent: sent.length, left: left.length };
          });
        });
      });
  });
}

// One change. Resolves with what the server said, or null to stop and try later.
function send(item, state) {
  return fetch(item.url, {
    method: "POST",
    credentials: "same-origin",
    headers: {
      "Content-Type": item.contentType || "application/x-www-form-urlencoded",
      "X-CSRFToken": state.csrf,
      "X-Aula-Change": item.id,
      Accept: "application/json"
    },
    body: item.body
  }).then(function (response) {
    var type = response.headers.get("Content-Type") || "";
    var json = type.indexOf("application/json") === 0;
    if (response.status === 401 || response.status === 409 || response.status === 429 ||
        response.status >= 500 || (response.status === 403 && !json)) {
      return null; // signed out, busy, or a token refused: later
    }
    if (!json) {
      return null; // not an answer about this change (a login page after a redirect): later
    }
    return response.json().then(function (answer) {
      var result = {
        status: answer.status || response.status,
        location: answer.location || "",
        messages: answer.messages || [],
        failed: !response.ok || Boolean(answer.refused)
      };
      return AulaStore.confirm(item, result).then(function () {
        return { id: item.id, kind: item.kind, label: item.label, location: result.location, failed: result.failed };
      });
    });
  }).catch(function () { return null; });
}

self.addEventListener("sync", function (event) {
  if (event.tag === "aula-outbox") {
    event.waitUntil(sync());
  }
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "sync") {
    event.waitUntil(sync().catch(function () { return null; }));
  } else if (data.type === "user") {
    event.waitUntil(noteUser(data.user || null));
  }
});
