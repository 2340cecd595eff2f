/*
 * Pages that follow something slow (a snapshot rebuild, a PDF report) keep themselves up to date
 * without reloading: an element with data-poll-url fetches that page every 2 seconds and copies
 * into each of its parts (elements with data-poll-part and an id) the part of the same id from the
 * fresh page, only when it changed, so a screen reader announces a live region (role="status") once per change, not every
 * 2 seconds. Polling stops when the fresh page no longer has data-poll-url (the work finished).
 *
 * This replaces <meta http-equiv="refresh">, which reloads the whole page, moves focus back to its
 * top and cannot be paused (WCAG 2.2.1 Timing Adjustable). Without JavaScript, the page's "Check
 * again" link does the same by hand.
 */
(function () {
  "use strict";

  var INTERVAL = 2000;

  function poll(region) {
    window.fetch(region.getAttribute("data-poll-url"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new window.DOMParser().parseFromString(html, "text/html").getElementById(region.id);
        if (!fresh) {
          return;
        }
        region.querySelectorAll("[data-poll-part]").forEach(function (part) {
          var update = fresh.querySelector("#" + window.CSS.escape(part.id));
          if (update && update.innerHTML !== part.innerHTML) {
            part.innerHTML = update.innerHTML;
            part.className = update.className;
          }
        });
        if (fresh.hasAttribute("data-poll-url")) {
          window.setTimeout(poll, INTERVAL, region);
        } else {
          region.removeAttribute("data-poll-url");
        }
      })
      .catch(function () {
        window.setTimeout(poll, INTERVAL * 3, region); // the server is busy or the network dropped
      });
  }

  document.querySelectorAll("[data-poll-url]").forEach(function (region) {
    window.setTimeout(poll, INTERVAL, region);
  });
})();
