// Live progress on the campaign page: poll the JSON figures every two seconds while the
// campaign can still change, and fill them into the page (text only, never HTML).
(function () {
  "use strict";
  var section = document.getElementById("progress");
  if (!section) { return; }
  var url = section.getAttribute("data-url");
  var fields = ["queued", "sent", "failed", "suppressed", "per_minute"];
  function set(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = value; }
  }
  function tick() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        fields.forEach(function (name) { set(name, String(data[name])); });
        set("minutes_left", data.minutes_left === null ? "–" : String(data.minutes_left));
        set("status", data.status_label);
        var message = document.getElementById("message");
        if (message) { message.textContent = data.message; message.hidden = !data.message; }
        if (data.status !== "done" && data.status !== "cancelled") { setTimeout(tick, 2000); }
      })
      .catch(function () { setTimeout(tick, 10000); });
  }
  setTimeout(tick, 2000);
}());
