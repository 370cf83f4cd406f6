/* What a device keeps for learning offline, in IndexedDB: shared by the pages and the worker.
 *
 * outbox     changes made without a connection, each with an id made on the device,
 *            the person (cache scope) it belongs to, and the request to send;
 * synced     the last changes the server confirmed, with where they led (a quiz result);
 * downloads  courses downloaded by a person, with their size and version;
 * meta       small facts: the person the device last showed pages for, and the
 *            quiz attempts prepared by a download (quiz id -> attempt address).
 */
(function (scope) {
  "use strict";

  var NAME = "aula-offline";
  var STORES = ["outbox", "synced", "downloads", "meta"];
  var KEEP_SYNCED = 30;
  var opening = null;

  function open() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var request = scope.indexedDB.open(NAME, 1);
        request.onupgradeneeded = function () {
          var db = request.result;
          STORES.forEach(function (name) {
            if (!db.objectStoreNames.contains(name)) {
              db.createObjectStore(name, { keyPath: "id" });
            }
          });
        };
        request.onsuccess = function () {
          var db = request.result;
          // Another tab upgrading (a new version of the site) must not be blocked by this one.
          db.onversionchange = function () { db.close(); opening = null; };
          resolve(db);
        };
        request.onerror = function () { opening = null; reject(request.error); };
      });
    }
    return opening;
  }

  function run(store, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode);
        var result;
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
        result = work(tx.objectStore(store));
      });
    });
  }

  function all(store) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var request = db.transaction(store, "readonly").objectStore(store).getAll();
        request.onsuccess = function () { resolve(request.result || []); };
        request.onerror = function () { reject(request.error); };
      });
    });
  }

  function get(store, id) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var request = db.transaction(store, "readonly").objectStore(store).get(id);
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    });
  }

  function put(store, value) {
    return run(store, "readwrite", function (objects) { objects.put(value); });
  }

  function remove(store, id) {
    return run(store, "readwrite", function (objects) { objects.delete(id); });
  }

  function byDate(a, b) { return a.createdAt - b.createdAt; }

  function newId() {
    if (scope.crypto && scope.crypto.randomUUID) {
      return scope.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    scope.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // An H5P address names the activity and package version inside a signed token that
  // changes with every page view; the files are kept under a name without the token.
  var H5P = /^\/h5p\/([^/]+)\/(archivos\/.*)?$/;
  function h5pKey(url) {
    var parsed = new URL(url, scope.location.href);
    var match = H5P.exec(parsed.pathname);
    if (!match) {
      return null;
    }
    try {
      var payload = match[1].split(":")[0].replace(/-/g, "+").replace(/_/g, "/");
      var data = JSON.parse(scope.atob(payload + "===".slice((payload.length + 3) % 4)));
      if (!Array.isArray(data) || typeof data[0] !== "number" || typeof data[1] !== "string") {
        return null;
      }
      return parsed.origin + "/h5p/~" + data[0] + "-" + data[1] + "/" + (match[2] || "");
    } catch (error) {
      return null;
    }
  }

  scope.AulaStore = {
    newId: newId,
    h5pKey: h5pKey,
    userCachePrefix: function (user) { return "aula-user-" + user + "-"; },
    courseCacheName: function (user, course) { return "aula-user-" + user + "-course-" + course; },

    queue: function (item) {
      item.id = item.id || newId();
      item.createdAt = item.createdAt || Date.now();
      return put("outbox", item).then(function () { return item; });
    },
    pending: function (user) {
      return all("outbox").then(function (items) {
        return items.filter(function (item) { return !user || item.owner === user; }).sort(byDate);
      });
    },
    update: function (item) { return put("outbox", item); },
    confirm: function (item, answer) {
      return remove("outbox", item.id).then(function () {
        return put("synced", {
          id: item.id, owner: item.owner, kind: item.kind, label: item.label,
          createdAt: Date.now(), status: answer.status, location: answer.location || "",
          messages: answer.messages || [], failed: Boolean(answer.failed)
        });
      }).then(function () {
        return all("synced").then(function (done) {
          done.sort(byDate);
          var extra = done.slice(0, Math.max(0, done.length - KEEP_SYNCED));
          return Promise.all(extra.map(function (old) { return remove("synced", old.id); }));
        });
      });
    },
    synced: function (user) {
      return all("synced").then(function (items) {
        return items.filter(function (item) { return !user || item.owner === user; }).sort(byDate).reverse();
      });
    },
    forgetSynced: function (user) {
      return all("synced").then(function (items) {
        return Promise.all(items.filter(function (item) { return !user || item.owner === user; })
          .map(function (item) { return remove("synced", item.id); }));
      });
    },

    downloads: function (user) {
      return all("downloads").then(function (items) {
        return items.filter(function (item) { return item.user === user; });
      });
    },
    download: function (user, course) { return get("downloads", user + ":" + course); },
    saveDownload: function (record) {
      record.id = record.user + ":" + record.course;
      return put("downloads", record);
    },
    removeDownload: function (user, course) { return remove("downloads", user + ":" + course); },
    forgetDownloads: function (keepUser) {
      return all("downloads").then(function (items) {
        return Promise.all(items.filter(function (item) { return item.user !== keepUser; })
          .map(function (item) { return remove("downloads", item.id); }));
      });
    },

    meta: function (id) { return get("meta", id).then(function (row) { return row ? row.value : null; }); },
    setMeta: function (id, value) { return put("meta", { id: id, value: value }); }
  };
})(self);
