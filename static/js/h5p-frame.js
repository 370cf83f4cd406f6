/*
 * Runs inside the sandboxed H5P frame (an opaque origin: no cookies, no storage,
 * no access to the lesson page). Starts the player and reports to the lesson
 * page by postMessage: the frame's height, xAPI statements and the player's
 * state. The lesson page decides what to do with them; the server judges them.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("h5p-config").textContent);
  var parentOrigin = config.parentOrigin;
  delete config.parentOrigin;

  // localStorage and sessionStorage throw in an opaque origin; H5P expects them.
  function MemoryStorage() {
    this.items = {};
  }
  MemoryStorage.prototype.getItem = function (key) {
    return Object.prototype.hasOwnProperty.call(this.items, key) ? this.items[key] : null;
  };
  MemoryStorage.prototype.setItem = function (key, value) {
    this.items[key] = String(value);
  };
  MemoryStorage.prototype.removeItem = function (key) {
    delete this.items[key];
  };
  MemoryStorage.prototype.clear = function () {
    this.items = {};
  };
  MemoryStorage.prototype.key = function (index) {
    return Object.keys(this.items)[index] || null;
  };
  Object.defineProperty(MemoryStorage.prototype, "length", {
    get: function () {
      return Object.keys(this.items).length;
    }
  });
  ["localStorage", "sessionStorage"].forEach(function (name) {
    var usable = false;
    try {
      usable = !!window[name] && (window[name].getItem("aula"), true);
    } catch (error) {
      usable = false;
    }
    if (!usable) {
      Object.defineProperty(window, name, { value: new MemoryStorage(), configurable: true });
    }
  });

  function send(message) {
    message.type = "aula-h5p";
    window.parent.postMessage(message, parentOrigin);
  }

  var lastHeight = 0;
  function reportHeight() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height && height !== lastHeight) {
      lastHeight = height;
      send({ kind: "height", height: height });
    }
  }
  if (window.ResizeObserver) {
    new ResizeObserver(reportHeight).observe(document.documentElement);
  } else {
    setInterval(reportHeight, 1000);
  }

  var lastState = null;
  function reportState() {
    var instance = window.H5P && H5P.instances && H5P.instances[0];
    if (!instance || typeof instance.getCurrentState !== "function") {
      return;
    }
    var state;
    try {
      state = JSON.stringify(instance.getCurrentState());
    } catch (error) {
      return;
    }
    if (state && state !== lastState) {
      lastState = state;
      send({ kind: "state", state: state });
    }
  }

  var container = document.getElementById("h5p-container");
  new H5PStandalone.H5P(container, config).then(function () {
    H5P.externalDispatcher.on("xAPI", function (event) {
      var statement = event.data && event.data.statement;
      if (statement) {
        send({ kind: "xapi", statement: JSON.parse(JSON.stringify(statement)) });
      }
      reportState();
    });
    setInterval(reportState, 15000);
    reportHeight();
    send({ kind: "ready" });
  }).catch(function () {
    send({ kind: "error" });
  });
})();
