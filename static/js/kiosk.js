// Shared tablets: go back to the start after a while without a touch, or a
// while after a code is shown, so the next child never sees what was typed.
(function () {
  var body = document.body;
  if (!body.dataset.kiosk) return;
  var home = body.dataset.home || "/";
  var idleMs = Number(body.dataset.idleSeconds || 180) * 1000;
  var done = document.querySelector("[data-return-after]");
  var leave = function () { window.location.replace(home); };

  // Forms and codes stay out of the back button and the form cache.
  if (window.history.replaceState) window.history.replaceState(null, "", window.location.pathname);
  window.addEventListener("pageshow", function (e) { if (e.persisted) leave(); });

  if (window.location.pathname === home && !done) return;  // nothing typed at the start

  var timer;
  var reset = function () {
    clearTimeout(timer);
    timer = setTimeout(leave, idleMs);
  };
  ["pointerdown", "keydown", "input", "scroll"].forEach(function (name) {
    window.addEventListener(name, reset, { passive: true });
  });
  reset();
  if (done) setTimeout(leave, Number(done.dataset.returnAfter) * 1000);
})();
