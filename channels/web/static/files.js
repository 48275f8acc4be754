// Warn before sending when a chosen file is over the size limit, or too many are chosen: the citizen can
// choose again without waiting for an upload the server would refuse. The server checks everything again,
// and the form works without this file.
(function () {
  "use strict";
  var input = document.getElementById("f-attachments");
  var warning = document.getElementById("f-attachments-warning");
  if (!input || !warning || !input.form) {
    return;
  }
  var field = document.getElementById("attachments-field");
  var maxBytes = parseInt(input.getAttribute("data-max-bytes"), 10);
  var maxFiles = parseInt(input.getAttribute("data-max-files"), 10);
  var lang = document.documentElement.lang || "id";
  var describedBy = input.getAttribute("aria-describedby") || "";
  var wasInvalid = input.getAttribute("aria-invalid") === "true";

  function megabytes(bytes) {
    return (bytes / 1048576).toLocaleString(lang, { maximumFractionDigits: 1 });
  }

  function problems() {
    var found = [];
    var files = input.files || [];
    if (files.length > maxFiles) {
      found.push(input.getAttribute("data-too-many"));
    }
    for (var i = 0; i < files.length; i++) {
      if (files[i].size > maxBytes) {
        found.push(input.getAttribute("data-too-large")
          .replace("{name}", files[i].name)
          .replace("{size}", megabytes(files[i].size)));
      }
    }
    return found;
  }

  function show(found) {
    warning.textContent = found.join(" ");
    warning.hidden = found.length === 0;
    if (found.length) {
      field.classList.add("has-error");
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", (describedBy + " f-attachments-warning").trim());
    } else {
      if (!wasInvalid) {
        field.classList.remove("has-error");
        input.removeAttribute("aria-invalid");
      }
      input.setAttribute("aria-describedby", describedBy);
    }
  }

  input.addEventListener("change", function () {
    show(problems());
  });
  input.form.addEventListener("submit", function (event) {
    var found = problems();
    if (found.length) {
      event.preventDefault();
      show(found);
      input.focus();
    }
  });
})();
