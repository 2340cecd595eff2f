// Starts ReDoc on /api/redoc/ (no inline script: the Content Security Policy forbids it). ReDoc
// writes its styles into <style> elements; they carry the nonce this response's policy allows.
(function () {
  "use strict";
  var container = document.getElementById("redoc-container");
  Redoc.init(
    container.getAttribute("data-schema-url"),
    { nonce: container.getAttribute("data-style-nonce") },
    container
  );
})();
