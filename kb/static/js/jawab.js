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

  /* ---- 3. search as you type: WAI-ARIA 1.2 combobox, list autocomplete -- */
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

  function attrs(node, map) {
    Object.keys(map).forEach(function (k) { node.setAttribute(k, map[k]); });
    return node;
  }

  function el(tag, map, content) {
    var node = attrs(document.createElement(tag), map);
    if (content) node.textContent = content;
    return node;
  }

  function getSuggestions(q, lang, signal) {
    var url = suggestUrl + "?q=" + encodeURIComponent(q) +
      (lang ? "&lang=" + encodeURIComponent(lang) : "");
    return fetch(url, { signal: signal, headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("suggest: HTTP " + r.status);
        return r.json();
      })
      .then(function (data) { return data.suggestions || []; });
  }

  function option(s, id) {
    var li = el("li", { id: id, role: "option", class: "suggestion", lang: s.lang });
    li.appendChild(el("span", { class: "suggestion-title" }, s.title));
    if (s.lang !== pageLang) {
      // A short visible badge; screen readers get the language's full name.
      li.appendChild(el("span", { class: "suggestion-lang", "aria-hidden": "true" },
        s.lang.toUpperCase()));
      if (langName) {
        li.appendChild(el("span", { class: "visually-hidden", lang: pageLang },
          " (" + langName.of(s.lang) + ")"));
      }
    }
    return li;
  }

  function combobox(input) {
    var id = input.id || (input.id = "q-" + Math.random().toString(36).slice(2));
    var wrap = el("div", { class: "combobox" });
    var list = el("ul", {
      id: id + "-suggestions", role: "listbox", class: "suggestions", "aria-label": text.label
    });
    var items = [], active = -1, timer, controller, said = "";
    list.hidden = true;
    input.replaceWith(wrap);
    wrap.append(input, list);
    attrs(input, {
      role: "combobox", "aria-autocomplete": "list",
      "aria-controls": list.id, "aria-expanded": "false"
    });

    function highlight(index) {
      active = index;
      Array.prototype.forEach.call(list.children, function (li, i) {
        if (i === index) li.setAttribute("aria-selected", "true");
        else li.removeAttribute("aria-selected");
      });
      if (index < 0) return input.removeAttribute("aria-activedescendant");
      input.setAttribute("aria-activedescendant", list.children[index].id);
      list.children[index].scrollIntoView({ block: "nearest" });
    }

    function show(on) {
      on = on && items.length > 0;
      list.hidden = !on;
      input.setAttribute("aria-expanded", String(on));
      if (!on) highlight(-1);
    }

    // Also drops a pending request, so a late answer cannot reopen the list; the
    // next list is announced again, even if it has the same number of options.
    function close() {
      window.clearTimeout(timer);
      if (controller) controller.abort();
      show(false);
      said = "";
    }

    function render(found) {
      items = found;
      active = -1;
      list.replaceChildren.apply(list, found.map(function (s, i) {
        return option(s, id + "-suggestion-" + i);
      }));
      show(true);
      var n = found.length, message = text.none;
      if (n) message = (n === 1 ? text.one : text.other).replace("%(num)s", n);
      // Say it when it changes, not on every keystroke.
      if (message !== said) announce(message);
      said = message;
    }

    function update() {
      var q = input.value;
      if (controller) controller.abort(); // stale: its answer is ignored
      if (!q.trim()) { items = []; return close(); } // no request for nothing
      var signal = (controller = new AbortController()).signal;
      // The page's language first; if that finds nothing, any language.
      getSuggestions(q, pageLang, signal)
        .then(function (found) {
          return found.length ? found : getSuggestions(q, "", signal);
        })
        .then(function (found) {
          if (!signal.aborted && document.activeElement === input) render(found);
        })
        .catch(function () {
          // Offline or refused (e.g. 400 too long): no list, the form still works.
          if (!signal.aborted) { items = []; close(); }
        });
    }

    function go(index) {
      close();
      location.href = items[index].url;
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, input.value.trim() ? 150 : 0);
    });

    input.addEventListener("keydown", function (event) {
      var n = items.length, expanded = !list.hidden, down = event.key === "ArrowDown";
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!n) return update();
        show(true);
        // Wrap around; from "nothing active" go to the first or the last option.
        highlight(active < 0 ? (down ? 0 : n - 1) : (active + (down ? 1 : n - 1)) % n);
      } else if (event.key === "Enter") {
        if (expanded && active >= 0) { event.preventDefault(); go(active); }
        else close(); // and the form submits as usual
      } else if (event.key === "Escape") {
        // Chromium clears type=search on Escape: only do that the second time.
        event.preventDefault();
        if (!expanded) { input.value = ""; items = []; }
        close();
      } else if (event.key === "Tab") {
        close();
      } else if (/^(Home|End|ArrowLeft|ArrowRight)$/.test(event.key)) {
        highlight(-1); // back to editing the text
      }
    });

    input.addEventListener("blur", close);
    // Keep focus (and the caret) in the field while an option is clicked.
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    list.addEventListener("click", function (event) {
      var li = event.target.closest('[role="option"]');
      if (li) go(Array.prototype.indexOf.call(list.children, li));
    });
    // Back from an article (bfcache): don't show the old list again.
    window.addEventListener("pageshow", close);
  }

  if (window.fetch && window.AbortController && Element.prototype.replaceChildren) {
    document.querySelectorAll('form[role="search"] input[name="q"]').forEach(combobox);
  }
})();
