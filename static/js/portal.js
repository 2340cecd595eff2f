/*
 * Start GOV.UK Frontend 6 on every page.
 *
 * Loaded as an ordinary (classic) script at the very top of <body>, so the classes below are on
 * <body> before the page is first painted, which avoids a flash of the no-JavaScript layout.
 * GOV.UK Frontend's own template does this with an inline <script>; the portal's Content Security
 * Policy (script-src 'self') allows no inline scripts, so it lives here instead.
 *
 * GOV.UK Frontend 6 is an ES module: its components only start in browsers that support
 * modules ('noModule' in HTMLScriptElement.prototype), and initAll() refuses to run unless <body>
 * has the govuk-frontend-supported class. We import the module dynamically, relative to this
 * file's own URL, so the same code works with hashed file names from collectstatic.
 */
(function () {
  "use strict";

  var body = document.body;
  body.classList.add("js-enabled");
  if (!("noModule" in HTMLScriptElement.prototype)) {
    return; // An old browser: the pages work without JavaScript.
  }
  body.classList.add("govuk-frontend-supported");

  var moduleUrl = new URL(
    "../vendor/govuk-frontend-6.6.0/govuk-frontend.min.js",
    document.currentScript.src
  ).href;

  function whenReady(callback) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", callback);
    } else {
      callback();
    }
  }

  import(moduleUrl)
    .then(function (GOVUKFrontend) {
      whenReady(function () {
        GOVUKFrontend.initAll();
      });
    })
    .catch(function (error) {
      // Leave the pages in their no-JavaScript form, which still works.
      body.classList.remove("govuk-frontend-supported");
      if (window.console) {
        window.console.error("GOV.UK Frontend did not start:", error);
      }
    });
})();
