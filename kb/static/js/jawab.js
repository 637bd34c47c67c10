/*
 * Jawab: small progressive enhancements. Every page works without this file.
 *  1. "#" section links copy the section's address and announce it.
 *  2. Old section anchors (span.old-anchor) are rewritten to the heading's id.
 */
(function () {
  "use strict";

  var body = document.body;
  var live = document.getElementById("live-region");
  var copiedText = body.getAttribute("data-copied") || "Link copied";
  var failedText = body.getAttribute("data-copy-failed") || copiedText;
  var announceTimer;

  function announce(message) {
    if (!live) return;
    // Clear first so the same message is announced again on a second copy.
    live.textContent = "";
    window.clearTimeout(announceTimer);
    announceTimer = window.setTimeout(function () {
      live.textContent = message;
    }, 60);
  }

  function legacyCopy(text) {
    var field = document.createElement("textarea");
    var ok = false;
    field.value = text;
    field.setAttribute("readonly", "");
    field.setAttribute("aria-hidden", "true");
    field.className = "clipboard-helper";
    body.appendChild(field);
    field.select();
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    body.removeChild(field);
    return ok;
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(
        function () { return true; },
        function () { return legacyCopy(text); }
      );
    }
    return Promise.resolve(legacyCopy(text));
  }

  function confirm(link, message, copied) {
    link.setAttribute("data-tooltip", message);
    link.classList.toggle("is-copied", copied);
    window.clearTimeout(link.jawabTimer);
    link.jawabTimer = window.setTimeout(function () {
      link.removeAttribute("data-tooltip");
      link.classList.remove("is-copied");
    }, 2000);
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.section-link");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey ||
        event.shiftKey || event.altKey) {
      return;
    }
    var section = link.getAttribute("data-section");
    if (!section) return;
    var url = location.origin + location.pathname + "#" + section;
    // The browser still follows the link, which updates the hash and :target
    // (and moves focus to the page); afterwards, put focus back on the link.
    copy(url).then(function (ok) {
      window.setTimeout(function () {
        link.focus({ preventScroll: true });
        confirm(link, ok ? copiedText : failedText, ok);
        announce(ok ? copiedText : failedText);
      }, 0);
    });
  });

  function resolveOldAnchor() {
    var id;
    try {
      id = decodeURIComponent(location.hash.slice(1));
    } catch (e) {
      return;
    }
    if (!id) return;
    var marker = document.getElementById(id);
    if (!marker || !marker.classList.contains("old-anchor")) return;
    var heading = marker.closest("h1, h2, h3, h4, h5, h6");
    if (!heading || !heading.id) return;
    history.replaceState(history.state, "", "#" + heading.id);
  }

  resolveOldAnchor();
  window.addEventListener("hashchange", resolveOldAnchor);
})();
