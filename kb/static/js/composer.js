/* Jawab public reply composer (everything also works without it).
 *  1. A live character counter, counted the way the platform counts
 *     (on X every link is 23 characters, CJK and emoji count twice).
 *  2. Kind, article, section, language, tone and platform update the reply at
 *     once: the page is fetched again and swapped in, the focus stays put.
 *     A drafted post has three replies, each counted on its own.
 *  3. "Copy reply" copies the text and posts the same form it submits without
 *     JavaScript (composer.reply_use), which records the linked article;
 *     a reply over the limit is copied but not recorded.
 *  4. On a narrow screen, a drafted post's page opens at its replies.
 */
(function () {
  "use strict";

  // An admin's "Undo" after a delete stays for a few seconds, then goes.
  var undo = document.querySelector("[data-undo-seconds]");
  if (undo) {
    window.setTimeout(function () {
      if (!undo.contains(document.activeElement)) undo.hidden = true;
    }, 1000 * parseInt(undo.getAttribute("data-undo-seconds"), 10));
  }

  var live = document.getElementById("composer-live");
  if (!live) return;
  var LINK = /https?:\/\/\S+/g;
  var X_LINK_LENGTH = 23;

  /* Same ranges as kb/services/composer.py _X_HEAVY. */
  function xWeight(code) {
    var light = code <= 4351 ||
      (code >= 8192 && code <= 8205) ||
      (code >= 8208 && code <= 8223) ||
      (code >= 8242 && code <= 8247);
    return light ? 1 : 2;
  }

  function count(text, platform) {
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

  /* A reply box: the manual composer's #reply-text or a drafted reply's
     .js-reply-text, each inside its [data-platform][data-limit] block. */
  function state(box) {
    box = box || document.getElementById("reply-text");
    if (!box) return null;
    var result = box.closest("[data-platform]");
    var limit = parseInt(result ? result.getAttribute("data-limit") : "", 10) || 0;
    var n = count(box.value, result ? result.getAttribute("data-platform") : "");
    return { box: box, result: result, n: n, limit: limit, over: limit > 0 && n > limit };
  }

  function showCount(s) {
    if (!s || !s.result) return;
    var value = s.result.querySelector("#char-count-value, .js-count-value");
    var counter = s.result.querySelector(".composer-count");
    var warning = s.result.querySelector("#over-warning, .js-over-warning");
    if (value) value.textContent = String(s.n);
    if (counter) counter.classList.toggle("composer-count--over", s.over);
    if (warning) warning.hidden = !s.over;
  }

  /* A drafted reply's box fits its text, so nothing of it is hidden. */
  function grow(box) {
    if (!box.classList.contains("js-reply-text")) return;
    box.style.height = "auto";
    box.style.height = box.scrollHeight + 2 + "px";
  }

  function updateCount() {
    var boxes = live.querySelectorAll("#reply-text, .js-reply-text");
    Array.prototype.forEach.call(boxes, function (box) {
      showCount(state(box));
      grow(box);
    });
  }

  function say(text, where) {
    var status = (where || live).querySelector(".composer-live-status");
    if (status) status.textContent = text;
  }

  function hideUpdate() {
    var update = live.querySelector(".composer-update");
    if (update) update.hidden = true; // the reply follows every change
  }

  var pending = null;
  function refresh(url) {
    if (pending) pending.abort();
    pending = new AbortController();
    var focused = document.activeElement && document.activeElement.id;
    window.fetch(url, { headers: { Accept: "text/html" }, signal: pending.signal, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("composer-live");
        if (!fresh) return;
        live.innerHTML = fresh.innerHTML;
        window.history.replaceState(null, "", url);
        hideUpdate();
        updateCount();
        var again = focused && document.getElementById(focused);
        if (again) again.focus();
      })
      .catch(function () {});
  }

  function optionsUrl(form) {
    var data = new FormData(form);
    var params = new URLSearchParams();
    data.forEach(function (value, key) {
      if (value !== "") params.append(key, value);
    });
    return form.action + "?" + params.toString();
  }

  if (window.fetch && window.DOMParser) {
    hideUpdate();
    live.addEventListener("change", function (event) {
      var form = event.target.form;
      if (!form || form.id !== "composer-options" || event.target.id === "article-q") return;
      refresh(optionsUrl(form));
    });
    live.addEventListener("click", function (event) {
      var link = event.target.closest(".composer-hits a");
      if (link) {
        event.preventDefault();
        refresh(link.href);
      }
    });
  }

  live.addEventListener("input", function (event) {
    if (event.target.id === "reply-text" || event.target.classList.contains("js-reply-text")) {
      showCount(state(event.target));
      grow(event.target);
    }
  });

  live.addEventListener("click", function (event) {
    var button = event.target.closest("#copy-reply, .js-copy-reply");
    if (!button || !window.fetch || !navigator.clipboard) return;
    event.preventDefault();
    var form = button.form;
    var s = state(form.querySelector("#reply-text, .js-reply-text"));
    navigator.clipboard.writeText(s.box.value.trim()).then(function () {
      say(s.over ? button.dataset.copiedOver : button.dataset.copied, form);
      // The endpoint itself refuses to record a reply over the limit.
      window.fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin"
      }).catch(function () {});
    }, function () {
      s.box.select();
      say(button.dataset.copyFailed, form);
    });
  });

  updateCount();

  /* On a narrow screen the drafted replies come after the whole form: bring
     them (and what the post says) into view once, as the page loads. */
  var results = document.querySelector("#draft-results .draft-reading");
  if (results && window.matchMedia && window.matchMedia("(max-width: 52rem)").matches &&
      !window.location.hash) {
    results.scrollIntoView({ block: "start" });
  }
})();
