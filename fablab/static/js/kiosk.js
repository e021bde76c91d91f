// The pages at a machine (templates/_kiosk_base.html), on a tablet:
//   <button data-fullscreen>   enters and leaves full screen (Fullscreen API; hidden without it)
//   every two minutes the page's content is fetched again and swapped in, unless someone has
//   started typing: a reload would leave full screen.
"use strict";

(function () {
  var REFRESH_MS = 120000;
  var button = document.querySelector("button[data-fullscreen]");

  function label() {
    var full = Boolean(document.fullscreenElement);
    button.textContent = full ? button.dataset.exitLabel : button.dataset.enterLabel;
    button.setAttribute("aria-pressed", full ? "true" : "false");
  }

  if (button && document.fullscreenEnabled) {
    button.hidden = false;
    label();
    button.addEventListener("click", function () {
      if (document.fullscreenElement) {
        document.exitFullscreen();
      } else {
        document.documentElement.requestFullscreen().catch(function () {});
      }
    });
    document.addEventListener("fullscreenchange", label);
  }

  function someoneIsTyping(main) {
    var fields = main.querySelectorAll("input:not([type=hidden]), textarea, select");
    for (var i = 0; i < fields.length; i += 1) {
      if (fields[i] === document.activeElement || fields[i].value !== fields[i].defaultValue) {
        return true;
      }
    }
    return false;
  }

  function refresh() {
    var main = document.querySelector("main");
    if (!main || someoneIsTyping(main)) {
      return;
    }
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        var fresh = html && new DOMParser().parseFromString(html, "text/html").querySelector("main");
        if (fresh && !someoneIsTyping(main)) {
          main.replaceWith(document.adoptNode(fresh));
        }
      })
      .catch(function () {});
  }

  window.setInterval(refresh, REFRESH_MS);
})();
