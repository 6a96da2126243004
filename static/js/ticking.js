// Values that move with time alone advance here between the server's renders. A poll that finds nothing new is
// answered 204 and swaps nothing, so without this the elapsed time and the progress estimate would stand still;
// without JavaScript they show their values as of the last render.
//   data-elapsed="<seconds>"        the element's text counts on from these seconds, as the `duration` filter words it
//   <progress data-per-second="<percent a second>" data-up-to="<percent>">   the estimate grows, never past up-to
(function () {
  "use strict";

  var first = new WeakMap(); // element -> {at, value}: when this render was first seen, and the value it came with

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function duration(seconds) {
    seconds = Math.floor(seconds);
    var hours = Math.floor(seconds / 3600), minutes = Math.floor(seconds % 3600 / 60), secs = seconds % 60;
    if (hours) return hours + " h " + pad(minutes) + " min";
    if (minutes) return minutes + " min " + pad(secs) + " s";
    return secs + " s";
  }

  // The value an element was rendered with, and the seconds since it was first seen.
  function sinceRendered(element, value, now) {
    if (!first.has(element)) first.set(element, { at: now, value: value });
    var start = first.get(element);
    return { value: start.value, seconds: (now - start.at) / 1000 };
  }

  function tick() {
    var now = performance.now();
    document.querySelectorAll("[data-elapsed]").forEach(function (element) {
      var start = sinceRendered(element, Number(element.getAttribute("data-elapsed")), now);
      element.textContent = duration(start.value + start.seconds);
    });
    document.querySelectorAll("progress[data-per-second]").forEach(function (bar) {
      var start = sinceRendered(bar, bar.value, now); // `value` reflects its attribute: the render's is kept here
      var estimate = start.value + Number(bar.getAttribute("data-per-second")) * start.seconds;
      bar.value = Math.min(Number(bar.getAttribute("data-up-to")), estimate);
    });
  }

  tick();
  document.addEventListener("htmx:load", tick); // a swapped-in render starts from its own values at once
  setInterval(tick, 1000);
})();
