/* Pitstop offline: installs the service worker (expeditie/offline.py), tells it whose page this
   is, asks it to keep a page that offers a copy, shows the banner of a copy shown offline, and
   forgets what this phone keeps at log-out and when a phone leaves a session. */
(function () {
  "use strict";

  var script = document.currentScript;
  var root = document.documentElement;
  var banner = document.querySelector("[data-offline-banner]");
  // The worker shows a kept copy's banner; a page from the network has it hidden.
  var fromCache = !!banner && !banner.hidden;
  var status = document.getElementById("offline-status");

  function say(message) {
    if (!status) { return; }
    status.textContent = message || "";
    status.classList.toggle("d-none", !message);
  }

  /* A copy shown offline: once the connection is back, offer the newest version. */
  if (fromCache) {
    var reload = banner.querySelector("[data-offline-reload]");
    var away = banner.querySelector("[data-offline-away]");
    var back = banner.querySelector("[data-offline-back]");
    var offerReload = function () { if (reload) { reload.hidden = false; } };
    // The phone says whether it has a connection again; the banner says so in words.
    var connected = function (online) {
      if (away && back) { away.hidden = online; back.hidden = !online; }
      if (online) { offerReload(); }
    };
    if (reload) { reload.addEventListener("click", function () { window.location.reload(); }); }
    window.addEventListener("online", function () { connected(true); });
    window.addEventListener("offline", function () { connected(false); });
    if (navigator.onLine) { offerReload(); }  // shown because the server was away, not the phone
  }

  /* The page for an address never opened, shown while the phone says it is online: the
     worker's try failed as the connection came back (the first request after a leave or
     log-out finished online, say), and the connection may take a moment more. It tries again
     by itself: at once, then after 2, 4, 8 ... seconds, at most every 30, so a server that is
     away costs no loop of reloads. Any other page starts the count again. */
  var RETRIES = "pitstop-offline-retries";
  if (document.querySelector("[data-offline-page]")) {
    var tries = parseInt(sessionStorage.getItem(RETRIES) || "0", 10) || 0;
    setTimeout(function () {
      if (!navigator.onLine) { return; }  // the page offers a reload once the phone is online
      sessionStorage.setItem(RETRIES, String(tries + 1));
      window.location.reload();
    }, tries ? Math.min(30000, 1000 * Math.pow(2, tries)) : 0);
  } else {
    sessionStorage.removeItem(RETRIES);
  }

  /* Words still waiting in this browser (static/js/queue.js) under the keys a form names:
     a key, or a key followed by "-" and more. Drafts do not count. */
  function matchingKeys(names) {
    var keys = [];
    for (var i = 0; i < localStorage.length; i++) {
      var key = localStorage.key(i);
      var matches = names.some(function (name) { return key === name || key.indexOf(name + "-") === 0; });
      if (matches) { keys.push(key); }
    }
    return keys;
  }
  function unsent(keys) {
    return keys.filter(function (key) { return !/-draft$/.test(key); }).reduce(function (count, key) {
      try { return count + JSON.parse(localStorage.getItem(key) || "[]").length; } catch (e) { return count; }
    }, 0);
  }

  var worker = ("serviceWorker" in navigator) ? navigator.serviceWorker : null;

  /* A message to the worker; resolves when it is done (or at once without a worker). */
  function tell(message) {
    if (!worker) { return Promise.resolve(false); }
    return worker.ready.then(function (registration) {
      var target = worker.controller || registration.active;
      if (!target) { return false; }
      return new Promise(function (resolve) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function () { resolve(true); };
        target.postMessage(message, [channel.port2]);
      });
    });
  }

  /* A log-out or leaving asked for without a connection (see below), to finish once there is
     one: on this page when the connection comes back, or on the next page of the same signed-in
     session or participant that has the form. A new log-in has another viewer: then it is
     dropped, as it is after a day. Words still waiting are sent first (queue.js). */
  var LATER = "pitstop-finish-later";
  var LATER_MS = 24 * 60 * 60 * 1000;
  var accountMeta = document.querySelector('meta[name="pitstop-account"]');
  var account = "account:" + (accountMeta ? accountMeta.content : "");
  function viewerOf(form) {
    var viewer = form.dataset.offlineForget;
    return viewer === "account" ? account : viewer;
  }
  function queuesOf(form) {
    return matchingKeys((form.dataset.offlineQueues || "").split(/\s+/).filter(Boolean));
  }
  function finishLater() {
    var later = null;
    try { later = JSON.parse(localStorage.getItem(LATER) || "null"); } catch (e) { later = null; }
    if (!later) { return; }
    var otherLogIn = later.viewer.indexOf("account:") === 0 && accountMeta && later.viewer !== account;
    if (!(Date.now() - later.at < LATER_MS) || otherLogIn) {
      localStorage.removeItem(LATER);
      return;
    }
    var form = Array.prototype.filter.call(document.querySelectorAll("form[data-offline-finish]"), function (candidate) {
      return candidate.action === later.action && viewerOf(candidate) === later.viewer;
    })[0];
    if (!form) { return; }  // a page without it: the next one may have it
    localStorage.removeItem(LATER);
    var queues = queuesOf(form);
    var waited = 0;
    (function submitWhenSent() {
      // queue.js sends on "online"; if words still wait after a while, the form asks as ever.
      if (unsent(queues) && waited < 20000) { waited += 500; setTimeout(submitWhenSent, 500); return; }
      form.requestSubmit();
    })();
  }

  /* Log out, log out everywhere, erase me, leave the session: forms marked
     data-offline-forget="account" (or a participant's pseudonym). */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-offline-forget]")) { return; }
    var queues = queuesOf(form);
    if (!navigator.onLine) {
      // The server cannot hear it now, so nothing is logged out yet; but what this phone shows
      // without a connection goes at once. Words still waiting stay, to be sent later. A log-out
      // or leaving (data-offline-finish) goes on by itself once the connection is back.
      event.preventDefault();
      tell({ type: "forget", viewer: form.dataset.offlineForget });
      if (form.hasAttribute("data-offline-finish")) {
        localStorage.setItem(LATER, JSON.stringify({ action: form.action, viewer: viewerOf(form), at: Date.now() }));
        say(script.dataset.msgFinishLater);
      } else {
        say(script.dataset.msgForgetOffline);
      }
      return;
    }
    if (unsent(queues) && form.dataset.offlineConfirmed !== "true") {
      // Sent within seconds once online; the second tap goes on and they are deleted.
      event.preventDefault();
      form.dataset.offlineConfirmed = "true";
      say(script.dataset.msgUnsent);
      window.dispatchEvent(new Event("online"));  // queue.js tries to send them now
      return;
    }
    queues.forEach(function (key) { localStorage.removeItem(key); });
    tell({ type: "forget", viewer: form.dataset.offlineForget });
  }, true);

  if (!fromCache && navigator.onLine) { finishLater(); }
  window.addEventListener("online", finishLater);

  if (!worker) { return; }
  worker.register(script.dataset.worker, { scope: script.dataset.scope }).catch(function () {
    // No worker (an old phone, a private window): every page still works with a connection.
  });

  if (fromCache) { return; }  // a copy says nothing about who is here now

  /* Whose page this is: copies of any other signed-in session go. */
  if (accountMeta) { tell({ type: "viewer", account: accountMeta.content }); }

  /* A page that offers a copy, opened before the worker looked after it (the first visit, a
     new release that took over): ask for the copy. data-offline-kept says it is there. */
  var offer = document.querySelector('meta[name="pitstop-offline"]');
  if (!offer) { return; }
  var asked = false;
  function keep() {
    if (asked) { return; }
    asked = true;
    tell({ type: "keep", url: window.location.href.split("#")[0], since: Math.floor(performance.timeOrigin) })
      .then(function (done) { if (done) { root.dataset.offlineKept = "true"; } });
  }
  worker.addEventListener("controllerchange", function () { asked = false; keep(); });
  keep();
})();
