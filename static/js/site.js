// Video blocks: load the player only when the visitor asks for it.
(function () {
  "use strict";
  document.querySelectorAll(".video[data-embed-url]").forEach(function (figure) {
    var button = figure.querySelector(".video__play");
    var placeholder = figure.querySelector(".video__placeholder");
    if (!button || !placeholder) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var frame = document.createElement("iframe");
      frame.src = figure.dataset.embedUrl + "?autoplay=1";
      frame.title = figure.dataset.title || "";
      frame.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
      frame.referrerPolicy = "strict-origin-when-cross-origin";
      frame.setAttribute("allowfullscreen", "");
      placeholder.replaceWith(frame);
      frame.focus();
    });
  });
})();
