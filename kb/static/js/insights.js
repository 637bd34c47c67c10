// Anonymous counting for the reports: a visit id in this tab's sessionStorage
// (no cookie; a new one after 30 minutes idle), the article view, the search
// result opened, a picked suggestion, and "Was this helpful?" votes. Without
// this script the pages still work: votes go through a small form and views
// are counted by a <noscript> image, without a visit.
(function () {
  "use strict";
  var body = document.body;
  var url = body.getAttribute("data-events-url");
  if (!url || !window.fetch || !window.JSON) return;
  var KEY = "jawab-visit", IDLE = 30 * 60 * 1000;

  function visit() {
    try {
      var now = Date.now(), saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
      var id = saved && now - saved.t < IDLE ? saved.id : null;
      if (!id) {
        var bytes = new Uint8Array(12);
        window.crypto.getRandomValues(bytes);
        id = Array.prototype.map.call(bytes, function (b) {
          return ("0" + b.toString(16)).slice(-2);
        }).join("");
      }
      sessionStorage.setItem(KEY, JSON.stringify({ id: id, t: now }));
      return id;
    } catch (e) {
      return null; // storage blocked: events still count, not linked
    }
  }

  function send(data) {
    data.v = visit();
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(data),
      credentials: "same-origin",
      keepalive: true
    });
  }

  // The search form carries the visit, so a retyped query replaces the last one.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.search-form")) return;
    var field = form.querySelector("input[name=v]");
    var id = visit();
    if (!id) return;
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "v";
      form.appendChild(field);
    }
    field.value = id;
  }, true);

  var viewed = document.querySelector("[data-view-slug]");
  if (viewed) {
    var params = new URLSearchParams(location.search);
    send({
      t: "view", slug: viewed.getAttribute("data-view-slug"),
      src: params.get("src") || "", r: params.get("r") || "", sr: params.has("sr")
    }).catch(function () {});
  }

  var results = document.querySelector("[data-search-key]");
  if (results) {
    results.addEventListener("click", function (event) {
      var link = event.target.closest("a");
      var item = link && link.closest("li.result");
      var title = item && item.querySelector("h3 a");
      if (!title || link.closest(".result-agent")) return;
      var rank = (parseInt(results.getAttribute("start"), 10) || 1) +
        Array.prototype.indexOf.call(results.children, item);
      var section = link.hash ? decodeURIComponent(link.hash.slice(1)) : "";
      send({
        t: "click", k: results.getAttribute("data-search-key"),
        slug: title.pathname.split("/").pop(), rank: rank, section: section
      }).catch(function () {});
    });
  }

  document.addEventListener("jawab:pick", function (event) {
    var d = event.detail || {};
    send({ t: "pick", q: d.q, slug: d.slug, lang: d.lang, rank: d.rank, n: d.n })
      .catch(function () {});
  });

  document.querySelectorAll("[data-feedback]").forEach(function (box) {
    var status = box.querySelector("[data-feedback-status]");
    var reasons = box.querySelector("[data-feedback-reasons]");
    var key = null;
    box.addEventListener("click", function (event) {
      var button = event.target.closest("[data-vote]");
      if (!button) return;
      event.preventDefault();
      var helpful = button.getAttribute("data-vote") === "yes";
      send({
        t: "vote", slug: box.getAttribute("data-article"),
        section: box.getAttribute("data-section") || "", helpful: helpful
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
        key = data && data.key;
        box.querySelectorAll("[data-vote]").forEach(function (b) {
          if (b === button) b.setAttribute("aria-current", "true");
          else b.removeAttribute("aria-current");
        });
        status.textContent = body.getAttribute("data-vote-thanks");
        if (!helpful && key && reasons) {
          reasons.hidden = false;
          var first = reasons.querySelector("input");
          if (first) first.focus();
        }
      }).catch(function () {
        location.href = button.href; // the form without JavaScript
      });
    });
    if (reasons) {
      reasons.addEventListener("submit", function (event) {
        event.preventDefault();
        var chosen = reasons.querySelector("input[name=reason]:checked");
        if (chosen && key) {
          send({ t: "reason", k: key, reason: chosen.value,
            comment: reasons.querySelector("textarea").value }).catch(function () {});
        }
        reasons.hidden = true;
        status.textContent = body.getAttribute("data-reason-thanks");
      });
    }
  });
})();
