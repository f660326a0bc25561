// Starts Swagger UI on /docs (app/web/docs.py): a file of its own, since the CSP allows no
// inline script.
/* global SwaggerUIBundle */
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  SwaggerUIBundle({
    url: root.getAttribute("data-openapi"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
