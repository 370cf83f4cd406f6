/* Inline in the player page, before anything else: the frame's way to its files offline.
 *
 * The sandboxed frame has an opaque origin, so the service worker cannot answer its
 * requests. When one fails (no connection), the file is asked of the lesson page,
 * which reads it from the course downloaded on the phone (never from the network)
 * and sends its text back. Scripts and styles then run inline, as this page's
 * policy allows; requests made with fetch get the text as their response.
 */
(function () {
  "use strict";
  var parentOrigin = {{ site_json|safe }};
  var pending = {};
  var next = 1;

  function viaParent(url) {
    return new Promise(function (resolve, reject) {
      var id = next++;
      pending[id] = { resolve: resolve, reject: reject };
      window.parent.postMessage({ type: "aula-h5p", kind: "file", id: id, url: url }, parentOrigin);
      setTimeout(function () {
        if (pending[id]) {
          delete pending[id];
          reject(new Error("no answer"));
        }
      }, 15000);
    });
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.source !== window.parent || !data || data.type !== "aula-h5p-file" || !pending[data.id]) {
      return;
    }
    var waiting = pending[data.id];
    delete pending[data.id];
    if (data.ok) {
      waiting.resolve(data);
    } else {
      waiting.reject(new Error("not on this phone"));
    }
  });

  var realFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    return realFetch(input, init).catch(function (error) {
      var url = new URL(typeof input === "string" ? input : input.url, document.baseURI).href;
      return viaParent(url).then(function (file) {
        return new Response(file.body, { status: 200, headers: { "Content-Type": file.contentType || "text/plain" } });
      }, function () { throw error; });
    });
  };

  var create = document.createElement.bind(document);

  // A script or stylesheet that fails to load is run from the phone's copy instead; whoever
  // waits for it hears "load" once the copy has run, or the original error if there is none.
  function fallback(element, attribute) {
    element.addEventListener("error", function (event) {
      var url = element[attribute];
      if (!url || element.aulaRetried) {
        return;
      }
      element.aulaRetried = true;
      event.stopImmediatePropagation();
      viaParent(url).then(function (file) {
        var copy = create(element.tagName === "SCRIPT" ? "script" : "style");
        copy.textContent = file.body;
        element.parentNode.insertBefore(copy, element.nextSibling);
        element.dispatchEvent(new Event("load"));
      }, function () {
        element.dispatchEvent(new Event("error"));
      });
    });
  }

  document.createElement = function (name, options) {
    var element = create(name, options);
    var tag = String(name).toLowerCase();
    if (tag === "script") {
      fallback(element, "src");
    } else if (tag === "link") {
      fallback(element, "href");
    }
    return element;
  };

  // The player's own files, in order, the same way.
  window.aulaLoad = function (styles, scripts) {
    styles.forEach(function (href) {
      var link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = href;
      document.head.appendChild(link);
    });
    scripts.reduce(function (chain, src) {
      return chain.then(function () {
        return new Promise(function (resolve) {
          var script = document.createElement("script");
          script.src = src;
          script.addEventListener("load", resolve);
          script.addEventListener("error", resolve);
          document.body.appendChild(script);
        });
      });
    }, Promise.resolve());
  };
})();
