// Fills a form field with the code of a term chosen in the vocabulary picker's results.
// Without it, the codes shown by the picker page are typed into the field by hand.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.term") : null;
    if (!button || !button.dataset.field) {
      return;
    }
    var input = document.getElementById("field-" + button.dataset.field);
    if (!input) {
      return;
    }
    var code = button.dataset.code;
    if (input.tagName === "TEXTAREA" || input.dataset.several === "true") {
      var parts = input.value.split(",").map(function (part) { return part.trim(); })
        .filter(function (part) { return part.length > 0; });
      if (parts.indexOf(code) < 0) {
        parts.push(code);
      }
      input.value = parts.join(", ");
    } else {
      input.value = code;
    }
    input.focus();
  });
})();

// Enter in a picker's search box searches; it must not send the record's form.
document.addEventListener("keydown", function (event) {
  "use strict";
  if (event.key === "Enter" && event.target.matches && event.target.matches(".picker input")) {
    event.preventDefault();
  }
});
