/* Pitstop live session: timer, calm polling, and cards that survive a dropped connection. */
(function () {
  "use strict";

  /* Timer: the server sends the seconds left; the browser counts down between polls. */
  function formatSeconds(total) {
    var minutes = Math.floor(total / 60);
    var seconds = total % 60;
    return minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
  }
  function tickTimers() {
    document.querySelectorAll(".timer[data-seconds-left]").forEach(function (timer) {
      if (!timer.dataset.shownAt) { timer.dataset.shownAt = String(Date.now()); }
      var left = parseInt(timer.dataset.secondsLeft, 10);
      if (timer.dataset.running === "true") {
        left = Math.max(0, left - Math.floor((Date.now() - parseInt(timer.dataset.shownAt, 10)) / 1000));
      }
      var value = timer.querySelector(".timer-value");
      if (value) { value.textContent = formatSeconds(left); }
      timer.classList.toggle("timer-done", left === 0);
    });
  }
  setInterval(tickTimers, 1000);
  document.addEventListener("DOMContentLoaded", tickTimers);
  document.addEventListener("htmx:afterSwap", tickTimers);

  /* Polling. The live fragment carries the version of the session it shows (data-live-version
     on its header); each poll sends it as the X-Live-Version header. The server answers 304
     when nothing changed, a delta (X-Live-Delta: only what changed since) when it can, and the
     whole fragment otherwise. A header set here, not hx-vals="js:...": the CSP forbids eval. */
  var LIVE_ID = "live";
  var lastFragment = {};

  document.addEventListener("htmx:configRequest", function (event) {
    var live = event.detail.elt;
    if (!live || live.id !== LIVE_ID || event.detail.verb !== "get") { return; }
    var marker = live.querySelector("[data-live-version]");
    // After a delta that did not fit, ask without a version: the whole fragment comes back.
    if (marker && !live.dataset.needsWhole) {
      event.detail.headers["X-Live-Version"] = marker.dataset.liveVersion;
    }
  });

  /* An unchanged fragment is not swapped, so nothing flickers and focus stays put; a delta is
     applied here instead of swapped. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.id || event.detail.requestConfig.verb !== "get") { return; }
    var xhr = event.detail.xhr;
    if (xhr.status === 304 || lastFragment[target.id] === event.detail.serverResponse) {
      event.detail.shouldSwap = false;
      return;
    }
    if (xhr.getResponseHeader("X-Live-Delta") === "true") {
      event.detail.shouldSwap = false;
      delete lastFragment[target.id];  // the page no longer is that fragment
      if (!applyDelta(event.detail.serverResponse)) { target.dataset.needsWhole = "true"; }
      return;
    }
    if (event.detail.shouldSwap) {
      lastFragment[target.id] = event.detail.serverResponse;
      delete target.dataset.needsWhole;
    }
  });

  /* A delta (pitstops/_live_delta.html) holds three kinds of parts, applied in order:
     - an element with an id (the header, the join requests, agreements, compass): it replaces
       the element with that id;
     - data-live-into="<list id>" around a card: the card replaces its old self when it is in
       that list already, else it goes into the list in its place (data-card-order), and any
       old copy elsewhere (another group, another theme) is removed;
     - data-live-remove="<card id>": that card leaves the page (withdrawn, held back, ...).
     Applying a delta twice gives the same page: a card is replaced, never doubled. Returns
     false when some part found no place, so the next poll asks for the whole fragment. */
  function applyDelta(html) {
    var template = document.createElement("template");
    template.innerHTML = html;  // parsed inert: nothing in it runs or loads until placed
    var delta = template.content.querySelector("[data-live-delta]");
    if (!delta) { return false; }
    var complete = true;
    Array.prototype.slice.call(delta.children).forEach(function (part) {
      if (part.hasAttribute("data-live-remove")) {
        var gone = document.getElementById(part.getAttribute("data-live-remove"));
        if (gone) { gone.remove(); }
      } else if (part.hasAttribute("data-live-into")) {
        complete = placeCard(part.firstElementChild, part.getAttribute("data-live-into")) && complete;
      } else if (part.id) {
        var old = document.getElementById(part.id);
        if (!old) { complete = false; return; }
        old.replaceWith(part);
        htmx.process(part);
      }
    });
    refreshLists();
    tickTimers();
    return complete;
  }

  function placeCard(card, listId) {
    var list = document.getElementById(listId);
    if (!card || !card.id || !list) { return false; }
    var old = document.getElementById(card.id);
    if (old && old.parentElement === list) {
      old.replaceWith(card);
    } else {
      if (old) { old.remove(); }
      // From the end: a new card almost always belongs there.
      var order = card.dataset.cardOrder || "";
      var next = null;
      var before = list.lastElementChild;
      while (before && (before.dataset.cardOrder || "") > order) {
        next = before;
        before = before.previousElementSibling;
      }
      list.insertBefore(card, next);
    }
    htmx.process(card);
    return true;
  }

  /* Each list's count, its "No cards yet." and, where empty lists are hidden, the list itself. */
  function refreshLists() {
    document.querySelectorAll("[data-card-section]").forEach(function (section) {
      var list = section.querySelector("[data-card-list]");
      var count = list ? list.children.length : 0;
      var badge = section.querySelector("[data-card-count]");
      if (badge) { badge.textContent = String(count); }
      var empty = section.querySelector("[data-card-list-empty]");
      if (empty) { empty.hidden = count > 0; }
      if (section.hasAttribute("data-hide-empty")) { section.hidden = count === 0; }
    });
  }

  /* Cards: kept in this browser until the server confirms them, and sent again when the
     connection returns. Each card carries its own id, so a retry is never stored twice. */
  var form = document.getElementById("card-form");
  if (!form) { return; }
  var queueKey = form.dataset.queueKey;
  var draftKey = queueKey + "-draft";
  var status = document.getElementById("queue-status");
  var textarea = form.querySelector("textarea[name=text]");
  var sending = false;

  function newId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }
  function readQueue() {
    try { return JSON.parse(localStorage.getItem(queueKey) || "[]"); } catch (e) { return []; }
  }
  function writeQueue(queue) { localStorage.setItem(queueKey, JSON.stringify(queue)); }
  function show(message, saved) {
    if (!status) { return; }
    status.textContent = message || "";
    status.classList.toggle("d-none", !message);
    status.classList.toggle("alert-success", !!saved);
    status.classList.toggle("alert-warning", !saved);
  }

  /* The server sends the stored card as it stands under "My cards", with its change and
     withdraw form; it goes in (or replaces itself, after a retry) without reloading the page. */
  function showOwnCard(html) {
    var list = document.getElementById("own-card-list");
    if (!html || !list) { return; }
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    var card = template.content.firstElementChild;
    if (!card || !card.id) { return; }
    var old = document.getElementById(card.id);
    if (old) { old.replaceWith(card); } else { list.appendChild(card); }
    htmx.process(card);
    var section = document.getElementById("own-cards");
    if (section) { section.hidden = false; }
  }

  if (textarea) {
    if (!textarea.value && localStorage.getItem(draftKey)) { textarea.value = localStorage.getItem(draftKey); }
    textarea.addEventListener("input", function () { localStorage.setItem(draftKey, textarea.value); });
  }

  function flush() {
    var queue = readQueue();
    if (sending || !queue.length) { return; }
    sending = true;
    var card = queue[0];
    var body = new URLSearchParams(card.fields);
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": card.fields.csrfmiddlewaretoken }
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (result) {
      sending = false;
      if (result.data.ok) {
        writeQueue(readQueue().filter(function (item) { return item.id !== card.id; }));
        showOwnCard(result.data.html);
        if (readQueue().length) { flush(); } else { show(result.data.message, true); }
        return;
      }
      if (result.data.rejoin) { show(result.data.error); return; }
      // The server is away for a moment (503): the card stays queued and goes again.
      if (result.data.retry) { show(result.data.error); return; }
      // Refused for good (closed, wrong phase, too long): give the text back to the writer.
      writeQueue(readQueue().filter(function (item) { return item.id !== card.id; }));
      if (textarea && !textarea.value) { textarea.value = card.fields.text; localStorage.setItem(draftKey, card.fields.text); }
      show(result.data.error);
    }).catch(function () {
      sending = false;
      show(form.dataset.msgOffline);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var fields = {};
    new FormData(form).forEach(function (value, name) { fields[name] = value; });
    fields.client_id = newId();  // new for every card; the page's own id is for sending without JS
    var queue = readQueue();
    queue.push({ id: fields.client_id, fields: fields });
    writeQueue(queue);
    localStorage.removeItem(draftKey);
    form.reset();
    if (textarea) { textarea.value = ""; }
    show(form.dataset.msgSending);
    flush();
  });
  window.addEventListener("online", flush);
  setInterval(flush, 5000);
  flush();
  form.dataset.ready = "true";  // drafts and the queue work from here on (tests wait for it)
})();
