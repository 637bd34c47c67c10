/*
 * Jawab: small progressive enhancements. Every page works without this file.
 *  1. "#" section links copy the section's address and announce it.
 *  2. Old section anchors (span.old-anchor) are rewritten to the heading's id.
 *  3. Search boxes suggest articles as you type (WAI-ARIA combobox + listbox).
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

  /* ---- 3. search as you type ----------------------------------------- */
  var pageLang = document.documentElement.lang;
  var suggestUrl = body.getAttribute("data-suggest-url") || "/api/suggest";
  var text = {
    label: body.getAttribute("data-suggestions-label") || "Suggested articles",
    one: body.getAttribute("data-suggestions-one") || "%(num)s suggestion",
    other: body.getAttribute("data-suggestions-other") || "%(num)s suggestions",
    none: body.getAttribute("data-no-suggestions") || "No suggestions"
  };
  var langName = window.Intl && Intl.DisplayNames ?
    new Intl.DisplayNames([pageLang], { type: "language" }) : null;

  function getSuggestions(q, lang, signal) {
    var url = suggestUrl + "?q=" + encodeURIComponent(q) +
      (lang ? "&lang=" + encodeURIComponent(lang) : "");
    return fetch(url, { signal: signal, headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
      .then(function (data) { return data.suggestions || []; });
  }

  function combobox(input) {
    var id = input.id || (input.id = "q-" + Math.random().toString(36).slice(2));
    var wrap = document.createElement("div");
    var list = document.createElement("ul");
    var items = [], active = -1, timer, controller, said = "";
    wrap.className = "combobox";
    list.id = id + "-suggestions";
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", text.label);
    list.hidden = true;
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    wrap.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");

    function open(show) {
      show = show && items.length > 0;
      list.hidden = !show;
      input.setAttribute("aria-expanded", String(show));
      if (!show) { highlight(-1); said = ""; }
    }

    function highlight(index) {
      active = index;
      Array.prototype.forEach.call(list.children, function (option, i) {
        if (i === index) option.setAttribute("aria-selected", "true");
        else option.removeAttribute("aria-selected");
      });
      if (index < 0) return input.removeAttribute("aria-activedescendant");
      input.setAttribute("aria-activedescendant", list.children[index].id);
      list.children[index].scrollIntoView({ block: "nearest" });
    }

    function render(suggestions) {
      items = suggestions;
      list.textContent = "";
      suggestions.forEach(function (s, i) {
        var option = document.createElement("li");
        option.id = id + "-suggestion-" + i;
        option.className = "suggestion";
        option.setAttribute("role", "option");
        option.lang = s.lang;
        option.appendChild(document.createTextNode(s.title));
        if (s.lang !== pageLang) {
          // Visible code for the eye; the full name for screen readers.
          var badge = document.createElement("span");
          badge.className = "suggestion-lang";
          badge.textContent = s.lang.toUpperCase();
          badge.setAttribute("aria-hidden", "true");
          option.appendChild(badge);
          if (langName) {
            var name = document.createElement("span");
            name.className = "visually-hidden";
            name.lang = pageLang;
            name.textContent = " (" + langName.of(s.lang) + ")";
            option.appendChild(name);
          }
        }
        list.appendChild(option);
      });
      open(items.length > 0);
      var n = items.length;
      var message = n ? (n === 1 ? text.one : text.other).replace("%(num)s", n) : text.none;
      // Say it once per result count, not on every keystroke.
      if (message !== said) announce(message);
      said = message;
    }

    function update() {
      var q = input.value;
      window.clearTimeout(timer);
      if (controller) controller.abort();
      if (!q.trim()) { render([]); said = ""; return; }
      controller = new AbortController();
      var signal = controller.signal;
      // The page's language first; if nothing matches, any language.
      getSuggestions(q, pageLang, signal)
        .then(function (found) {
          return found.length ? found : getSuggestions(q, "", signal);
        })
        .then(function (found) {
          if (!signal.aborted && document.activeElement === input) render(found);
        })
        .catch(function () { /* offline, aborted or 400: the form still works */ });
    }

    function go(index) {
      open(false);
      location.href = items[index].url;
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, 150);
    });

    input.addEventListener("keydown", function (event) {
      var expanded = !list.hidden, n = items.length;
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      switch (event.key) {
        case "ArrowDown":
        case "ArrowUp":
          event.preventDefault();
          var step = event.key === "ArrowDown" ? 1 : -1;
          if (!n) return update();
          if (!expanded) { open(true); return highlight(step > 0 ? 0 : n - 1); }
          // Wrap around; from "nothing active" go to the first or last option.
          highlight(active < 0 ? (step > 0 ? 0 : n - 1) : (active + step + n) % n);
          break;
        case "Enter":
          if (expanded && active >= 0) { event.preventDefault(); go(active); }
          else open(false);
          break;
        case "Escape":
          // type=search clears itself on Escape: only do that the second time.
          event.preventDefault();
          if (expanded) { open(false); break; }
          if (controller) controller.abort();
          window.clearTimeout(timer);
          input.value = "";
          items = [];
          break;
        case "Tab":
          open(false);
          break;
        case "Home": case "End": case "ArrowLeft": case "ArrowRight":
          highlight(-1); // back to editing the text
          break;
      }
    });

    input.addEventListener("blur", function () { open(false); });
    // Keep focus (and the caret) in the field while an option is clicked.
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    list.addEventListener("click", function (event) {
      var option = event.target.closest('[role="option"]');
      if (option) go(Array.prototype.indexOf.call(list.children, option));
    });
    // Coming back with the Back button: don't show a stale popup.
    window.addEventListener("pageshow", function () { open(false); });
  }

  if (window.fetch && window.AbortController) {
    document.querySelectorAll('form[role="search"] input[name="q"]').forEach(combobox);
  }
})();
