// The queue as a work list: a click anywhere on a row opens its ticket (the
// subject is the row's real link, so keyboard and no-JS users lose nothing),
// and the bulk bar's assignee list only shows when "Assign to" is chosen.
(function () {
  "use strict";

  document.querySelectorAll(".queue-list tbody tr").forEach(function (row) {
    const link = row.querySelector("a.row-link");
    if (!link) {
      return;
    }
    row.addEventListener("click", function (event) {
      if (event.target.closest("a, button, input, select, label")) {
        return;
      }
      if (window.getSelection && String(window.getSelection())) {
        return; // the agent is selecting text to copy, not opening the ticket
      }
      link.click();
    });
  });

  const action = document.getElementById("bulk-action");
  const assignee = document.getElementById("bulk-assignee");
  if (action && assignee) {
    const sync = function () {
      assignee.hidden = action.value !== "assign";
    };
    action.addEventListener("change", sync);
    sync();
  }
})();
