// The time-zone picker: an input with data-zone-picker and a datalist of zones (each
// option: value "Europe/Paris", label "Europe/Paris (UTC+01:00)") becomes a combobox
// whose list finds a zone by every word typed, each found in its name or label: part of
// a name, a city written with spaces ("new york") or an offset ("+01"). Without this script the
// browser's own datalist still offers the zones. Delegated, so that forms htmx swaps in
// later (the scheduling popup) get it too.
"use strict";

(function () {
  const MAX_SHOWN = 60;
  let counter = 0;

  function enhance(input) {
    if (input.dataset.zoneList) return input._zoneBox;
    const listId = input.getAttribute("list");
    const datalist = listId && document.getElementById(listId);
    if (!datalist) return null;
    input.dataset.zoneList = listId;
    input.removeAttribute("list"); // one list, not the browser's beside ours
    const box = document.createElement("ul");
    box.id = "zone-options-" + (++counter);
    box.className = "zone-listbox";
    box.setAttribute("role", "listbox");
    box.hidden = true;
    input.insertAdjacentElement("afterend", box);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", box.id);
    input._zoneBox = box;
    return box;
  }

  function zones(input) {
    const datalist = document.getElementById(input.dataset.zoneList);
    return datalist ? Array.from(datalist.options) : [];
  }

  function words(text) {
    return text.toLowerCase().replace(/[_/]/g, " ").split(/\s+/).filter(Boolean);
  }

  function matches(input) {
    const wanted = words(input.value);
    if (!wanted.length) return [];
    return zones(input).filter(function (option) {
      const haystack = (option.value + " " + option.label).toLowerCase().replace(/[_/]/g, " ");
      return wanted.every(function (word) { return haystack.includes(word); });
    });
  }

  function close(input) {
    const box = input._zoneBox;
    if (!box) return;
    box.hidden = true;
    box.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function open(input) {
    const box = enhance(input);
    if (!box) return;
    const found = matches(input);
    // A zone typed out in full is chosen: nothing left to pick, nothing covering the form.
    if (!found.length || (found.length === 1 && found[0].value === input.value)) {
      close(input);
      return;
    }
    box.replaceChildren();
    found.slice(0, MAX_SHOWN).forEach(function (option, index) {
      const item = document.createElement("li");
      item.id = box.id + "-" + index;
      item.setAttribute("role", "option");
      item.dataset.value = option.value;
      item.textContent = option.label || option.value;
      box.appendChild(item);
    });
    box.style.top = input.offsetTop + input.offsetHeight + "px";
    box.style.left = input.offsetLeft + "px";
    box.style.width = input.offsetWidth + "px";
    box.hidden = false;
    input.setAttribute("aria-expanded", "true");
    input.removeAttribute("aria-activedescendant");
  }

  function choose(input, value) {
    input.value = value;
    close(input);
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function move(input, step) {
    const box = input._zoneBox;
    if (!box || box.hidden) { open(input); return; }
    const items = Array.from(box.children);
    if (!items.length) return;
    const current = items.findIndex(function (item) {
      return item.getAttribute("aria-selected") === "true";
    });
    const next = (current + step + items.length) % items.length;
    items.forEach(function (item, index) {
      item.setAttribute("aria-selected", index === next ? "true" : "false");
    });
    input.setAttribute("aria-activedescendant", items[next].id);
    items[next].scrollIntoView({ block: "nearest" });
  }

  function picker(target) {
    return target && target.matches && target.matches("input[data-zone-picker]") ? target : null;
  }

  document.addEventListener("input", function (event) {
    const input = picker(event.target);
    if (input) open(input);
  });

  document.addEventListener("keydown", function (event) {
    const input = picker(event.target);
    if (!input) return;
    const box = input._zoneBox;
    const shown = box && !box.hidden;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      move(input, event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Escape" && shown) {
      event.preventDefault();
      close(input);
    } else if (event.key === "Enter" && shown) {
      const active = box.querySelector("[aria-selected=true]") || (box.children.length === 1 && box.children[0]);
      if (active) {
        event.preventDefault(); // pick the zone, do not send the form yet
        choose(input, active.dataset.value);
      }
    }
  });

  // mousedown, not click: the input keeps the focus, so the list is not closed first.
  document.addEventListener("mousedown", function (event) {
    const item = event.target.closest && event.target.closest(".zone-listbox [role=option]");
    if (!item) return;
    event.preventDefault();
    const input = document.querySelector("[aria-controls='" + item.parentElement.id + "']");
    if (input) choose(input, item.dataset.value);
  });

  document.addEventListener("focusout", function (event) {
    const input = picker(event.target);
    if (input) close(input);
  });
})();
