// The offer of the browser's time zone (templates/web/profile/zone_offer.html): shown only
// when the browser knows its zone and it is not the one the member's times are shown in.
"use strict";

(function () {
  function offer() {
    const form = document.querySelector("[data-zone-offer]");
    if (!form) return;
    let zone = "";
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return; // a browser without Intl time zones: nothing to offer
    }
    if (!zone || zone === form.dataset.current) return;
    form.querySelector("[data-browser-zone]").value = zone;
    form.querySelector("[data-browser-zone-name]").textContent = zone;
    form.querySelector("[data-browser-zone-button]").textContent = "Use " + zone;
    form.hidden = false;
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", offer);
  else offer();
})();
