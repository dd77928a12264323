/* Pitstop: read aloud with the phone's own voice (issue 21).

   A "Read aloud" button (data-read-button) reads the nearest element around it marked
   data-read; "Read the whole page aloud" (data-read-page) reads the page's content block by
   block, in order. The Web Speech API speaks on the phone itself: no text and no audio go to
   any server, and only voices that say they are local (localService) are used, because some
   browsers offer voices that speak through their maker's servers. Without a local voice for the
   page's language, the button says so in words.

   Clicks are caught on the document, so the buttons in cards that a live update puts on the
   page later work too. Nothing here moves the focus, except back to the button that started
   reading when the player (and the button in it that had the focus) goes away. */
(function () {
  "use strict";

  var synth = window.speechSynthesis;
  var RATE_KEY = "pitstop-read-rate";
  var SLOW = 0.8;
  var VOICE_WAIT_MS = 1500;  // some browsers load their voices late, and a few never say so
  var CHUNK = 180;  // characters: long utterances stop halfway in some browsers
  var WORD = "read-aloud-word";
  // Not read: controls, what only a screen reader hears, pictures, notes of this script, and the
  // asterisk of a required field.
  var SKIP = "button, select, textarea, input, script, style, template, svg, img, .btn, " +
    ".visually-hidden, .visually-hidden-focusable, [aria-hidden=true], [hidden], " +
    "[data-read-skip], [data-read-note], .asteriskField";
  // Elements after which the voice pauses (a full stop is added where the text has none).
  var BREAKS = /^(P|LI|H[1-6]|DIV|BLOCKQUOTE|FIGCAPTION|FIGURE|DT|DD|TD|TH|TR|LEGEND|LABEL|SECTION|ARTICLE|UL|OL|BR|CAPTION|SUMMARY|DETAILS|HEADER|FOOTER|TABLE)$/;
  // The parts "read the whole page" reads, each as one block; so is any other element with
  // text of its own (an alert, say).
  var BLOCKS = "[data-read], h1, h2, h3, h4, h5, h6, p, li, blockquote, figure, dl, table, legend";
  var canHighlightWords = !!(window.CSS && CSS.highlights && window.Highlight);

  var player = document.querySelector("[data-read-player]");
  var status = document.querySelector("[data-read-status]");
  if (!player || !status) { return; }
  var stateLine = player.querySelector("[data-read-state]");
  var pauseButton = player.querySelector("[data-read-pause]");
  var slowerButton = player.querySelector("[data-read-slower]");

  var reading = null;  // {origin, blocks, block, text, map, chunks, chunk, voice, paused}
  var turn = 0;  // events of utterances from an earlier turn are ignored

  function message(name) { return player.getAttribute("data-msg-" + name) || ""; }
  function announce(text) { status.textContent = text; }
  function pageLanguage() {
    return (document.documentElement.lang || "nl").toLowerCase().split("-")[0];
  }
  function normalLang(lang) { return String(lang || "").replace("_", "-").toLowerCase(); }

  function slower() {
    try { return window.localStorage.getItem(RATE_KEY) === String(SLOW); } catch (e) { return false; }
  }
  function setSlower(on) {
    try {
      if (on) { window.localStorage.setItem(RATE_KEY, String(SLOW)); } else { window.localStorage.removeItem(RATE_KEY); }
    } catch (e) { /* private mode: slower for this page only */ }
    slowerButton.setAttribute("aria-pressed", on ? "true" : "false");
  }

  /* Voices: a local one in the page's language, the usual region first. */
  function chooseVoice(voices) {
    var language = pageLanguage();
    var usual = { nl: "nl-nl", en: "en-gb" }[language];
    var fitting = Array.prototype.filter.call(voices, function (voice) {
      return voice.localService !== false && normalLang(voice.lang).split("-")[0] === language;
    });
    fitting.sort(function (a, b) {
      return rank(b) - rank(a);
      function rank(voice) { return (normalLang(voice.lang) === usual ? 2 : 0) + (voice["default"] ? 1 : 0); }
    });
    return fitting[0] || null;
  }

  /* Calls back at once when the voices are known (a tap stays a tap for browsers that only
     speak after one), else when they arrive or the wait is over. */
  function withVoice(done) {
    if (!synth || typeof window.SpeechSynthesisUtterance !== "function") { done(null, "no-speech"); return; }
    var voices = synth.getVoices();
    if (voices && voices.length) { answer(); return; }
    var answered = false;
    function answer() {
      if (answered) { return; }
      answered = true;
      if (synth.removeEventListener) { synth.removeEventListener("voiceschanged", answer); }
      var voice = chooseVoice(synth.getVoices() || []);
      done(voice, voice ? null : "no-voice");
    }
    if (synth.addEventListener) { synth.addEventListener("voiceschanged", answer); } else { synth.onvoiceschanged = answer; }
    window.setTimeout(answer, VOICE_WAIT_MS);
  }

  /* The text of an element as it is read, with for each character the text node and offset it
     came from, so a spoken word can be found on the page again. */
  function readable(root) {
    var text = "";
    var map = [];
    var pendingBreak = false;
    function add(character, node, offset) {
      if (pendingBreak && text) {
        if (!/[.!?:;,]$/.test(text)) { text += "."; map.push(null); }
        text += " "; map.push(null);
      }
      pendingBreak = false;
      text += character; map.push(node ? { node: node, offset: offset } : null);
    }
    function visit(node) {
      if (node.nodeType === 3) {
        var data = node.data;
        for (var i = 0; i < data.length; i++) {
          var character = data.charAt(i);
          if (/\s/.test(character)) {
            if (text && !pendingBreak && !/\s$/.test(text)) { add(" ", node, i); }
          } else if (character === "·" || character === "•") {
            // "observation · Kees": a short pause, not "dot".
            if (/\s$/.test(text)) { text = text.slice(0, -1); map.pop(); }
            if (text && !/[.!?:;,]$/.test(text)) { add(",", node, i); }
          } else {
            add(character, node, i);
          }
        }
        return;
      }
      if (node.nodeType !== 1) { return; }
      if (node !== root && node.matches(SKIP)) { return; }
      if (node !== root && node.checkVisibility && !node.checkVisibility()) { return; }
      var isBreak = BREAKS.test(node.tagName);
      if (isBreak) { pendingBreak = true; }
      for (var child = node.firstChild; child; child = child.nextSibling) { visit(child); }
      if (isBreak) { pendingBreak = true; }
    }
    visit(root);
    while (/\s$/.test(text)) { text = text.slice(0, -1); map.pop(); }
    return { text: text, map: map };
  }

  /* Parts of at most CHUNK characters, cut after a sentence where possible; each knows where
     it starts in the whole text, for the words the browser reports. */
  function chunks(text) {
    var parts = [];
    function cut(from, to) {
      var piece = text.slice(from, to);
      var lead = piece.length - piece.replace(/^\s+/, "").length;
      if (piece.trim()) { parts.push({ start: from + lead, text: piece.trim() }); }
    }
    var sentence = /[^.!?]+[.!?]*\s*/g;
    var start = 0;
    var match;
    while ((match = sentence.exec(text)) !== null) {
      if (match.index + match[0].length - start > CHUNK && match.index > start) {
        cut(start, match.index);
        start = match.index;
      }
      if (match[0] === "") { sentence.lastIndex++; }
    }
    cut(start, text.length);
    return parts;
  }

  function hasOwnText(element) {
    for (var child = element.firstChild; child; child = child.nextSibling) {
      if (child.nodeType === 3 && child.data.trim()) { return true; }
    }
    return false;
  }

  /* The page's content in order, as blocks to read one by one: menus and controls are left
     out, and forms are read only where they ask for it (data-read, such as the kinds of card). */
  function pageBlocks() {
    var blocks = [];
    (function walk(parent, inForm) {
      for (var element = parent.firstElementChild; element; element = element.nextElementSibling) {
        if (element.matches(SKIP) || element.tagName === "NAV") { continue; }
        if (element.checkVisibility && !element.checkVisibility()) { continue; }
        var form = inForm || element.tagName === "FORM";
        if (element.hasAttribute("data-read") || (!form && (element.matches(BLOCKS) || hasOwnText(element)))) {
          blocks.push(element);
        } else {
          walk(element, form);
        }
      }
    })(document.getElementById("main") || document.body, false);
    return blocks;
  }

  /* Showing what is read: the block, and the word where the browser says which it is. */
  function markBlock(element) {
    document.querySelectorAll(".is-reading").forEach(function (old) { old.classList.remove("is-reading"); });
    if (element) { element.classList.add("is-reading"); }
    if (canHighlightWords) { CSS.highlights["delete"](WORD); }
  }
  function markWord(part, event) {
    if (!canHighlightWords || !reading) { return; }
    var start = part.start + (event.charIndex || 0);
    var length = event.charLength || ((/^\S+/.exec(reading.text.slice(start)) || [""])[0].length);
    var first = null;
    var last = null;
    for (var i = start; i < start + length && i < reading.map.length; i++) {
      if (reading.map[i]) { first = first || reading.map[i]; last = reading.map[i]; }
    }
    if (!first || !first.node.isConnected || !last.node.isConnected) { return; }
    try {
      var range = document.createRange();
      range.setStart(first.node, first.offset);
      range.setEnd(last.node, last.offset + 1);
      CSS.highlights.set(WORD, new window.Highlight(range));
    } catch (e) { /* the page changed under the word: the block stays marked */ }
  }

  function setPressed(button, pressed) {
    if (button && button.isConnected) { button.setAttribute("aria-pressed", pressed ? "true" : "false"); }
  }

  function showPlayer(shown) {
    if (!shown && player.contains(document.activeElement)) {
      // The button that had the focus goes away: back to where the reading started.
      var origin = reading && reading.origin;
      var target = origin && origin.isConnected ? origin : document.getElementById("main");
      if (target) { target.focus(); }
    }
    player.hidden = !shown;
    document.body.classList.toggle("read-aloud-playing", shown);
  }

  function setState(text) {
    stateLine.textContent = text;
    announce(text);
  }

  /* Said in words beside the button that was pressed, and to screen readers. */
  function explain(button, problem) {
    var text = message(problem);
    announce(text);
    if (!button || !button.parentNode) { return; }
    var note = button.nextElementSibling;
    if (!note || !note.hasAttribute("data-read-note")) {
      note = document.createElement("p");
      note.className = "read-aloud-note small mb-0";
      note.setAttribute("data-read-note", "");
      button.insertAdjacentElement("afterend", note);
    }
    note.textContent = text;
  }

  function start(button, blocks) {
    withVoice(function (voice, problem) {
      if (problem) { explain(button, problem); return; }
      stop(true);
      // A queue left from before (or a pause) would keep this one silent.
      if (synth.speaking || synth.pending || synth.paused) { synth.cancel(); synth.resume(); }
      turn += 1;
      reading = { origin: button, blocks: blocks, block: -1, voice: voice, paused: false };
      setPressed(button, true);
      pauseButton.textContent = message("pause");
      setSlower(slower());
      showPlayer(true);
      setState(message("reading"));
      nextBlock();
    });
  }

  function nextBlock() {
    while (reading) {
      reading.block += 1;
      var element = reading.blocks[reading.block];
      if (!element) { finish(); return; }
      if (!element.isConnected) { continue; }  // a live update took it away meanwhile
      var found = readable(element);
      if (!found.text) { continue; }
      reading.text = found.text;
      reading.map = found.map;
      reading.chunks = chunks(found.text);
      reading.chunk = 0;
      markBlock(element);
      speak();
      return;
    }
  }

  function speak() {
    var part = reading.chunks[reading.chunk];
    if (!part) { nextBlock(); return; }
    var mine = turn;
    var utterance = new window.SpeechSynthesisUtterance(part.text);
    utterance.lang = String(reading.voice.lang || pageLanguage()).replace("_", "-");
    try { utterance.voice = reading.voice; } catch (e) { /* not a voice of this browser */ }
    utterance.rate = slower() ? SLOW : 1;
    utterance.addEventListener("boundary", function (event) {
      if (mine === turn && (!event.name || event.name === "word")) { markWord(part, event); }
    });
    utterance.addEventListener("end", function () {
      if (mine !== turn || !reading) { return; }
      reading.chunk += 1;
      speak();
    });
    utterance.addEventListener("error", function (event) {
      if (mine !== turn || !reading) { return; }
      if (event.error === "interrupted" || event.error === "canceled") { return; }
      reading.chunk += 1;  // skip what could not be said, rather than stop in silence
      speak();
    });
    synth.speak(utterance);
  }

  /* Says the current part again, at the new speed. */
  function restartPart() {
    if (!reading || reading.paused) { return; }
    turn += 1;
    synth.cancel();
    speak();
  }

  function pauseOrResume() {
    if (!reading) { return; }
    reading.paused = !reading.paused;
    if (reading.paused) { synth.pause(); } else { synth.resume(); }
    pauseButton.textContent = message(reading.paused ? "resume" : "pause");
    setState(message(reading.paused ? "paused" : "reading"));
  }

  function finish() {
    var done = reading;
    turn += 1;
    markBlock(null);
    showPlayer(false);
    reading = null;
    if (done) { setPressed(done.origin, false); }
    announce(message("done"));
  }

  function stop(quietly) {
    if (!reading) { return; }
    var stopped = reading;
    turn += 1;
    synth.cancel();
    if (stopped.paused) { synth.resume(); }  // else some browsers stay paused for the next one
    markBlock(null);
    showPlayer(false);
    reading = null;
    setPressed(stopped.origin, false);
    if (!quietly) { announce(message("stopped")); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-read-button], [data-read-page]");
    if (button) {
      // Pressed again while it reads: stop.
      if (reading && reading.origin === button) { stop(); return; }
      if (button.hasAttribute("data-read-page")) {
        start(button, pageBlocks());
      } else {
        var element = button.closest("[data-read]");
        if (element) { start(button, [element]); }
      }
      return;
    }
    if (event.target.closest("[data-read-stop]")) { stop(); }
    else if (event.target.closest("[data-read-pause]")) { pauseOrResume(); }
    else if (event.target.closest("[data-read-slower]")) { setSlower(!slower()); restartPart(); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && reading) { stop(); }
  });
  // Not on into the next page (some browsers keep speaking).
  window.addEventListener("pagehide", function () { if (reading) { stop(true); } });

  setSlower(slower());
  // Ask once early: some browsers only start loading their voices when asked.
  if (synth) { try { synth.getVoices(); } catch (e) { /* no voices yet */ } }
})();
