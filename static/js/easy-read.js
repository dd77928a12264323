/* Pitstop: easy to read (issue 21). Loaded in <head>, so the choice kept on this device is
   applied before the page is first drawn (no flash of small text); the rest waits for the page.

   - "Easy to read" (data-easy-read): larger letters and more space, a class on <html>, kept
     per device in localStorage.
   - Long texts (data-fold, or each paragraph of data-fold-each) are folded with "Read more" /
     "Read less" (a button with aria-expanded). Without JavaScript everything shows.
   - The card form's theme choice shows the chosen theme's icon (data-theme-choice). */
(function () {
  "use strict";

  var EASY_KEY = "pitstop-easy-read";
  var FOLD_AFTER = 300;  // characters
  var root = document.documentElement;
  root.classList.add("has-js");

  function easyRead() {
    try { return window.localStorage.getItem(EASY_KEY) === "on"; } catch (e) { return false; }
  }
  root.classList.toggle("easy-read", easyRead());

  function setEasyRead(on) {
    try {
      if (on) { window.localStorage.setItem(EASY_KEY, "on"); } else { window.localStorage.removeItem(EASY_KEY); }
    } catch (e) { /* private mode: for this page only */ }
    root.classList.toggle("easy-read", on);
    document.querySelectorAll("[data-easy-read]").forEach(function (button) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  /* Folding. The labels come from the page (data-msg-more / -less on the reading tools). */
  var folded = 0;
  function labels() {
    var source = document.querySelector("[data-msg-more]");
    return {
      more: source ? source.getAttribute("data-msg-more") : "…",
      less: source ? source.getAttribute("data-msg-less") : "…"
    };
  }
  function fold(element, limit) {
    if (element.hasAttribute("data-fold-ready")) { return; }
    element.setAttribute("data-fold-ready", "");
    if (element.textContent.trim().length <= limit) { return; }
    if (!element.id) { folded += 1; element.id = "folded-" + folded; }
    element.classList.add("is-folded");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-link fold-toggle";
    button.setAttribute("data-fold-toggle", "");
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", element.id);
    button.textContent = labels().more;
    element.insertAdjacentElement("afterend", button);
  }
  function foldWithin(scope) {
    if (scope.nodeType !== 1) { return; }
    var limitOf = function (element, name) { return parseInt(element.getAttribute(name), 10) || FOLD_AFTER; };
    var targets = scope.matches("[data-fold], [data-fold-each]") ? [scope] : [];
    Array.prototype.push.apply(targets, scope.querySelectorAll("[data-fold], [data-fold-each]"));
    targets.forEach(function (element) {
      if (element.hasAttribute("data-fold-each")) {
        Array.prototype.forEach.call(element.children, function (part) {
          if (/^(P|BLOCKQUOTE|LI)$/.test(part.tagName)) { fold(part, limitOf(element, "data-fold-each")); }
        });
      } else {
        fold(element, limitOf(element, "data-fold"));
      }
    });
  }

  /* The chosen theme's icon beside the theme choice. */
  function showThemeIcon(select) {
    var choice = select.closest("[data-theme-choice]");
    if (!choice) { return; }
    choice.querySelectorAll("[data-theme-value]").forEach(function (icon) {
      icon.hidden = icon.getAttribute("data-theme-value") !== select.value;
    });
  }

  document.addEventListener("click", function (event) {
    var easy = event.target.closest("[data-easy-read]");
    if (easy) { setEasyRead(!root.classList.contains("easy-read")); return; }
    var toggle = event.target.closest("[data-fold-toggle]");
    if (toggle) {
      var text = document.getElementById(toggle.getAttribute("aria-controls"));
      var open = toggle.getAttribute("aria-expanded") !== "true";
      if (text) { text.classList.toggle("is-folded", !open); }
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      toggle.textContent = open ? labels().less : labels().more;
    }
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-theme-choice] select")) { showThemeIcon(event.target); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    setEasyRead(root.classList.contains("easy-read"));
    foldWithin(document.body);
    document.querySelectorAll("[data-theme-choice] select").forEach(showThemeIcon);
    // Cards that live updates put on the page later are folded too.
    if (window.MutationObserver) {
      new MutationObserver(function (changes) {
        changes.forEach(function (change) { change.addedNodes.forEach(foldWithin); });
      }).observe(document.body, { childList: true, subtree: true });
    }
  });
})();
