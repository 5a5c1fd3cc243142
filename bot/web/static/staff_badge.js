/* The staff bar's inbox badge: "Inbox (2)" and a "(2) " title prefix while visitors wait for a person.
   Polls /staff/inbox/feed every 5 s; the server does not count these polls as activity, so a
   dashboard left open still logs off after the idle timeout (and then this sends it to the login).
   The inbox page's own script polls faster and calls staffInboxBadge itself. Text only, never HTML. */
(function () {
  "use strict";
  var link = document.getElementById("inbox-link");
  var count = document.getElementById("inbox-count");
  if (!link || !count) return;
  var title = document.title;
  var stopped = false;

  function show(waiting) {
    var n = Number(waiting) || 0;
    count.textContent = n > 0 ? "(" + n + ")" : "";
    count.hidden = n <= 0;
    link.classList.toggle("has-waiting", n > 0);
    document.title = n > 0 ? "(" + n + ") " + title : title;
  }
  window.staffInboxBadge = show;
  if (document.getElementById("inbox")) return;

  function poll() {
    fetch("/staff/inbox/feed", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401) {
          stopped = true;
          window.location.assign("/staff/login");
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (body) {
        if (body) show(body.waiting);
      })
      .catch(function () { /* offline for a moment: try again next round */ })
      .then(function () {
        if (!stopped) window.setTimeout(poll, 5000);
      });
  }
  poll();
})();
