// Reload the page when the scorer has moved on (its ledger position changed); no inline script.
(function () {
  "use strict";
  var seen = null;
  function poll() {
    fetch("/api/position", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (!p) { return; }
        var now = p.highest_seq + ":" + p.evaluated_on;
        if (seen !== null && now !== seen) { window.location.reload(); }
        seen = now;
      })
      .catch(function () { /* offline for a moment: try again at the next tick */ });
  }
  poll();
  window.setInterval(poll, 60000);
})();
