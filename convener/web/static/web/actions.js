// The action form and the launch page: a placeholder picker, the "Weekdays only"
// shortcut, the order of the time-zone chain, the browser's zone as a new action's zone,
// and ticked contacts gathered into the launch's list of ids. Loaded from a static file
// (the Content-Security-Policy allows no inline script); everything is delegated, so
// content htmx swaps in behaves the same.
"use strict";

(function () {
  // "Insert placeholder": {{ name }} at the cursor of the field the picker belongs to, or
  // at its end when the person has not been in the field yet.
  const visited = new WeakSet();
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("input, textarea")) visited.add(event.target);
  });
  document.addEventListener("click", function (event) {
    const item = event.target.closest("[data-insert-placeholder]");
    if (!item) return;
    const field = document.getElementById(item.dataset.target);
    if (!field) return;
    const text = "{{ " + item.dataset.insertPlaceholder + " }}";
    const known = visited.has(field) && field.selectionStart !== null;
    const start = known ? field.selectionStart : field.value.length;
    const end = known ? field.selectionEnd : field.value.length;
    field.value = field.value.slice(0, start) + text + field.value.slice(end);
    const picker = item.closest("details");
    if (picker) picker.open = false;
    field.focus();
    field.setSelectionRange(start + text.length, start + text.length);
    field.dispatchEvent(new Event("input", { bubbles: true }));
  });

  // "Weekdays only" / "Every day": tick exactly those days.
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-set-days]");
    if (!button || !button.form) return;
    const wanted = button.dataset.setDays.split(",");
    button.form.querySelectorAll("input[name=days]").forEach(function (box) {
      box.checked = wanted.indexOf(box.value) !== -1;
    });
  });

  // The time-zone chain: move a source up or down; the boxes are posted in page order,
  // which is the order the sources are tried in.
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-move]");
    if (!button) return;
    const item = button.closest("[data-chain-link]");
    if (!item) return;
    if (button.dataset.move === "up" && item.previousElementSibling) {
      item.parentNode.insertBefore(item, item.previousElementSibling);
    } else if (button.dataset.move === "down" && item.nextElementSibling) {
      item.parentNode.insertBefore(item.nextElementSibling, item);
    }
    button.focus();
  });

  // A new action's zone starts as the browser's own.
  function fillZones(root) {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    root.querySelectorAll("input[data-browser-zone-default]").forEach(function (input) {
      if (!input.value && zone) input.value = zone;
    });
  }

  // Launch: a ticked contact joins the list of ids, an unticked one leaves it.
  function idList(form) {
    return form ? form.querySelector("textarea[name=contact_ids]") : null;
  }
  function ids(list) {
    return list.value.split(/[\s,;]+/).filter(function (id) { return id; });
  }
  document.addEventListener("change", function (event) {
    const box = event.target;
    if (!box.matches || !box.matches("[data-pick-contact]")) return;
    const list = idList(box.form);
    if (!list) return;
    let chosen = ids(list).filter(function (id) { return id !== box.value; });
    if (box.checked) chosen.push(box.value);
    list.value = chosen.join(", ");
    const all = box.form.querySelector("input[name=recipients][value=chosen]");
    if (all && box.checked) all.checked = true;
  });
  function tickChosen(root) {
    root.querySelectorAll("[data-pick-contact]").forEach(function (box) {
      const list = idList(box.form);
      if (list) box.checked = ids(list).indexOf(box.value) !== -1;
    });
  }

  function prepare(root) {
    fillZones(root);
    tickChosen(root);
  }
  document.addEventListener("DOMContentLoaded", function () { prepare(document); });
  document.addEventListener("htmx:load", function (event) { prepare(event.target); });
})();
