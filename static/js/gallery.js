// Gallery: a count of ticked outputs that enables the bulk buttons, and a lightbox with previous/next and ←/→/Escape.
// Progressive: without this file, thumbnails link to the full files and the bulk form still posts (the server
// sends an empty selection back to the gallery with a message).
(function () {
  "use strict";

  // A live count of ticked outputs next to the bulk buttons, which wait until something is ticked.
  var count = document.querySelector("[data-selection-count]");
  var hint = count ? count.textContent : "";
  function showSelection() {
    if (!count) return;
    var ticked = document.querySelectorAll("input[name=ids][form=bulk-form]:checked").length;
    count.textContent = ticked ? ticked + " selected" : hint;
    document.querySelectorAll("[data-needs-selection]").forEach(function (button) { button.disabled = !ticked; });
  }
  showSelection();
  document.addEventListener("change", function (event) {
    if (event.target.matches("input[name=ids][form=bulk-form]")) showSelection();
  });
  // New filters replace the results, and the ticks with them.
  document.addEventListener("htmx:afterSettle", showSelection);

  var dialog = document.getElementById("lightbox");
  if (!dialog || typeof dialog.showModal !== "function") return;
  var stage = dialog.querySelector("[data-lightbox-stage]");
  var caption = dialog.querySelector("[data-lightbox-caption]");
  var current = null;

  // Items are looked up on every move: infinite scroll keeps adding them.
  function items() {
    return Array.prototype.slice.call(document.querySelectorAll(".gallery-item[data-src]"));
  }

  function mediaFor(item) {
    var kind = item.getAttribute("data-kind");
    var element;
    if (kind === "text") return textFor(item);
    if (kind === "image") {
      element = document.createElement("img");
      element.alt = item.getAttribute("data-caption") || "";
    } else {
      element = document.createElement(kind === "video" ? "video" : "audio");
      element.controls = true;
      element.autoplay = true;
      element.preload = "metadata";
      if (kind === "video" && item.hasAttribute("data-poster")) element.poster = item.getAttribute("data-poster");
    }
    element.src = item.getAttribute("data-src");
    return element;
  }

  // A text output's whole text, read from its .txt copy (the grid shows a snippet).
  function textFor(item) {
    var element = document.createElement("pre");
    element.className = "lightbox-text";
    element.textContent = "Loading the text…";
    fetch(item.getAttribute("data-src"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (text) { element.textContent = text; })
      .catch(function () { element.textContent = "The text could not be loaded; the job's page shows it."; });
    return element;
  }

  function show(item) {
    current = item;
    stage.replaceChildren(mediaFor(item));
    caption.textContent = item.getAttribute("data-caption") || "";
    // Pause the grid's own players so two never play at once.
    document.querySelectorAll(".gallery-item video, .gallery-item audio").forEach(function (player) { player.pause(); });
    if (!dialog.open) dialog.showModal();
  }

  function step(offset) {
    var list = items();
    var index = list.indexOf(current);
    if (index === -1 || list.length === 0) return;
    show(list[(index + offset + list.length) % list.length]);
  }

  function close() {
    if (dialog.open) dialog.close();
  }

  dialog.addEventListener("close", function () {
    stage.replaceChildren(); // stops playback and frees the media
    if (current) {
      var focusTarget = current.querySelector(".lightbox-open, [data-lightbox-open]");
      if (focusTarget) focusTarget.focus();
    }
    current = null;
  });

  document.addEventListener("click", function (event) {
    var opener = event.target.closest(".lightbox-open, [data-lightbox-open]");
    if (opener) {
      var item = opener.closest(".gallery-item[data-src]");
      if (item) {
        event.preventDefault();
        show(item);
      }
      return;
    }
    if (event.target.closest("[data-lightbox-prev]")) step(-1);
    else if (event.target.closest("[data-lightbox-next]")) step(1);
    else if (event.target.closest("[data-lightbox-close]") || event.target === dialog) close();
  });

  document.addEventListener("keydown", function (event) {
    if (!dialog.open) return;
    if (event.key === "ArrowLeft") { event.preventDefault(); step(-1); }
    else if (event.key === "ArrowRight") { event.preventDefault(); step(1); }
    else if (event.key === "Escape") { event.preventDefault(); close(); }
  });

  // The "View" buttons only make sense with this script: reveal them, including on later pages.
  function revealButtons(root) {
    root.querySelectorAll("[data-lightbox-open][hidden]").forEach(function (button) { button.hidden = false; });
  }
  revealButtons(document);
  document.addEventListener("htmx:afterSettle", function (event) { revealButtons(event.detail.elt.parentElement || document); });
})();
