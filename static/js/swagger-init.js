// Starts Swagger UI on /api/docs/ (no inline script: the Content Security Policy forbids it).
(function () {
  "use strict";
  var container = document.getElementById("swagger-ui");
  var csrfToken = container.getAttribute("data-csrf-token");
  window.ui = SwaggerUIBundle({
    url: container.getAttribute("data-schema-url"),
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "BaseLayout",
    deepLinking: true,
    // "Try it out" from a signed-in browser session needs the CSRF token on unsafe methods.
    requestInterceptor: function (request) {
      if (csrfToken && request.method && ["GET", "HEAD", "OPTIONS"].indexOf(request.method.toUpperCase()) === -1) {
        request.headers["X-CSRFToken"] = csrfToken;
      }
      return request;
    },
  });
})();
