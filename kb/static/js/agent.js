// The agent's link picker: search the knowledge base through /api/search, list
// an article's sections from /api/articles/<slug>, and insert a Markdown link at
// the cursor in the reply box. Without JavaScript the same form works as a plain
// GET search on the page, so everything here is an enhancement.
(function () {
  "use strict";

  const picker = document.getElementById("link-picker");
  const textarea = document.getElementById("body");
  if (!picker || !textarea) {
    return;
  }
  const form = picker.querySelector(".picker-form");
  const input = picker.querySelector("#lq");
  const results = picker.querySelector(".picker-results");
  const labels = results.dataset;

  function clear() {
    while (results.firstChild) {
      results.removeChild(results.firstChild);
    }
  }

  function message(text) {
    clear();
    const p = document.createElement("p");
    p.textContent = text;
    results.appendChild(p);
  }

  function button(text, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "button-secondary picker-choice";
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  // Insert at the cursor (or replace the selection) and keep typing after it.
  function insert(markdown) {
    const start = textarea.selectionStart;
    const end = textarea.selectionEnd;
    const before = textarea.value.slice(0, start);
    const after = textarea.value.slice(end);
    textarea.value = before + markdown + after;
    const caret = start + markdown.length;
    textarea.focus();
    textarea.setSelectionRange(caret, caret);
  }

  function list(items) {
    const ul = document.createElement("ul");
    items.forEach(function (item) {
      const li = document.createElement("li");
      li.appendChild(item);
      ul.appendChild(li);
    });
    return ul;
  }

  async function getJson(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) {
      throw new Error(String(response.status));
    }
    return response.json();
  }

  async function showSections(slug) {
    try {
      const article = await getJson("/api/articles/" + encodeURIComponent(slug));
      clear();
      const heading = document.createElement("p");
      heading.textContent = labels.labelSections + ": " + article.title;
      results.appendChild(heading);
      const choices = [
        button(labels.labelWhole, function () {
          insert("[" + article.title + "](" + article.url + ")");
        }),
      ];
      article.sections.forEach(function (section) {
        choices.push(
          button(section.title, function () {
            insert("[" + article.title + " — " + section.title + "](" + section.url + ")");
          })
        );
      });
      results.appendChild(list(choices));
    } catch (error) {
      message(labels.labelError);
    }
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const q = input.value.trim();
    if (!q) {
      return;
    }
    try {
      const data = await getJson("/api/search?limit=8&q=" + encodeURIComponent(q));
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
  });
})();
