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

  /* Polling: an unchanged fragment is not swapped, so nothing flickers and focus stays put. */
  var lastFragment = {};
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.id || event.detail.requestConfig.verb !== "get") { return; }
    if (event.detail.xhr.status === 304 || lastFragment[target.id] === event.detail.serverResponse) {
      event.detail.shouldSwap = false;
    }
    if (event.detail.shouldSwap) { lastFragment[target.id] = event.detail.serverResponse; }
  });

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
  function show(message) {
    if (!status) { return; }
    status.textContent = message || "";
    status.classList.toggle("d-none", !message);
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
        if (!readQueue().length) { window.location.reload(); } else { flush(); }
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
