// Convener's page behaviour, from one static file: the Content-Security-Policy allows no
// inline script, event-handler attribute or hx-on (which htmx would have to eval). Each
// behaviour is asked for by a data- attribute and handled by delegation, so that content
// htmx swaps in later behaves the same.
"use strict";

(function () {
  // A button that opens a <dialog> (the htmx request it also makes fills the dialog).
  document.addEventListener("click", function (event) {
    const opener = event.target.closest("[data-open-dialog]");
    if (opener) {
      const dialog = document.getElementById(opener.dataset.openDialog);
      if (dialog && !dialog.open) dialog.showModal();
    }
    const closer = event.target.closest("[data-close-dialog]");
    if (closer) {
      const dialog = closer.closest("dialog");
      if (dialog) dialog.close();
    }
  });

  // A dialog's body goes back to its loading placeholder when the dialog closes, so that
  // the next opening never shows the previous form. "close" does not bubble: capture it.
  const placeholders = new WeakMap();
  function rememberPlaceholders(root) {
    root.querySelectorAll("[data-dialog-body]").forEach(function (body) {
      if (!placeholders.has(body)) placeholders.set(body, body.innerHTML);
    });
  }
  document.addEventListener("close", function (event) {
    const dialog = event.target;
    if (!(dialog instanceof HTMLDialogElement)) return;
    dialog.querySelectorAll("[data-dialog-body]").forEach(function (body) {
      if (placeholders.has(body)) body.innerHTML = placeholders.get(body);
    });
  }, true);

  // After htmx shows a form with errors, the first invalid field gets the focus.
  document.addEventListener("htmx:afterSettle", function (event) {
    const area = event.target.closest && event.target.closest("[data-focus-invalid]");
    const bad = area && area.querySelector("[aria-invalid=true]");
    if (bad) bad.focus();
  });

  // The browser's own time zone travels with forms that have a browser_timezone field.
  function fillBrowserZone(root) {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    root.querySelectorAll("input[name=browser_timezone]").forEach(function (input) {
      input.value = zone;
    });
  }

  // A provider choice shows only the warning that belongs to the chosen provider.
  document.addEventListener("change", function (event) {
    const select = event.target;
    if (select.name !== "provider" || !select.form) return;
    select.form.querySelectorAll("[data-provider-warning]").forEach(function (warning) {
      warning.hidden = warning.dataset.providerWarning !== select.value;
    });
    // Only the chosen provider's "Hosted on" choices are shown and sent.
    select.form.querySelectorAll("[data-host-choice]").forEach(function (group) {
      const other = group.dataset.hostChoice !== select.value;
      group.hidden = other;
      group.disabled = other;
    });
  });

  // A form with data-confirm asks before it is sent.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // "Copy link": the link's address to the clipboard, or a prompt to copy it by hand.
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy-link]");
    if (!button) return;
    const link = document.getElementById(button.dataset.copyLink);
    if (!link) return;
    const url = link.href;
    const copied = navigator.clipboard ? navigator.clipboard.writeText(url) : Promise.reject();
    copied.then(
      function () { button.textContent = "Copied"; },
      function () { window.prompt("Copy the meeting link", url); }
    );
  });

  // A form with data-submit-once sends itself once: a second click while the next page
  // loads would ask again for what is being done.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (event.defaultPrevented || !form.dataset || form.dataset.submitOnce === undefined) return;
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.setAttribute("aria-disabled", "true");
    });
  });

  // The contacts list's selection: boxes ticked on this page, or "all N matching", which
  // sends the list's filters instead of ids (the server finds the contacts again).
  function refreshSelection(form) {
    const rows = Array.from(form.querySelectorAll("[data-select-row]"));
    const ticked = rows.filter(function (row) { return row.checked; }).length;
    const allInput = form.querySelector("[data-all-matching]");
    const allMatching = allInput && allInput.value === "1";
    const matching = Number(form.dataset.matching || 0);
    const pageBox = form.querySelector("[data-select-page]");
    if (pageBox) {
      pageBox.checked = rows.length > 0 && ticked === rows.length;
      pageBox.indeterminate = ticked > 0 && ticked < rows.length;
    }
    const summary = form.querySelector("[data-selection-summary]");
    if (summary) {
      summary.hidden = allMatching;
      summary.textContent = ticked ? ticked + " selected" : "No contact selected";
    }
    const offer = form.querySelector("[data-select-all-offer]");
    if (offer) offer.hidden = allMatching || ticked !== rows.length || rows.length >= matching;
    const done = form.querySelector("[data-select-all-done]");
    if (done) done.hidden = !allMatching;
    form.querySelectorAll("[data-needs-selection]").forEach(function (button) {
      button.disabled = !(allMatching || ticked > 0);
    });
  }

  function setAllMatching(form, on) {
    const allInput = form.querySelector("[data-all-matching]");
    if (allInput) allInput.value = on ? "1" : "";
  }

  document.addEventListener("change", function (event) {
    const box = event.target;
    const form = box.closest && box.closest("[data-selection]");
    if (!form) return;
    if (box.matches("[data-select-page]")) {
      form.querySelectorAll("[data-select-row]").forEach(function (row) {
        row.checked = box.checked;
      });
    }
    // Changing a box makes the selection the boxes again.
    if (box.matches("[data-select-page], [data-select-row]")) setAllMatching(form, false);
    refreshSelection(form);
  });

  document.addEventListener("click", function (event) {
    const form = event.target.closest && event.target.closest("[data-selection]");
    if (!form) return;
    if (event.target.closest("[data-select-all-matching]")) {
      setAllMatching(form, true);
      form.querySelectorAll("[data-select-row]").forEach(function (row) { row.checked = true; });
      refreshSelection(form);
    } else if (event.target.closest("[data-clear-selection]")) {
      setAllMatching(form, false);
      form.querySelectorAll("[data-select-row]").forEach(function (row) { row.checked = false; });
      refreshSelection(form);
    }
  });

  function prepare(root) {
    rememberPlaceholders(root);
    fillBrowserZone(root);
    // Boxes the browser kept ticked after "back" count as selected.
    root.querySelectorAll("[data-selection]").forEach(refreshSelection);
  }
  document.addEventListener("DOMContentLoaded", function () { prepare(document); });
  document.addEventListener("htmx:load", function (event) { prepare(event.target); });
})();
