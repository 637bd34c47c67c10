/* Jawab public reply composer.
 *  1. A live character counter for the reply, counted the way the platform counts
 *     (on X every link is 23 characters, CJK and emoji count twice).
 *  2. Copying the reply (jawab.js handles button[data-copy]) also records which
 *     article was linked, like pressing "Use this reply".
 */
(function () {
  "use strict";

  var box = document.getElementById("reply-text");
  if (!box) return;
  var result = box.closest("[data-platform]");
  var platform = result ? result.getAttribute("data-platform") : "";
  var limit = parseInt(result ? result.getAttribute("data-limit") : "", 10) || 0;
  var value = document.getElementById("char-count-value");
  var counter = document.getElementById("char-count");
  var warning = document.getElementById("over-warning");
  var LINK = /https?:\/\/\S+/g;
  var X_LINK_LENGTH = 23;

  /* Same ranges as kb/services/composer.py _x_weight. */
  function xWeight(code) {
    var light = code <= 4351 ||
      (code >= 8192 && code <= 8205) ||
      (code >= 8208 && code <= 8223) ||
      (code >= 8242 && code <= 8247);
    return light ? 1 : 2;
  }

  function count(text) {
    text = text.trim();
    if (text.normalize) text = text.normalize("NFC");
    if (platform !== "x") return Array.from(text).length;
    var links = (text.match(LINK) || []).length;
    var total = links * X_LINK_LENGTH;
    Array.from(text.replace(LINK, "")).forEach(function (ch) {
      total += xWeight(ch.codePointAt(0));
    });
    return total;
  }

  function update() {
    var n = count(box.value);
    var over = limit > 0 && n > limit;
    if (value) value.textContent = String(n);
    if (counter) counter.classList.toggle("composer-count--over", over);
    if (warning) warning.hidden = !over;
  }

  box.addEventListener("input", update);
  update();

  var form = document.getElementById("use-reply-form");
  var copyButton = document.querySelector('button[data-copy="#reply-text"]');
  if (form && copyButton && window.fetch) {
    copyButton.addEventListener("click", function () {
      // Recording is a side note: a failure must not get in the agent's way.
      window.fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin"
      }).catch(function () {});
    });
  }
})();
