// Live updates for the approvals pages. Served from /static (the CSP allows no inline script).
// The server sends `change` events naming an approval id; the page fetches itself again and
// swaps in the fresh #live section, parsed as an inert document (no script in it runs). A
// reason being typed is never thrown away: the refresh waits until the form is empty.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.EventSource || !window.fetch) {
    return;
  }
  var only = live.getAttribute("data-approval");
  var waiting = false;
  var busy = false;

  function drafting() {
    var fields = live.querySelectorAll("textarea");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value.trim() !== "") {
        return true;
      }
    }
    var open = live.querySelector("details[open]");
    return open !== null && open.classList.contains("breakglass");
  }

  function refresh() {
    if (busy) {
      return;
    }
    if (drafting()) {
      waiting = true;
      return;
    }
    busy = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        busy = false;
        if (html === null) {
          return;
        }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("live");
        if (fresh) {
          var node = document.importNode(fresh, true);
          live.replaceWith(node);
          live = node;
        }
      })
      .catch(function () { busy = false; });
  }

  document.addEventListener("input", function () {
    if (waiting && !drafting()) {
      waiting = false;
      refresh();
    }
  });

  var events = new EventSource(live.getAttribute("data-events"));
  events.addEventListener("change", function (e) {
    if (!only || e.data === only || e.data === "*") {
      refresh();
    }
  });
})();
