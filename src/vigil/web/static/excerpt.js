// Copies the words selected in a source's text into the claim's excerpt, with their position.
// The page works without it: the excerpt can be pasted, and the server finds its position.
(function () {
  "use strict";
  var text = document.getElementById("source-text");
  var excerpt = document.getElementById("field-excerpt");
  var start = document.getElementById("field-excerpt_start");
  if (!text || !excerpt) {
    return;
  }

  function take() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) {
      return;
    }
    var range = selection.getRangeAt(0);
    if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) {
      return;
    }
    var before = document.createRange();
    before.selectNodeContents(text);
    before.setEnd(range.startContainer, range.startOffset);
    excerpt.value = range.toString();
    if (start) {
      // The server counts characters (code points), not UTF-16 units.
      start.value = String(Array.from(before.toString()).length);
    }
  }

  text.addEventListener("mouseup", take);
  text.addEventListener("keyup", take);
  text.addEventListener("touchend", take);
  excerpt.addEventListener("input", function () {
    if (start) {
      start.value = "";
    }
  });
})();
