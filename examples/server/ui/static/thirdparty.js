// The "Third parties" card: copy the SevenRooms link, and show the
// reconnect pop-up as a modal dialog. The card works without this file
// (the link can be selected and the pop-up is an open dialog).
(function () {
  "use strict";
  document.querySelectorAll("button.tp-copy[data-copy]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      var said = b.parentNode.querySelector(".tp-copied");
      var text = b.getAttribute("data-copy");
      var done = function (ok) { if (said) { said.textContent = ok ? "Copied." : "Select the link and copy it."; } };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(false); });
      } else {
        done(false);
      }
    });
  });
  var dialog = document.getElementById("tp-dialog");
  if (dialog && typeof dialog.showModal === "function" && dialog.open) {
    dialog.close();
    dialog.showModal();
    dialog.addEventListener("cancel", function () { window.location.hash = "thirdparty"; });
    var first = dialog.querySelector("input[type=radio], input[name=reason]");
    if (first) { first.focus(); }
  }
})();
