// Small behaviours the server cannot do alone. Everything here is progressive: pages work without it.
(function () {
  "use strict";

  // A form marked data-submit-once posts once: the button is disabled after the first submit.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-submit-once")) return;
    if (form.classList.contains("submitting")) { event.preventDefault(); return; }
    form.classList.add("submitting");
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
  });

  document.addEventListener("click", function (event) {
    var close = event.target.closest(".toast-close");
    if (close) { close.parentElement.remove(); return; }
    var copy = event.target.closest("[data-copy]");
    if (copy && navigator.clipboard) {
      navigator.clipboard.writeText(copy.getAttribute("data-copy")).then(function () {
        copy.textContent = "Copied";
      });
    }
  });

  // Finished-job toasts (swapped in by htmx) also become browser notifications, if allowed.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id !== "toasts" || !("Notification" in window)) return;
    event.detail.target.querySelectorAll("[data-notify]:not([data-notified])").forEach(function (toast) {
      toast.setAttribute("data-notified", "");
      if (Notification.permission === "granted") new Notification("NetMind Console", { body: toast.getAttribute("data-notify") });
    });
  });
  document.addEventListener("submit", function () {
    if ("Notification" in window && Notification.permission === "default") Notification.requestPermission();
  }, { once: true });

  // Toasts fade away on their own after a while.
  setInterval(function () {
    document.querySelectorAll(".toast").forEach(function (toast) {
      var age = Number(toast.getAttribute("data-age") || 0) + 1;
      if (age > 8) toast.remove(); else toast.setAttribute("data-age", age);
    });
  }, 1000);
})();
