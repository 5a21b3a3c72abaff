// Leaving an admin form with changes not saved asks first; saving (or deleting) does not.
"use strict";
(function () {
  let dirty = false;
  document.addEventListener("input", (event) => {
    if (event.target.closest && event.target.closest("form[method=post]")) dirty = true;
  });
  document.addEventListener("submit", () => { dirty = false; });
  window.addEventListener("beforeunload", (event) => {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";
  });
})();
