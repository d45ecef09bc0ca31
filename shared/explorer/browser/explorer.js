/*
 * The API explorer's own script (served as /docs/assets/explorer.<hash>.js after Swagger UI's
 * bundle, which defines SwaggerUIBundle). An external file, not an inline script, so the page's
 * Content-Security-Policy can forbid inline scripts altogether.
 *
 * It loads openapi.json from where the page came from and points "try it" at that same origin and
 * base path: the document's own `servers` name the default local port and a deployed stage's URL
 * template, neither of which is necessarily where this page is being looked at.
 */
(function () {
  'use strict';
  var root = document.getElementById('explorer');
  var documentUrl = new URL(root.getAttribute('data-openapi'), window.location.href);
  // `/docs` -> `/`, `/voice/docs` -> `/voice/`: the API's base, without its trailing slash.
  var apiBase = new URL('.', window.location.href).href.replace(/\/$/, '');

  function fail(message) {
    root.textContent = 'The API description could not be loaded: ' + message;
    root.setAttribute('data-state', 'failed');
  }

  fetch(documentUrl, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
    .then(function (response) {
      if (!response.ok) throw new Error('GET ' + documentUrl.pathname + ' answered ' + response.status);
      return response.json();
    })
    .then(function (spec) {
      spec.servers = [{ url: apiBase, description: 'This API: the origin this page was loaded from' }];
      window.ui = window.SwaggerUIBundle({
        spec: spec,
        domNode: root,
        presets: [window.SwaggerUIBundle.presets.apis],
        layout: 'BaseLayout',
        deepLinking: true,
        displayOperationId: true,
        displayRequestDuration: true,
        defaultModelsExpandDepth: 1,
        showExtensions: false,
        // No validity badge: it would send the document to validator.swagger.io.
        validatorUrl: null,
        onComplete: function () {
          root.setAttribute('data-state', 'ready');
        },
      });
    })
    .catch(function (error) {
      fail(error && error.message ? error.message : String(error));
    });
})();
