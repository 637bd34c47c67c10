// The agent's ticket page, enhanced (every control also works without it):
//  - the link picker searches /api/search in the ticket's language and lists an
//    article's sections from /api/articles/<slug>; choosing one inserts a
//    Markdown link at the cursor and puts the focus back in the reply;
//  - "Insert" of a canned response does the same with its filled-in text;
//  - the reply / internal note switch renames the send button;
//  - the properties (status, priority, assignee) save as soon as they change;
//  - while the reply box holds text the page tells the server every 20 s, and
//    names colleagues writing a reply to the same ticket (the notice is also
//    shown when the page loads, without JavaScript).
(function () {
  "use strict";

  const textarea = document.getElementById("body");
  const live = document.getElementById("live-region");

  function announce(text) {
    if (live) {
      live.textContent = "";
      window.setTimeout(function () { live.textContent = text; }, 50);
    }
  }

  // Insert at the cursor (or replace the selection) and keep typing after it.
  function insert(text) {
    const start = textarea.selectionStart;
    const end = textarea.selectionEnd;
    const before = textarea.value.slice(0, start);
    const after = textarea.value.slice(end);
    const gap = before && !/\s$/.test(before) ? " " : "";
    textarea.value = before + gap + text + after;
    const caret = start + gap.length + text.length;
    textarea.focus();
    textarea.setSelectionRange(caret, caret);
  }

  async function getJson(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) {
      throw new Error(String(response.status));
    }
    return response.json();
  }

  const picker = document.getElementById("link-picker");
  if (picker && textarea) {
    const input = picker.querySelector("#lq");
    const every = picker.querySelector("#lall");
    const searchButton = picker.querySelector('button[name="do"][value="search"]');
    const results = picker.querySelector(".picker-results");
    const labels = results.dataset;
    const lang = picker.dataset.lang;

    const clear = function () {
      while (results.firstChild) {
        results.removeChild(results.firstChild);
      }
    };
    const message = function (text) {
      clear();
      const p = document.createElement("p");
      p.textContent = text;
      results.appendChild(p);
    };
    const button = function (text, onClick) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "button-secondary picker-choice";
      b.textContent = text;
      b.addEventListener("click", onClick);
      return b;
    };
    const list = function (items) {
      const ul = document.createElement("ul");
      items.forEach(function (item) {
        const li = document.createElement("li");
        li.appendChild(item);
        ul.appendChild(li);
      });
      return ul;
    };
    const chosen = function (markdown) {
      insert(markdown);
      announce(labels.labelInserted);
    };

    const showSections = async function (slug) {
      try {
        const article = await getJson("/api/articles/" + encodeURIComponent(slug));
        clear();
        const heading = document.createElement("p");
        heading.textContent = labels.labelSections + ": " + article.title;
        results.appendChild(heading);
        const choices = [
          button(labels.labelWhole, function () {
            chosen("[" + article.title + "](" + article.url + ")");
          }),
        ];
        article.sections.forEach(function (section) {
          choices.push(
            button(section.title, function () {
              chosen("[" + article.title + " — " + section.title + "](" + section.url + ")");
            })
          );
        });
        results.appendChild(list(choices));
        const first = results.querySelector("button");
        if (first) {
          first.focus(); // keep the keyboard where the choices are
        }
      } catch (error) {
        message(labels.labelError);
      }
    };

    const search = async function () {
      const q = input.value.trim();
      if (!q) {
        return;
      }
      let url = "/api/search?limit=8&q=" + encodeURIComponent(q);
      if (!every || !every.checked) {
        url += "&lang=" + encodeURIComponent(lang);
      }
      try {
        const data = await getJson(url);
        if (!data.results.length) {
          message(labels.labelNone);
          return;
        }
        clear();
        results.appendChild(
          list(
            data.results.map(function (hit) {
              return button(hit.title + " (" + hit.lang + ")", function () {
                showSections(hit.slug);
              });
            })
          )
        );
      } catch (error) {
        message(labels.labelError);
      }
    };

    searchButton.addEventListener("click", function (event) {
      event.preventDefault();
      search();
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        search();
      }
    });
    // Server-rendered "Insert" buttons (after a search without JS) insert here too.
    results.addEventListener("click", function (event) {
      const target = event.target.closest('button[name="insert"]');
      if (target) {
        event.preventDefault();
        chosen(target.value);
      }
    });
  }

  const cannedButton = document.getElementById("canned-insert");
  const cannedSelect = document.getElementById("canned");
  if (cannedButton && cannedSelect && textarea) {
    cannedButton.addEventListener("click", function (event) {
      const option = cannedSelect.options[cannedSelect.selectedIndex];
      if (option && option.dataset.text) {
        event.preventDefault();
        insert(option.dataset.text);
      }
    });
  }

  const send = document.getElementById("send-button");
  if (send) {
    document.querySelectorAll('.reply-kind input[name="kind"]').forEach(function (radio) {
      radio.addEventListener("change", function () {
        send.textContent = radio.value === "note" ? send.dataset.labelNote : send.dataset.labelReply;
        document.getElementById("reply").classList.toggle("is-note", radio.value === "note");
      });
    });
  }

  const properties = document.querySelector(".ticket-update");
  if (properties && window.fetch) {
    const status = properties.querySelector(".save-status");
    const saveButton = properties.querySelector(".save-button");
    if (saveButton) {
      saveButton.hidden = true;
    }
    properties.addEventListener("change", async function () {
      try {
        const response = await fetch(properties.action, {
          method: "POST",
          body: new FormData(properties),
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        const data = await response.json();
        status.textContent = response.ok ? properties.dataset.saved : data.error || properties.dataset.failed;
      } catch (error) {
        status.textContent = properties.dataset.failed;
        if (saveButton) {
          saveButton.hidden = false;
        }
      }
    });
  }

  const presenceForm = document.getElementById("presence-form");
  const replying = document.getElementById("replying");
  if (presenceForm && replying && textarea && window.fetch) {
    let told = false;
    const poll = async function () {
      if (document.hidden) {
        return;
      }
      const active = textarea.value.trim() !== "";
      presenceForm.elements.active.value = active ? "1" : "0";
      if (!active && !told && replying.hidden) {
        return; // nothing to say and nobody to name: spare the request
      }
      told = active;
      try {
        const response = await fetch(presenceForm.action, {
          method: "POST",
          body: new FormData(presenceForm),
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        if (response.ok) {
          const data = await response.json();
          replying.textContent = data.notice;
          replying.hidden = !data.notice;
        }
      } catch (error) {
        // The notice is a courtesy: a failed poll changes nothing.
      }
    };
    let started = false;
    textarea.addEventListener("input", function () {
      if (!started && textarea.value.trim() !== "") {
        started = true;
        poll();
      }
    });
    window.setInterval(poll, 20000);
  }
})();
