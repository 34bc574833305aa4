// The staff console's only script (the CSP allows no other): Mini App sign-in, the enroll
// page's "joined" status (the QR code and label leave the screen once it is used),
// confirmations before destructive actions, and forms that act once.
(function () {
  "use strict";

  function csrf() {
    var meta = document.querySelector('meta[name="csrf"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Telegram opens a Mini App with its signed initData in the URL fragment (tgWebAppData).
  function webAppSignIn() {
    if (!document.body.hasAttribute("data-signin")) return;
    var hash = new URLSearchParams(window.location.hash.slice(1));
    var initData = hash.get("tgWebAppData");
    if (!initData) return;
    var status = document.getElementById("webapp-status");
    if (status) status.textContent = "Signing in with Telegram…";
    var body = new URLSearchParams();
    body.set("_csrf", csrf());
    body.set("init_data", initData);
    fetch("/console/webapp", { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (answer.ok) { window.location.replace("/console/"); return; }
        if (status) status.textContent = answer.problem || "Sign-in failed.";
      })
      .catch(function () { if (status) status.textContent = "Sign-in failed. Try again."; });
  }

  function pollInvite() {
    var box = document.getElementById("invite-status");
    if (!box) return;
    var url = box.getAttribute("data-status-url");
    var timer = window.setInterval(function () {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          box.textContent = answer.text;
          if (answer.state === "waiting") return;
          // Used: the code is spent and the patient at the desk need not read the label.
          document.querySelectorAll("[data-hide-when-used]").forEach(function (element) {
            element.hidden = true;
          });
          box.className = "status " + answer.state;
          if (answer.state !== "held") window.clearInterval(timer);
        })
        .catch(function () { /* keep trying: the desk may be on a flaky network */ });
    }, 1500);
  }

  function confirmations() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
  }

  // A form that must act once (Enroll) keeps, in its own history entry, the one-time token
  // and the fields it was sent with. Going back to it (the page is never cached, so it comes
  // anew with a new token) shows that same form again: sent again, it shows the invitation
  // it made rather than creating a second patient. The server holds the token to that.
  function onceForms() {
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      var action = form.getAttribute("action");
      var saved = window.history.state && window.history.state.onceForm;
      if (saved && saved.action === action) {
        Object.keys(saved.fields).forEach(function (name) {
          var field = form.elements.namedItem(name);
          if (field && name !== "_csrf" && "value" in field) field.value = saved.fields[name];
        });
      }
      form.addEventListener("submit", function () {
        var fields = {};
        Array.prototype.forEach.call(form.elements, function (field) {
          if (field.name && field.name !== "_csrf") fields[field.name] = field.value;
        });
        window.history.replaceState({ onceForm: { action: action, fields: fields } }, "");
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    webAppSignIn();
    pollInvite();
    confirmations();
    onceForms();
  });
})();
