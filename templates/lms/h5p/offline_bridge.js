/* Inline in the player page, before anything else: the frame's files through the lesson page.
 *
 * The sandboxed frame has an opaque origin, so neither the service worker nor the
 * browser's cache can serve its requests: every view would fetch the player and the
 * package again, and without a connection nothing would load. So each file is first
 * asked of the lesson page, which answers from the phone (the service worker's
 * caches, a downloaded course) or fetches it once for next time; only if it cannot
 * does the frame go to the network itself. Scripts then run inline, in the order
 * they were added, as this page's policy allows; styles go inline; requests made
 * with fetch get the file as their response; images that fail get the phone's copy.
 */
(function () {
  "use strict";
  var parentOrigin = {{ site_json|safe }};
  var WAIT_MS = 3000;
  var pending = {};
  var next = 1;

  // The lesson page says at once that it is on it (then it may take as long as the
  // connection needs); a page that says nothing (no lesson script) is not waited for.
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

  function absolute(url) {
    return new URL(url, document.baseURI).href;
  }

  var realFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    var url = absolute(typeof input === "string" ? input : input.url);
    if (init && init.method && init.method !== "GET") {
      return realFetch(input, init);
    }
    return viaParent(url).then(function (file) {
      return new Response(file.body, { status: 200, headers: { "Content-Type": file.contentType || "text/plain" } });
    }, function () {
      return realFetch(input, init);
    });
  };

  // Scripts run one at a time, in the order they were added (H5P's libraries depend on
  // each other), whether their text came from the lesson page or from the network.
  var queue = [];
  var running = false;
  function drain() {
    if (running || !queue.length || !queue[0].run) {
      return;
    }
    running = true;
    queue.shift().run().then(function () {
      running = false;
      drain();
    });
  }

  var scriptSrc = Object.getOwnPropertyDescriptor(HTMLScriptElement.prototype, "src");
  var linkHref = Object.getOwnPropertyDescriptor(HTMLLinkElement.prototype, "href");
  var create = document.createElement.bind(document);

  function takeOverScript(element) {
    var wanted = "";
    Object.defineProperty(element, "src", {
      configurable: true,
      get: function () { return wanted; },
      set: function (value) {
        wanted = absolute(value);
        var entry = {};
        queue.push(entry);
        viaParent(wanted).then(function (file) {
          entry.run = function () {
            element.textContent = file.body;
            element.dispatchEvent(new Event("load"));
            return Promise.resolve();
          };
        }, function () {
          entry.run = function () {
            return new Promise(function (resolve) {
              element.addEventListener("load", resolve);
              element.addEventListener("error", resolve);
              scriptSrc.set.call(element, wanted);
            });
          };
        }).then(drain);
      }
    });
  }

  function takeOverLink(element) {
    var wanted = "";
    Object.defineProperty(element, "href", {
      configurable: true,
      get: function () { return wanted; },
      set: function (value) {
        wanted = absolute(value);
        viaParent(wanted).then(function (file) {
          var style = create("style");
          style.textContent = file.body;
          (element.parentNode || document.head).insertBefore(style, element.nextSibling);
          element.dispatchEvent(new Event("load"));
        }, function () {
          linkHref.set.call(element, wanted);
        });
      }
    });
  }

  document.createElement = function (name, options) {
    var element = create(name, options);
    var tag = String(name).toLowerCase();
    if (tag === "script") {
      takeOverScript(element);
    } else if (tag === "link") {
      takeOverLink(element);
    }
    return element;
  };

  // Images of the activity that fail to load (no connection): the phone's copy, if any.
  document.addEventListener("error", function (event) {
    var image = event.target;
    if (!image || image.tagName !== "IMG" || image.aulaRetried || !image.src || /^(data|blob):/.test(image.src)) {
      return;
    }
    image.aulaRetried = true;
    viaParent(image.src, "blob").then(function (file) {
      image.src = URL.createObjectURL(file.body);
    }, function () { return null; });
  }, true);

  // The player's own files, in order, the same way.
  window.aulaLoad = function (styles, scripts) {
    styles.forEach(function (href) {
      var link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = href;
      document.head.appendChild(link);
    });
    scripts.forEach(function (src) {
      var script = document.createElement("script");
      script.src = src;
      document.body.appendChild(script);
    });
  };
})();
