// Staff pages: warn two minutes before the 15-minute idle sign-out. The words are in the
// page (hidden), so they come from the message catalog like every other text.
(function () {
  var warning = document.getElementById("idle-warning");
  if (!warning) return;
  setTimeout(function () { warning.hidden = false; }, 13 * 60 * 1000);
})();
