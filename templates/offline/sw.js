/* Pitstop's service worker, served by expeditie.offline.service_worker at the site's root.

   What it keeps, in caches whose names start with this release's version:
   - "static": the app's own CSS, JavaScript and icons, and the offline page, kept at install;
   - "pages-<viewer>": the last good copy of each page that offers one (the X-Pitstop-Offline
     header names whose copy it is: a pseudonym of a signed-in session, "a-…", or of a
     participant of a live session, "p-…"). A copy is only ever put in the cache its own
     response names, and each address has one copy at most.
   Pages are fetched from the network first; only when that fails (or the server is away) is
   the copy shown, with its banner ("You are offline. This is the page of …"), or, for a page
   this phone never opened, the offline page.

   A new release is a new version: it installs, takes over at once (skipWaiting, clients.claim)
   and deletes every cache of the version before, pages too. A page is therefore only served
   from cache by the worker of the release that made it, and an open page of the old release
   asks the new worker for nothing it has: static files are kept under their hashed names in
   production, and a page asks for its copy to be made again (the "keep" message). */
"use strict";

const CONFIG = {{ config }};
const PREFIX = "pitstop-";
const RELEASE = PREFIX + CONFIG.version + "-";
const STATIC_CACHE = RELEASE + "static";
const PAGES = RELEASE + "pages-";
/* How many log-outs and leavings this worker has carried out: a page that was on its way when
   one came (still loading, or a copy asked for just before) is not kept after it. */
let forgets = 0;
const VIEWER = /^[ap]-[0-9a-f]{24}$/;
const PRECACHED = new Set(CONFIG.precache);
const STORED_AT = "X-Pitstop-Stored-At";
// The banner is in every page that offers a copy, hidden; a copy shown offline shows it.
const BANNER_HIDDEN = "data-offline-banner hidden";
const BANNER_SHOWN = "data-offline-banner";
// The server is away (a proxy's answer, or Pitstop's own "database away" page): the copy helps.
const AWAY = new Set([502, 503, 504]);

// Copies being stored: a "keep" message for the same address waits for it, instead of
// fetching the page a second time.
const storing = new Map();

self.addEventListener("install", (event) => {
  const urls = CONFIG.precache.concat([CONFIG.offlineUrl]);
  event.waitUntil(
    caches
      .open(STATIC_CACHE)
      // "reload": past the browser's HTTP cache, so the files are this release's.
      .then((cache) => cache.addAll(urls.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith(PREFIX) && !name.startsWith(RELEASE))
            .map((name) => caches.delete(name))
        )
      )
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  // Never a POST (or any other change): those go to the server as they are.
  if (request.method !== "GET") { return; }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    event.respondWith(navigate(event, request));
  } else if (PRECACHED.has(url.pathname) && !url.search) {
    event.respondWith(
      caches.open(STATIC_CACHE).then((cache) => cache.match(url.pathname)).then((hit) => hit || fetch(request))
    );
  }
  // Anything else (polls, photos, downloads) is the browser's business, as without a worker.
});

async function navigate(event, request) {
  const asked = forgets;
  let response;
  try {
    response = await fetch(request);
  } catch (error) {
    return (await shownCopy(request.url)) || (await offlinePage()) || Response.error();
  }
  if (AWAY.has(response.status)) {
    return (await shownCopy(request.url)) || response;
  }
  event.waitUntil(remember(request.url, response, asked));
  return response;
}

/* What a page fetched from the network means for the copies: kept when it offers one; else
   any copy of that address goes (sent elsewhere: no longer joined, logged out; or a page that
   no longer offers a copy, for whoever asks now). Errors change nothing. A page asked for
   before a log-out or leaving (`asked`, the count of those then) is not kept after it. */
function remember(url, response, asked) {
  const viewer = response.headers.get(CONFIG.header) || "";
  let work;
  if (response.ok && response.type === "basic" && VIEWER.test(viewer) && isPage(response)) {
    work = store(url, response.clone(), viewer, asked);
  } else if (response.ok || response.type === "opaqueredirect" || response.status === 403 || response.status === 404) {
    work = dropAddress(url);
  } else {
    return Promise.resolve();
  }
  storing.set(url, work);
  return work.finally(() => { if (storing.get(url) === work) { storing.delete(url); } });
}

function isPage(response) {
  return (response.headers.get("Content-Type") || "").startsWith("text/html");
}

async function store(url, response, viewer, asked) {
  const name = PAGES + viewer;
  const names = await pageCaches();
  await Promise.all(
    names.filter((other) => other !== name).map((other) => {
      // One signed-in session at a time: a copy made for another one goes altogether.
      if (viewer.startsWith("a-") && other.startsWith(PAGES + "a-")) { return caches.delete(other); }
      return caches.open(other).then((cache) => cache.delete(url, { ignoreVary: true }));
    })
  );
  const headers = new Headers(response.headers);
  headers.set(STORED_AT, String(Date.now()));
  const body = await response.arrayBuffer();
  if (asked !== forgets) { return; }  // forgotten meanwhile: no copy comes back
  const cache = await caches.open(name);
  await cache.put(url, new Response(body, { status: 200, statusText: "OK", headers: headers }));
  if (asked !== forgets) { await caches.delete(name); }  // nor when it came while storing
}

async function pageCaches() {
  return (await caches.keys()).filter((name) => name.startsWith(PAGES));
}

async function dropAddress(url) {
  const names = await pageCaches();
  await Promise.all(names.map((name) => caches.open(name).then((cache) => cache.delete(url, { ignoreVary: true }))));
}

async function findCopy(url) {
  for (const name of await pageCaches()) {
    const hit = await (await caches.open(name)).match(url, { ignoreVary: true });
    if (hit) { return hit; }
  }
  return null;
}

/* The copy as the page shows it offline: the same page, its banner shown. */
async function shownCopy(url) {
  const copy = await findCopy(url);
  if (!copy) { return null; }
  const text = await copy.text();
  const headers = new Headers(copy.headers);
  headers.delete("Content-Length");
  headers.delete("Content-Encoding");
  return new Response(text.replace(BANNER_HIDDEN, BANNER_SHOWN), { status: 200, statusText: "OK", headers: headers });
}

async function offlinePage() {
  return (await caches.open(STATIC_CACHE)).match(CONFIG.offlineUrl);
}

/* A page opened before this worker looked after it (the first visit, or a new release) asks
   for its copy: fetched again, kept if it offers one. A copy stored since the page was opened
   (`since`) is enough. */
async function keep(url, since) {
  const parsed = new URL(url, self.location.href);
  if (parsed.origin !== self.location.origin) { return; }
  url = parsed.href.split("#")[0];
  if (storing.has(url)) { return storing.get(url); }
  const asked = forgets;
  const copy = await findCopy(url);
  if (copy && Number(copy.headers.get(STORED_AT) || 0) >= since) { return; }
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
  } catch (error) {
    return;
  }
  if (response.redirected) { return dropAddress(url); }
  return remember(url, response, asked);
}

/* Only the signed-in session that is current keeps copies ("" when nobody is signed in). */
async function onlyAccount(account) {
  const names = await pageCaches();
  await Promise.all(
    names.filter((name) => name.startsWith(PAGES + "a-") && name !== PAGES + account).map((name) => caches.delete(name))
  );
}

/* Log-out and leaving a session: "account" forgets every signed-in session's copies, a
   participant's pseudonym that participant's. */
async function forget(viewer) {
  forgets += 1;
  if (viewer === "account") { return onlyAccount(""); }
  if (VIEWER.test(viewer)) {
    // Of every version: an old worker's caches are going anyway, but not a moment later.
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith(PREFIX) && name.endsWith("-pages-" + viewer)).map((name) => caches.delete(name)));
  }
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  let work = null;
  if (data.type === "viewer" && (data.account === "" || VIEWER.test(data.account))) {
    work = onlyAccount(data.account);
  } else if (data.type === "forget") {
    work = forget(String(data.viewer || ""));
  } else if (data.type === "keep") {
    work = keep(String(data.url || ""), Number(data.since) || 0);
  }
  const done = Promise.resolve(work).catch(() => null).then(() => {
    if (event.ports && event.ports[0]) { event.ports[0].postMessage({ done: data.type }); }
  });
  event.waitUntil(done);
});
