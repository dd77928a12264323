/* Words that survive a dropped connection: a card on a phone in a session, a reflection in the
   coalition's space. A form marked data-queue-key is sent through a queue in this browser's
   localStorage: each text is kept until the server confirms it, sent again when the connection
   returns (also after a reload, also from a page the service worker showed offline), one at a
   time and in the order written. Each carries its own client id, so a retry is never stored
   twice. A text the server refuses for good (its phase is over, the session closed, too long)
   comes back to the writer, with the reason: into the form, after what is typed there.

   A page without the form (the session moved to a phase without cards, or closed) may have an
   element with the same data-queue-key and a data-queue-action: it sends what still waits, and
   shows the words given back ([data-queue-draft]) until the writer removes them.

   Data attributes: data-queue-key (the localStorage key; the draft is "<key>-draft", the last
   reason "<key>-notice"), data-queue-list (where the stored item's html goes; newest last, or
   first with data-queue-newest="first"), data-queue-section (shown once it holds one),
   data-queue-status (the live region for messages, else #queue-status), data-msg-offline,
   data-msg-sending, data-msg-not-sent. data-ready="true" says it listens (tests wait for it). */
(function () {
  "use strict";

  function newId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  /* The CSRF token this page holds now (base.html gives htmx one on <body>). */
  function pageToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { return ""; }
  }

  function queued(element) {
    var isForm = element.tagName === "FORM";
    var queueKey = element.dataset.queueKey;
    var draftKey = queueKey + "-draft";
    var noticeKey = queueKey + "-notice";
    var action = isForm ? element.action : element.dataset.queueAction;
    var status = document.getElementById(element.dataset.queueStatus || "queue-status");
    var textarea = isForm ? element.querySelector("textarea[name=text]") : null;
    var shownDraft = isForm ? null : element.querySelector("[data-queue-draft]");
    var sending = false;

    function readQueue() {
      try { return JSON.parse(localStorage.getItem(queueKey) || "[]"); } catch (e) { return []; }
    }
    function writeQueue(queue) {
      if (queue.length) { localStorage.setItem(queueKey, JSON.stringify(queue)); } else { localStorage.removeItem(queueKey); }
    }
    function withoutItem(id) {
      writeQueue(readQueue().filter(function (other) { return other.id !== id; }));
    }
    function show(message, saved) {
      if (!status) { return; }
      status.textContent = message || "";
      status.classList.toggle("d-none", !message);
      status.classList.toggle("alert-success", !!saved);
      status.classList.toggle("alert-warning", !saved);
    }
    /* A text written before a reload (or on a copy shown offline) goes with the token this
       browser holds now: after a new log-in the old one no longer counts. */
    function csrfToken(item) {
      var field = isForm ? element.querySelector("[name=csrfmiddlewaretoken]") : null;
      return (field && field.value) || pageToken() || item.fields.csrfmiddlewaretoken;
    }

    /* The server sends the stored item as the page lists it (a card under "My cards", with
       its change and withdraw form); it goes in, or replaces itself after a retry. */
    function showStored(html) {
      var list = document.getElementById(element.dataset.queueList || "");
      if (!html || !list) { return; }
      var template = document.createElement("template");
      template.innerHTML = html.trim();
      var item = template.content.firstElementChild;
      if (!item || !item.id) { return; }
      var old = document.getElementById(item.id);
      if (old) { old.replaceWith(item); } else if (element.dataset.queueNewest === "first") { list.prepend(item); } else { list.appendChild(item); }
      if (window.htmx) { window.htmx.process(item); }
      var empty = list.querySelector("[data-queue-empty]");
      if (empty) { empty.remove(); }
      var section = document.getElementById(element.dataset.queueSection || "");
      if (section) { section.hidden = false; }
    }

    /* Words given back: into the form after what is typed there, never over it; on a page
       without the form, shown here until the writer removes them. Kept as the draft either way,
       so a reload (a new phase) does not lose them. */
    function showDraft() {
      if (!shownDraft) { return; }
      var draft = localStorage.getItem(draftKey) || "";
      shownDraft.textContent = "";
      draft.split("\n").forEach(function (line, index) {
        if (index) { shownDraft.appendChild(document.createElement("br")); }
        shownDraft.appendChild(document.createTextNode(line));
      });
      element.hidden = !draft;
    }
    function giveBack(text, reason) {
      if (text) {
        var draft = textarea ? textarea.value : (localStorage.getItem(draftKey) || "");
        draft = draft ? draft + "\n\n" + text : text;
        if (textarea) { textarea.value = draft; }
        localStorage.setItem(draftKey, draft);
        showDraft();
      }
      localStorage.setItem(noticeKey, reason || "");
      show(reason);
    }

    function answer(response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === 0) {
        return response.json().then(function (data) { return { status: response.status, data: data }; });
      }
      // Not an answer of the form: the log-in page (the session ended), a proxy's error page.
      return { status: response.status, data: { retry: true, error: element.dataset.msgNotSent || element.dataset.msgOffline } };
    }

    function sendFirst() {
      var queue = readQueue();
      if (!queue.length) { return Promise.resolve(); }
      var item = queue[0];
      var fields = Object.assign({}, item.fields, { csrfmiddlewaretoken: csrfToken(item) });
      return fetch(action, {
        method: "POST",
        body: new URLSearchParams(fields),
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": fields.csrfmiddlewaretoken }
      }).then(answer).then(function (result) {
        if (result.data.ok) {
          withoutItem(item.id);
          showStored(result.data.html);
          if (readQueue().length) { return sendFirst(); }
          show(result.data.message, true);
          return null;
        }
        // Not joined any more, or the server away for a moment: it stays queued and goes again.
        if (result.data.rejoin || result.data.retry) { show(result.data.error); return null; }
        // Refused for good: the words go back to the writer, and the next text is tried.
        withoutItem(item.id);
        giveBack(item.fields.text, result.data.error);
        return readQueue().length ? sendFirst() : null;
      }).catch(function () {
        show(element.dataset.msgOffline);
      });
    }

    /* One sender at a time, across the tabs of this browser too (Web Locks where the browser
       has them): two tabs coming online at once would send the same first text together. */
    function flush() {
      if (sending || !readQueue().length) { return; }
      sending = true;
      var done = function () { sending = false; };
      if (navigator.locks && navigator.locks.request) {
        navigator.locks.request(queueKey, { ifAvailable: true }, function (lock) {
          return lock ? sendFirst() : null;
        }).then(done, done);
      } else {
        sendFirst().then(done, done);
      }
    }

    if (textarea) {
      if (!textarea.value && localStorage.getItem(draftKey)) { textarea.value = localStorage.getItem(draftKey); }
      textarea.addEventListener("input", function () { localStorage.setItem(draftKey, textarea.value); });
    }
    showDraft();
    var forget = element.querySelector("[data-queue-forget-draft]");
    if (forget) {
      forget.addEventListener("click", function () {
        localStorage.removeItem(draftKey);
        localStorage.removeItem(noticeKey);
        showDraft();
        show("");
      });
    }
    // Why words came back, once more after the reload a new phase brings.
    if (localStorage.getItem(noticeKey)) {
      show(localStorage.getItem(noticeKey));
      if (isForm) { localStorage.removeItem(noticeKey); }
    }

    if (isForm) {
      element.addEventListener("submit", function (event) {
        event.preventDefault();
        var fields = {};
        new FormData(element).forEach(function (value, name) { if (typeof value === "string") { fields[name] = value; } });
        fields.client_id = newId();  // new for every text; the page's own id is for sending without JS
        var queue = readQueue();
        queue.push({ id: fields.client_id, fields: fields });
        writeQueue(queue);
        localStorage.removeItem(draftKey);
        localStorage.removeItem(noticeKey);
        element.reset();
        if (textarea) { textarea.value = ""; }
        show(element.dataset.msgSending);
        flush();
      });
    }
    window.addEventListener("online", flush);
    setInterval(flush, 5000);
    flush();
    element.dataset.ready = "true";
  }

  var forms = Array.prototype.slice.call(document.querySelectorAll("form[data-queue-key]"));
  var withForm = forms.map(function (form) { return form.dataset.queueKey; });
  forms.forEach(queued);
  // The form-less senders, where their form is not on the page.
  document.querySelectorAll("[data-queue-key][data-queue-action]:not(form)").forEach(function (element) {
    if (withForm.indexOf(element.dataset.queueKey) === -1) { queued(element); }
  });
})();
