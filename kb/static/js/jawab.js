/*
 * Jawab: small progressive enhancements. Every page works without this file.
 *  1. "#" section links copy the section's address and announce it.
 *  2. Old section anchors (span.old-anchor) are rewritten to the heading's id.
 *  3. Search boxes suggest articles as you type (WAI-ARIA combobox + listbox).
 *  4. button[data-copy] copies the field it names (e.g. the ticket's secret link);
 *     its own data-copied / data-copy-failed say what it copied (a reply, not a link).
 *  5. The contact form suggests articles while the subject is typed.
 *  6. A form's error summary takes focus; its links focus the field in error;
 *     a field's error goes away as soon as the field is fixed.
 *  7. A section's "#" button also opens that section's share and help menu;
 *     a link with ?s=<anchor> and no #fragment opens at that section.
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

  // A tooltip is centred over (or ends with) its control; near the screen's
  // edge it would widen the page, so shift it back inside (8 px margin).
  // It is measured parked far to the left: measured in place, it widened the
  // page once, and Chromium kept that width after the shift (a 388 px page).
  var PARKED = -10000;
  function keepOnScreen(control) {
    control.style.setProperty("--tooltip-shift", PARKED + "px");
    var tip = window.getComputedStyle(control, "::after");
    var width = parseFloat(tip.width);
    if (!width) return;
    var moved = new DOMMatrixReadOnly(tip.transform === "none" ? "" : tip.transform);
    var left = control.getBoundingClientRect().left + parseFloat(tip.left) +
      moved.m41 - PARKED;
    var room = document.documentElement.clientWidth - 8;
    var shift = Math.max(8 - left, Math.min(0, room - (left + width)));
    control.style.setProperty("--tooltip-shift", Math.round(shift) + "px");
  }

  function confirm(link, message, copied) {
    link.setAttribute("data-tooltip", message);
    link.classList.toggle("is-copied", copied);
    keepOnScreen(link);
    window.clearTimeout(link.jawabTimer);
    link.jawabTimer = window.setTimeout(function () {
      link.removeAttribute("data-tooltip");
      link.classList.remove("is-copied");
      link.style.removeProperty("--tooltip-shift");
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
    var tools = document.getElementById("tools-" + section);
    // ?s= makes link previews (WhatsApp, X, Facebook) show this section.
    var url = (tools && tools.getAttribute("data-url")) ||
      location.origin + location.pathname + "?s=" + encodeURIComponent(section) +
      "#" + section;
    if (tools) openTools(link, tools);
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

  /* ---- 7. section menu: share this section, still need help ------------ */
  function closeTools(tools) {
    tools.hidden = true;
    var owner = document.querySelector('a.section-link[aria-controls="' + tools.id + '"]');
    if (owner) owner.setAttribute("aria-expanded", "false");
  }

  function openTools(link, tools) {
    document.querySelectorAll(".section-tools").forEach(function (other) {
      if (other !== tools && !other.hidden) closeTools(other);
    });
    var heading = link.closest("h2, h3, h4");
    if (heading && tools.previousElementSibling !== heading) heading.after(tools);
    link.setAttribute("aria-controls", tools.id);
    link.setAttribute("aria-expanded", "true");
    tools.hidden = false;
  }

  document.querySelectorAll(".section-tools").forEach(function (tools) {
    var link = document.querySelector(
      'a.section-link[data-section="' + tools.getAttribute("data-for") + '"]');
    if (!link) return;
    link.setAttribute("aria-controls", tools.id);
    link.setAttribute("aria-expanded", "false");
    tools.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      closeTools(tools);
      link.focus();
    });
  });

  document.addEventListener("keydown", function (event) {
    var link = event.target.closest && event.target.closest("a.section-link");
    if (event.key !== "Escape" || !link) return;
    var tools = document.getElementById("tools-" + link.getAttribute("data-section"));
    if (tools) closeTools(tools);
  });

  function openAtSection() {
    var holder = document.querySelector("[data-open-section]");
    if (!holder || location.hash) return;
    var target = document.getElementById(holder.getAttribute("data-open-section"));
    if (!target) return;
    // Like following url#anchor: scrolls there and highlights it (:target).
    location.replace("#" + encodeURIComponent(target.id));
  }

  openAtSection();

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
      // insights.js counts the pick as a search from the suggestions.
      document.dispatchEvent(new CustomEvent("jawab:pick", { detail: {
        q: input.value, slug: items[index].slug, lang: items[index].lang,
        rank: index + 1, n: items.length
      } }));
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
    document.querySelectorAll('form[role="search"]:not([data-no-suggest]) input[name="q"]').forEach(combobox);
  }

  /* ---- 4. copy buttons: <button data-copy="#field"> --------------------- */
  var fieldFailedText = body.getAttribute("data-copy-field-failed") || failedText;

  function copyButton(button) {
    var target = null;
    var fixed = button.getAttribute("data-copy-text");
    if (fixed !== null) {
      target = { value: fixed, matches: function () { return false; } };
    } else {
      try {
        target = document.querySelector(button.getAttribute("data-copy"));
      } catch (e) {
        return; // not a valid selector
      }
    }
    if (!target) return;
    var isField = target.matches("input, textarea");
    // One click or tab into the field selects the whole link, ready to copy by hand
    // (a reply the agent may still edit keeps its caret).
    if (isField && target.readOnly) {
      target.addEventListener("focus", function () { target.select(); });
      target.addEventListener("click", function () { target.select(); });
    }
    var copied = button.getAttribute("data-copied") || copiedText;
    var failed = button.getAttribute("data-copy-failed") || fieldFailedText;
    button.addEventListener("click", function () {
      var value = (isField || fixed !== null ? target.value : target.textContent).trim();
      copy(value).then(function (ok) {
        var message = ok ? copied : failed;
        confirm(button, message, ok);
        announce(message);
        if (!ok && isField) {
          target.focus();
          target.select();
        }
      });
    });
    // Without this script the button could do nothing, so it starts hidden.
    button.hidden = false;
  }

  document.querySelectorAll("button[data-copy], button[data-copy-text]").forEach(copyButton);

  /* ---- 5. contact form: articles that may answer the subject ------------ */
  var deflectHeading = body.getAttribute("data-deflect-heading") ||
    "These articles may answer your question:";

  function recordDeflection(url) {
    var token = csrfToken();
    if (!token || !navigator.sendBeacon) return;
    var data = new FormData();
    data.append("csrf_token", token);
    navigator.sendBeacon(url, data);
  }

  function csrfToken() {
    var field = document.querySelector('input[name="csrf_token"]');
    return field && field.value;
  }

  function deflections(input) {
    var box = document.getElementById(input.id + "-suggestions");
    var template = input.getAttribute("data-deflect");
    if (!box || !template || template.indexOf("__slug__") < 0) return;
    var timer, controller, shown = "";

    function render(found) {
      found = found.slice(0, 5);
      var key = found.map(function (s) { return s.slug; }).join("\n");
      if (key === shown) return; // the same list: leave it (and the live region) alone
      shown = key;
      if (!found.length) return box.replaceChildren();
      var headingId = box.id + "-heading";
      var list = el("ul", { "aria-labelledby": headingId });
      found.forEach(function (s) {
        var item = document.createElement("li");
        var link = el("a", { href: s.url }, s.title);
        // Opening a suggestion is recorded by a POST carrying the form's CSRF
        // token (a GET that writes could be inflated by any site's <img>).
        link.addEventListener("click", function () {
          recordDeflection(template.replace("__slug__", encodeURIComponent(s.slug)));
        });
        item.appendChild(link);
        list.appendChild(item);
      });
      box.replaceChildren(
        el("p", { id: headingId, class: "deflections-heading" }, deflectHeading), list);
    }

    function update() {
      var q = input.value.trim();
      if (controller) controller.abort(); // stale: its answer is ignored
      controller = null;
      if (q.length < 3) return render([]);
      var signal = (controller = new AbortController()).signal;
      getSuggestions(q, pageLang, signal)
        .then(function (found) { if (!signal.aborted) render(found); })
        .catch(function () { if (!signal.aborted) render([]); });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      // Too short: empty the list at once; otherwise wait for a pause in typing.
      if (input.value.trim().length < 3) update();
      else timer = window.setTimeout(update, 250);
    });
  }

  if (window.fetch && window.AbortController && Element.prototype.replaceChildren) {
    document.querySelectorAll("input[data-deflect]").forEach(deflections);
  }

  /* ---- 6. error summary ------------------------------------------------- */
  var summary = document.querySelector(".form-error-summary");
  if (summary) {
    summary.focus();
    // "#email" would only scroll; focus the field, with its label in view.
    summary.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest('a[href^="#"]');
      var field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!field || !field.focus) return;
      event.preventDefault();
      (field.closest(".field") || field).scrollIntoView({ block: "start" });
      field.focus({ preventScroll: true });
    });
  }

  // An error stays only while it is true: once the field is fixed (the browser's
  // own checks of required, length and type pass), its message and mark go.
  // "Wrong" is what the server sent back, not what the field holds now: on a slow
  // line the customer may have fixed it before this deferred script ran.
  document.querySelectorAll('.field [aria-invalid="true"]').forEach(function (input) {
    var wrong = "defaultValue" in input ? input.defaultValue : input.value;
    function check() {
      if (input.value === wrong || !input.checkValidity()) return;
      var errorId = input.id + "-error";
      var error = document.getElementById(errorId);
      if (error) error.remove();
      input.removeAttribute("aria-invalid");
      var rest = (input.getAttribute("aria-describedby") || "").split(/\s+/)
        .filter(function (id) { return id && id !== errorId; });
      if (rest.length) input.setAttribute("aria-describedby", rest.join(" "));
      else input.removeAttribute("aria-describedby");
      var wrap = input.closest(".field");
      if (wrap) wrap.classList.remove("field--error");
      var item = summary && summary.querySelector('a[href="#' + input.id + '"]');
      if (item) item.closest("li").remove();
      if (summary && !summary.querySelector("li")) summary.hidden = true;
      input.removeEventListener("input", check);
      input.removeEventListener("change", check);
    }
    input.addEventListener("input", check);
    input.addEventListener("change", check);
    check();
  });
})();

/* Attachments: files over the limits are named at the field before sending.
   A body over the server's limit would be refused whole (413) and the text
   typed with it lost; the server checks everything again either way. */
(function () {
  "use strict";
  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    if (!input.form) return;
    input.form.addEventListener("submit", function (event) {
      if (event.submitter && event.submitter.hasAttribute("formnovalidate")) return;
      var files = Array.prototype.slice.call(input.files || []);
      var max = Number(input.getAttribute("data-max-bytes"));
      var most = Number(input.getAttribute("data-max-files"));
      var big = files.filter(function (file) { return file.size > max; })[0];
      var message = "";
      if (files.length > most) {
        message = input.getAttribute("data-too-many");
      } else if (big) {
        message = input.getAttribute("data-too-large").replace("{name}", "“" + big.name + "”");
      }
      if (!message) return;
      event.preventDefault();
      var id = input.id + "-error";
      var error = document.getElementById(id);
      if (!error) {
        error = document.createElement("p");
        error.className = "field-error";
        error.id = id;
        input.insertAdjacentElement("afterend", error);
        var described = (input.getAttribute("aria-describedby") || "").split(" ");
        if (described.indexOf(id) < 0) described.push(id);
        input.setAttribute("aria-describedby", described.join(" ").trim());
      }
      error.textContent = message;
      input.setAttribute("aria-invalid", "true");
      input.closest(".field") && input.closest(".field").classList.add("field--error");
      input.focus();
    });
  });
})();
