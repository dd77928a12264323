/* Pitstop live session: timer and calm polling. (Cards that survive a dropped connection:
   static/js/queue.js.) */
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

  /* While the screen's stream is open (below) it brings every change: the polls are left out. */
  document.addEventListener("htmx:beforeRequest", function (event) {
    var live = event.detail.elt;
    if (streamOpen && live && live.id === LIVE_ID && event.detail.requestConfig.verb === "get") {
      event.preventDefault();
    }
  });

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

  /* Push. A screen whose live part names a stream (data-live-stream) opens it: the server sends
     each change the moment it is committed (pitstops/views/streams.py), as a delta or as the
     whole live part, the same html a poll gets. The stream counts as open from its first
     message ("ready"): behind a proxy that holds messages back none comes, and the polls simply
     go on. So they do while the stream is down (the browser tries it again by itself), when the
     server streams nothing (204: served without ASGI), and when no message, not even the
     heartbeat, came for a while. Nothing of this is shown: the screen just stays up to date. */
  var streamOpen = false;
  var stream = null;
  var silentSince = 0;
  var heartbeatSeconds = 15;
  // After a stream that ended for good (a server without streams answers 204), a new one is
  // tried this late, twice as late after each failure in a row, at most every five minutes.
  var STREAM_RETRY_MS = 10000;
  var STREAM_RETRY_MAX_MS = 300000;
  var streamRetryMs = STREAM_RETRY_MS;

  function heard() {
    silentSince = Date.now();
    streamOpen = true;
  }

  function openStream(sendVersion) {
    var live = document.getElementById(LIVE_ID);
    if (!live || !live.dataset.liveStream || !window.EventSource) { return; }
    if (!navigator.onLine) { return; }  // opened again on "online"
    var url = live.dataset.liveStream;
    var marker = live.querySelector("[data-live-version]");
    if (marker && sendVersion) {
      url += (url.indexOf("?") < 0 ? "?" : "&") + "v=" + encodeURIComponent(marker.dataset.liveVersion);
    }
    var source = new EventSource(url);
    stream = source;
    source.addEventListener("ready", function (event) {
      heartbeatSeconds = parseInt(event.data, 10) || heartbeatSeconds;
      streamRetryMs = STREAM_RETRY_MS;
      heard();
    });
    source.addEventListener("beat", heard);
    source.addEventListener("delta", function (event) {
      heard();
      delete lastFragment[LIVE_ID];
      if (!applyDelta(event.data)) { restartStream(false); }  // ask for the whole instead
    });
    source.addEventListener("whole", function (event) {
      heard();
      swapWhole(event.data);
    });
    source.addEventListener("reload", function () {
      closeStream();
      window.location.reload();
    });
    source.addEventListener("error", function () {
      streamOpen = false;  // the polls take over until the stream is back
      if (source.readyState === EventSource.CLOSED && stream === source) {
        stream = null;
        setTimeout(function () { if (!stream) { openStream(true); } }, streamRetryMs);
        streamRetryMs = Math.min(2 * streamRetryMs, STREAM_RETRY_MAX_MS);
      }
    });
  }

  function closeStream() {
    streamOpen = false;
    if (stream) { stream.close(); stream = null; }
  }

  function restartStream(sendVersion) {
    closeStream();
    openStream(sendVersion);
  }

  /* The whole live part, placed as a poll's answer would be (hx-select, hx-select-oob). */
  function swapWhole(html) {
    var live = document.getElementById(LIVE_ID);
    if (!live || lastFragment[LIVE_ID] === html) { return; }
    lastFragment[LIVE_ID] = html;
    delete live.dataset.needsWhole;
    htmx.swap(live, html, { swapStyle: "innerHTML" }, {
      select: live.getAttribute("hx-select") || undefined,
      selectOOB: live.getAttribute("hx-select-oob") || undefined
    });
    refreshLists();
    tickTimers();
  }

  /* A stream that went quiet for more than two heartbeats is dead, whatever the browser thinks. */
  setInterval(function () {
    if (streamOpen && Date.now() - silentSince > 2.5 * heartbeatSeconds * 1000) {
      restartStream(true);
    }
  }, 5000);
  document.addEventListener("DOMContentLoaded", function () { openStream(true); });
  window.addEventListener("pagehide", closeStream);
  // Without a connection a stream only fails and tries again: the page waits for one.
  window.addEventListener("offline", closeStream);
  window.addEventListener("online", function () { if (!stream) { openStream(true); } });
  window.addEventListener("pageshow", function (event) { if (event.persisted) { openStream(true); } });

  /* Cards written on the phone go through static/js/queue.js, which keeps them until the
     server confirms them, also offline and across a reload. */
})();
