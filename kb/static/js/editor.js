// The editor page: autosave (every few seconds and when the page is left),
// toolbar buttons and keyboard shortcuts. Without it the Save and Preview
// buttons do the same work with full page loads.
(function () {
  "use strict";
  var form = document.getElementById("editor-form");
  if (!form) return;
  var status = document.getElementById("autosave-status");
  var body = document.getElementById("body");
  var saveUrl = form.getAttribute("data-autosave");
  var newUrl = form.getAttribute("data-autosave-new");
  var revision = form.querySelector("input[name=revision]");
  var dirty = edited(form);
  var saving = false;
  var INTERVAL = 4000;

  // Typing can start before this deferred script runs (a slow line): what
  // differs from the page as it was sent already counts as unsaved.
  function edited(form) {
    return Array.prototype.some.call(form.elements, function (el) {
      if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
      if (el.options) {
        var first = el.multiple ? -1 : 0;  // a plain select with none marked shows its first
        var marked = Array.prototype.some.call(el.options, function (o) { return o.defaultSelected; });
        return Array.prototype.some.call(el.options, function (o, i) {
          return o.selected !== (marked ? o.defaultSelected : i === first);
        });
      }
      return "defaultValue" in el && el.type !== "file" && el.value !== el.defaultValue;
    });
  }

  function say(text) { if (status) status.textContent = text; }
  var T = {
    saving: document.documentElement.lang === "id" ? "Menyimpan…" : "Saving…",
    saved: document.documentElement.lang === "id" ? "Tersimpan otomatis pukul " : "Saved automatically at ",
    failed: document.documentElement.lang === "id" ? "Belum tersimpan: " : "Not saved yet: "
  };

  function data() {
    var fd = new FormData(form);
    fd.delete("step");
    return fd;
  }

  function done(json) {
    if (json.url && json.autosave) {
      // The first save of a new article made its draft: keep saving there.
      saveUrl = json.autosave;
      form.action = json.url;
      form.setAttribute("data-autosave", json.autosave);
      newUrl = null;
      history.replaceState(null, "", json.url);
    }
    if (revision && json.revision !== undefined) revision.value = String(json.revision);
    if (json.preview) showPreview(json.preview);
    // A change to a draft under review sent it back to being written: say so.
    if (json.notice) { say(json.notice); return; }
    // The server says when, in the site's zone (the browser's may differ).
    say(json.saved_text || (T.saved + new Date().toLocaleTimeString()));
  }

  // Live preview: each autosave brings the draft back rendered by the site's
  // own renderer (already sanitized on the server) and kb check's problems.
  var preview = document.getElementById("preview");
  function showPreview(p) {
    if (!preview) return;
    var hint = preview.querySelector(".field-hint");
    if (hint) hint.remove();
    var list = preview.querySelector(".editor-live-problems");
    if (!list) {
      list = document.createElement("div");
      list.className = "editor-live-problems";
      preview.insertBefore(list, preview.children[1] || null);
    }
    list.textContent = "";
    if (p.ok) {
      var fine = document.createElement("p");
      fine.className = "notice";
      fine.textContent = p.ok_text;
      list.appendChild(fine);
    } else {
      var ul = document.createElement("ul");
      ul.className = "editor-problems";
      p.problems.forEach(function (text) {
        var li = document.createElement("li");
        li.textContent = text;
        ul.appendChild(li);
      });
      list.appendChild(ul);
    }
    var old = preview.querySelector(".notice[role=status]");
    if (old && old.parentNode === preview) old.remove();
    var bodyBox = preview.querySelector(".article-body");
    if (!bodyBox) {
      bodyBox = document.createElement("div");
      bodyBox.className = "article-body prose";
      preview.appendChild(bodyBox);
    }
    if (form.elements.lang) bodyBox.setAttribute("lang", form.elements.lang.value);
    bodyBox.innerHTML = p.html;
  }

  function save() {
    var url = saveUrl || newUrl;
    if (!dirty || saving || !url) return;
    if (!saveUrl && !(form.elements.title && form.elements.title.value.trim())) return;
    saving = true;
    dirty = false;
    say(T.saving);
    var fd = data();
    if (saveUrl) fd.set("live", "1");  // the saved draft comes back rendered
    fetch(url, {
      method: "POST", body: fd, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
    }).then(function (r) {
      return r.json().then(function (json) {
        if (!r.ok) { dirty = true; say(T.failed + (json.error || r.status)); return; }
        done(json);
      });
    }).catch(function () { dirty = true; say(T.failed + "offline"); })
      .then(function () { saving = false; });
  }

  function leave() {
    // Closing the tab or the browser: the last keystrokes go with the page.
    // An autosave still on its way is cancelled with the page, so it goes again
    // (the server ignores it if the first one got there: same revision).
    if ((!dirty && !saving) || !saveUrl) return;
    var fd = data();
    var sent = navigator.sendBeacon && navigator.sendBeacon(saveUrl, fd);
    if (!sent) {
      fetch(saveUrl, { method: "POST", body: fd, keepalive: true, credentials: "same-origin" });
    }
    dirty = false;
  }

  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("submit", function () { dirty = false; });
  setInterval(save, INTERVAL);
  window.addEventListener("pagehide", leave);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") leave();
  });

  // -- toolbar and shortcuts --------------------------------------------
  var toolbar = form.querySelector(".editor-toolbar");
  function wrap(before, after, placeholder) {
    var start = body.selectionStart, end = body.selectionEnd;
    var chosen = body.value.slice(start, end) || placeholder;
    body.setRangeText(before + chosen + after, start, end, "select");
    body.setSelectionRange(start + before.length, start + before.length + chosen.length);
    body.focus();
    dirty = true;
  }
  function line(prefix) {
    var start = body.value.lastIndexOf("\n", body.selectionStart - 1) + 1;
    body.setRangeText(prefix, start, start, "end");
    body.focus();
    dirty = true;
  }
  function block(text) {
    var at = body.selectionEnd;
    body.setRangeText("\n\n" + text + "\n", at, at, "end");
    body.focus();
    dirty = true;
  }
  var actions = {
    bold: function () { wrap("**", "**", "text"); },
    italic: function () { wrap("_", "_", "text"); },
    heading: function () { line("## "); },
    link: function () { wrap("[", "](slug)", "text"); },
    list: function () { line("- "); },
    table: function () { block("| Kolom | Kolom |\n|---|---|\n| isi | isi |"); },
    note: function () { block("!!! note\n    Text"); }
  };
  if (toolbar && body) {
    toolbar.hidden = false;
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-md]");
      if (button && actions[button.getAttribute("data-md")]) actions[button.getAttribute("data-md")]();
    });
  }
  function press(step) {
    var button = form.querySelector("button[name=step][value=" + step + "]");
    if (button) button.click();
  }
  form.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey)) return;
    var key = event.key.toLowerCase();
    if (key === "s") { event.preventDefault(); press("save"); }
    else if (key === "enter") { event.preventDefault(); press("preview"); }
    else if (event.target === body && key === "b") { event.preventDefault(); actions.bold(); }
    else if (event.target === body && key === "i") { event.preventDefault(); actions.italic(); }
    else if (event.target === body && key === "k") { event.preventDefault(); actions.link(); }
  });

  // A problem's "Line N" link puts the cursor on that line of the body.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-line]");
    if (!link || !body) return;
    event.preventDefault();
    var n = parseInt(link.getAttribute("data-line"), 10), pos = 0;
    for (var i = 1; i < n; i++) { var next = body.value.indexOf("\n", pos); if (next < 0) break; pos = next + 1; }
    body.focus();
    body.setSelectionRange(pos, pos);
  });
})();
