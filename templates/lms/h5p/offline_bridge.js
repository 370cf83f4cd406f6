/* Inline in the player page, before anything else: the frame's files when the network fails.
 *
 * The sandboxed frame has an opaque origin, so neither the service worker nor the
 * browser's cache can serve its requests, and without a connection nothing would
 * load. When a file fails, it is asked of the lesson page, which reads it from the
 * phone (the service worker's caches, a downloaded course) and sends it back.
 * Scripts then run inline, in the order they were added, as this page's policy
 * allows, and whoever waited for them hears "load"; styles go inline; requests
 * made with fetch get the file; images get the phone's copy.
 */
(function () {
  "use strict";
  // Only for a player the lesson page opened without a connection; online, the player
  // loads exactly as it would without this script.
  if (location.hash !== "#sin-conexion") {
    return;
  }
  var parentOrigin = {{ site_json|safe }};
  var WAIT_MS = 3000;
  var pending = {};
  var next = 1;

  // The lesson page says at once that it is on it (then it may take as long as it
  // needs); a page that says nothing (no lesson script) is not waited for.
  function viaParent(url, as) {
    return new Promise(function (resolve, reject) {
      var id = next++;
      pending[id] = { resolve: resolve, reject: reject };
      window.parent.postMessage({ type: "aula-h5p", kind: "file", id: id, url: url, as: as || "text" }, parentOrigin);
      pending[id].timer = setTimeout(function () {
        if (pending[id]) {
          delete pending[id];
          reject(new Error("no answer"));
        }
      }, WAIT_MS);
    });
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.source !== window.parent || !data || data.type !== "aula-h5p-file" || !pending[data.id]) {
      return;
    }
    var waiting = pending[data.id];
    if (data.working) {
      clearTimeout(waiting.timer);
      return;
    }
    delete pending[data.id];
    if (data.ok) {
      waiting.resolve(data);
    } else {
      waiting.reject(new Error("not available"));
    }
  });

  var realFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    return realFetch(input, init).catch(function (error) {
      if (init && init.method && init.method !== "GET") {
        throw error;
      }
      var url = new URL(typeof input === "string" ? input : input.url, document.baseURI).href;
      return viaParent(url).then(function (file) {
        return new Response(file.body, { status: 200, headers: { "Content-Type": file.contentType || "text/plain" } });
      }, function () { throw error; });
    });
  };

  // Scripts run one at a time, in the order they failed (the order they were added):
  // H5P's libraries depend on each other.
  var queue = [];
  var running = false;
  function drain() {
    if (running || !queue.length || !queue[0].run) {
      return;
    }
    running = true;
    queue.shift().run();
    running = false;
    drain();
  }

  document.addEventListener("error", function (event) {
    var element = event.target;
    if (!element || element.aulaRetried) {
      return;
    }
    if (element.tagName === "SCRIPT" && element.src) {
      element.aulaRetried = true;
      var entry = {};
      queue.push(entry);
      viaParent(element.src).then(function (file) {
        entry.run = function () {
          var copy = document.createElement("script");
          copy.textContent = file.body;
          (element.parentNode || document.body).insertBefore(copy, element.nextSibling);
          element.dispatchEvent(new Event("load"));
        };
      }, function () {
        entry.run = function () { return null; };
      }).then(drain);
    } else if (element.tagName === "LINK" && element.href) {
      element.aulaRetried = true;
      viaParent(element.href).then(function (file) {
        var style = document.createElement("style");
        style.textContent = file.body;
        document.head.appendChild(style);
        element.dispatchEvent(new Event("load"));
      }, function () { return null; });
    } else if (element.tagName === "IMG" && element.src && !/^(data|blob):/.test(element.src)) {
      element.aulaRetried = true;
      viaParent(element.src, "blob").then(function (file) {
        element.src = URL.createObjectURL(file.body);
      }, function () { return null; });
    }
  }, true);
})();
