/*
 * The practice's chat widget. Embed with one tag:
 *   <script src="https://assistant.example/widget.js" data-title="Ask us" data-color="#0b5c72"
 *           data-open="false" defer></script>
 * Attributes: data-server (default: where this script came from), data-title, data-color, data-open,
 * data-lang ("en" or "es"; default: the host page's lang, then the browser's language).
 * Plain JavaScript, no build step, no third-party code. Bot text is always rendered as text.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__prlChatLoaded) return;
  window.__prlChatLoaded = true;

  var server = (script.getAttribute("data-server") || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  var givenTitle = script.getAttribute("data-title");
  var color = script.getAttribute("data-color") || "";
  var openOnLoad = script.getAttribute("data-open") === "true";
  var storageKey = "prl-chat:" + server;
  // The widget's own words in each language the assistant speaks; the bot's come from the server.
  var STRINGS = {
    en: {
      title: "Chat with us", open: "Open chat: ", unread: " unread", log: "Conversation",
      typing: "The assistant is typing", placeholder: "Type your message", send: "Send", label: "Message",
      restart: "Start over", close: "Close chat", youSaid: "You said: ", staff: "Practice staff",
      staffMark: " (practice staff)", retry: "Try again",
      failed: "Sorry, something went wrong. Please try again.",
      unreachable: "Sorry, I couldn't reach the assistant. Check your connection and try again.",
      joined: " from the practice has joined.", someone: "A member of staff",
      queue: function (n) { return "You're number " + n + " in the queue."; },
      shortly: "Someone from the practice will be with you shortly.",
      staffMember: "The practice's staff member", isTyping: " is typing…",
      other: "es", switchText: "Español", switchLabel: "Cambiar a español (empieza una conversación nueva)",
      greeting: "Hi! I can answer questions about prolotherapy for back pain and take an appointment or " +
        "callback request. I give general information, not medical advice. What you type here is used only " +
        "to answer you and to handle your request."
    },
    es: {
      title: "Chatee con nosotros", open: "Abrir chat: ", unread: " sin leer", log: "Conversación",
      typing: "El asistente está escribiendo", placeholder: "Escriba su mensaje", send: "Enviar", label: "Mensaje",
      restart: "Empezar de nuevo", close: "Cerrar chat", youSaid: "Usted dijo: ", staff: "Personal del consultorio",
      staffMark: " (personal del consultorio)", retry: "Intentar de nuevo",
      failed: "Lo siento, algo salió mal. Por favor, inténtelo de nuevo.",
      unreachable: "Lo siento, no pude comunicarme con el asistente. Revise su conexión e inténtelo de nuevo.",
      joined: " del consultorio se ha unido.", someone: "Un miembro del personal",
      queue: function (n) { return "Usted es el número " + n + " en la fila."; },
      shortly: "Alguien del consultorio lo atenderá en breve.",
      staffMember: "El miembro del personal", isTyping: " está escribiendo…",
      other: "en", switchText: "English", switchLabel: "Switch to English (starts a new conversation)",
      greeting: "¡Hola! Puedo responder preguntas sobre la proloterapia para el dolor de espalda y tomar una " +
        "solicitud de cita o de llamada. Doy información general, no consejo médico. Lo que escriba aquí se usa " +
        "solo para responderle y para atender su solicitud."
    }
  };
  var URL_PATTERN = /(https?:\/\/[^\s<>"']+)/g;
  // The transcript is kept in the host site's storage for a day after its last message, as long as
  // bot.web's conversation token lasts after the last reply; then both start afresh.
  var LIFETIME_MS = 24 * 60 * 60 * 1000;
  // While the practice's staff are asked to join (or have), /chat/events is long-polled: each call
  // answers when there is news or after ~20 s, and the next one starts at once; errors back off.
  var POLL_BACKOFF_MS = 5000;
  var SHOWN_AS = { staff: "staff", system: "system" };  // anything else from /chat/events is the bot

  function languageOf(code) {
    var short = String(code || "").toLowerCase().split(/[-_]/)[0];
    return STRINGS[short] ? short : null;
  }
  var preferred = languageOf(script.getAttribute("data-lang")) || languageOf(document.documentElement.lang) ||
    languageOf(navigator.language) || "en";

  var state = load();
  if (!languageOf(state.lang)) state.lang = preferred;
  function t(key) { return STRINGS[state.lang][key]; }
  function title() { return givenTitle || t("title"); }
  var pending = null;
  var poll = { busy: false, timer: null, controller: null, generation: 0, paused: false };

  function fresh(open) {
    return { token: null, messages: [], greeted: false, open: open, unread: 0, activeAt: Date.now(),
      handoff: null, after: 0, lang: preferred, languages: null };
  }

  function load() {
    try {
      var saved = JSON.parse(localStorage.getItem(storageKey) || "null");
      if (saved && typeof saved === "object" && Array.isArray(saved.messages)) {
        var age = Date.now() - Number(saved.activeAt);
        if (age >= 0 && age < LIFETIME_MS) return saved;
      }
      localStorage.removeItem(storageKey);  // expired, from before lifetimes, or corrupt
    } catch (e) { /* storage unavailable or corrupt: start fresh */ }
    return fresh(false);
  }

  function save() {
    try { localStorage.setItem(storageKey, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }

  function forget() {
    try { localStorage.removeItem(storageKey); } catch (e) { /* private mode */ }
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  function chatIcon() {
    // A speech bubble drawn as SVG: no emoji font or image file needed.
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "28");
    svg.setAttribute("height", "28");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("fill-rule", "evenodd");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 " +
      "1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z");
    svg.appendChild(path);
    return svg;
  }

  var css = el("link", { rel: "stylesheet", href: server + "/widget.css" });
  document.head.appendChild(css);

  var badge = el("span", { "class": "prl-badge", "aria-hidden": "true" });
  var launcher = el("button", {
    type: "button", "class": "prl-launcher", "aria-expanded": "false", "aria-controls": "prl-panel"
  }, [chatIcon(), badge]);
  var unreadText = el("span", { "class": "prl-sr", "aria-live": "polite" });
  var log = el("div", { "class": "prl-log", role: "log", "aria-live": "polite", tabindex: "0" });
  var typingText = el("span", { "class": "prl-sr" });
  var typing = el("div", { "class": "prl-typing", role: "status" }, [
    el("span", { "class": "prl-dot", "aria-hidden": "true" }), el("span", { "class": "prl-dot", "aria-hidden": "true" }),
    el("span", { "class": "prl-dot", "aria-hidden": "true" }), typingText
  ]);
  typing.hidden = true;
  var status = el("div", { "class": "prl-status", role: "status", "aria-live": "polite" });
  status.hidden = true;
  var staffTyping = el("div", { "class": "prl-staff-typing", role: "status", "aria-live": "polite" });
  staffTyping.hidden = true;
  var input = el("input", { id: "prl-input", type: "text", maxlength: "1000", autocomplete: "off" });
  var send = el("button", { type: "submit", "class": "prl-send" });
  var label = el("label", { "for": "prl-input", "class": "prl-sr" });
  var form = el("form", { "class": "prl-form" }, [label, input, send]);
  var heading = el("h2", {});
  // The other language, named in itself; hidden when the server speaks only one.
  var switcher = el("button", { type: "button", "class": "prl-lang" });
  var restart = el("button", { type: "button", "class": "prl-restart" });
  var close = el("button", { type: "button", "class": "prl-close", text: "×" });
  var panel = el("section", { id: "prl-panel", "class": "prl-panel", role: "dialog" }, [
    el("header", { "class": "prl-header" }, [heading, switcher, restart, close]),
    log, status, staffTyping, typing, form
  ]);
  panel.hidden = true;
  var root = el("div", { "class": "prl-chat" }, [launcher, unreadText, panel]);
  if (/^#[0-9a-fA-F]{3,8}$/.test(color)) root.style.setProperty("--prl-color", color);
  document.body.appendChild(root);

  // Everything the widget itself says, in the conversation's language (the page may be in another).
  function applyLanguage() {
    panel.setAttribute("lang", state.lang);
    panel.setAttribute("aria-label", title());
    heading.textContent = title();
    log.setAttribute("aria-label", t("log"));
    typingText.textContent = t("typing");
    input.setAttribute("placeholder", t("placeholder"));
    send.textContent = t("send");
    label.textContent = t("label");
    restart.textContent = t("restart");
    close.setAttribute("aria-label", t("close"));
    switcher.textContent = t("switchText");
    switcher.setAttribute("lang", t("other"));
    switcher.setAttribute("aria-label", t("switchLabel"));
    switcher.hidden = !!state.languages && state.languages.indexOf(t("other")) < 0;
  }

  function linkified(text) {
    var fragment = document.createDocumentFragment();
    String(text).split(URL_PATTERN).forEach(function (part, index) {
      if (index % 2 === 1) {
        fragment.appendChild(el("a", { href: part, target: "_blank", rel: "noopener noreferrer", text: part }));
      } else if (part) {
        fragment.appendChild(document.createTextNode(part));
      }
    });
    return fragment;
  }

  function renderMessage(message, isLast, isCurrent) {
    var bubble = el("div", { "class": "prl-msg prl-" + message.from });
    if (message.from === "me") bubble.appendChild(el("span", { "class": "prl-sr", text: t("youSaid") }));
    if (message.from === "staff") {
      bubble.appendChild(el("span", { "class": "prl-staff-name", text: (message.name || t("staff")) +
        (message.name ? t("staffMark") : "") }));
    }
    bubble.appendChild(linkified(message.text || ""));
    if (message.from === "error" && isLast && pending) {
      var retry = el("button", { type: "button", "class": "prl-retry", text: t("retry") });
      retry.addEventListener("click", function () { deliver(pending); });
      bubble.appendChild(retry);
    }
    log.appendChild(bubble);
    if (message.buttons && message.buttons.length && isCurrent) {
      var row = el("div", { "class": "prl-buttons" });
      message.buttons.forEach(function (button) {
        var choice = el("button", { type: "button", "class": "prl-choice", text: button.title });
        choice.addEventListener("click", function () { choose(button); });
        row.appendChild(choice);
      });
      log.appendChild(row);
    }
  }

  function render() {
    applyLanguage();
    log.textContent = "";
    // The latest reply may be several messages, each with its own buttons; older buttons are gone.
    var replyStart = state.messages.length;
    while (replyStart > 0 && state.messages[replyStart - 1].from === "bot") replyStart -= 1;
    state.messages.forEach(function (message, index) {
      renderMessage(message, index === state.messages.length - 1, index >= replyStart);
    });
    log.scrollTop = log.scrollHeight;
    var unread = state.open ? 0 : state.unread;
    badge.textContent = unread ? String(unread) : "";
    badge.hidden = !unread;
    launcher.setAttribute("aria-label", t("open") + title() + (unread ? " (" + unread + t("unread") + ")" : ""));
  }

  function add(message) {
    state.activeAt = Date.now();
    state.messages.push(message);
    if (state.messages.length > 200) state.messages = state.messages.slice(-200);
    if (!state.open && message.from !== "me" && message.from !== "error") state.unread += 1;
    save();
    render();
  }

  function setOpen(open) {
    state.open = open;
    if (open) {
      state.unread = 0;
      if (!state.greeted) {
        state.greeted = true;
        state.messages.push({ from: "bot", text: t("greeting") });
      }
    }
    save();
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    root.classList.toggle("prl-is-open", open);
    render();
    if (open) input.focus(); else launcher.focus();
  }

  function deliver(request) {
    pending = request;
    typing.hidden = false;
    send.disabled = true;
    var headers = { "Content-Type": "application/json" };
    if (state.token) headers["X-Conversation-Token"] = state.token;
    request.lang = state.lang;  // read by the server only when it starts a conversation
    fetch(server + "/chat", { method: "POST", headers: headers, body: JSON.stringify(request), mode: "cors", credentials: "omit" })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return { status: response.status, data: data };
        });
      })
      .then(function (result) {
        typing.hidden = true;
        send.disabled = false;
        if (result.status === 200) {
          pending = null;
          if (result.data.token) state.token = result.data.token;
          if (Array.isArray(result.data.languages)) state.languages = result.data.languages;
          // The server may answer in another language (the first message was clearly Spanish, or
          // the one asked for is not served): the widget follows the conversation.
          if (languageOf(result.data.lang)) state.lang = languageOf(result.data.lang);
          if (result.data.restarted) {
            // bot.web started a new conversation (the old one's lifetime was over): drop the old
            // transcript, keeping only what the visitor just sent.
            var last = state.messages[state.messages.length - 1];
            state.messages = last && last.from === "me" ? [last] : [];
          }
          (result.data.messages || []).forEach(function (message) {
            add({ from: "bot", text: message.text, buttons: message.buttons });
          });
          if (result.data.handoff) setHandoff(result.data.handoff);
          return;
        }
        var retriable = result.status >= 500 || result.status === 429;
        if (!retriable) pending = null;
        add({ from: "error", text: result.data.error || t("failed") });
      })
      .catch(function () {
        typing.hidden = true;
        send.disabled = false;
        add({ from: "error", text: t("unreachable") });
      });
  }

  function choose(button) {
    add({ from: "me", text: button.title });
    input.focus();  // the chosen button is gone after re-rendering; keep keyboard users in the chat
    // The title goes along: if the practice's staff hold the chat, it is what they read.
    deliver({ payload: button.payload, signature: button.signature, title: button.title });
  }

  function isActive(handoff) {
    return !!handoff && (handoff.state === "waiting" || handoff.state === "held");
  }

  function statusText(handoff) {
    if (!isActive(handoff)) return "";
    if (handoff.state === "held") return (handoff.staff || t("someone")) + t("joined");
    if (handoff.position > 1) return t("queue")(handoff.position);
    return t("shortly");
  }

  function renderHandoff() {
    var handoff = state.handoff;
    var text = statusText(handoff);
    if (status.textContent !== text) status.textContent = text;  // unchanged text is not announced again
    status.hidden = !text;
    var typingNow = isActive(handoff) && handoff.state === "held" && handoff.typing === true;
    var typingNote = typingNow ? (handoff.staff || t("staffMember")) + t("isTyping") : "";
    if (staffTyping.textContent !== typingNote) staffTyping.textContent = typingNote;
    staffTyping.hidden = !typingNow;
  }

  function setHandoff(handoff) {
    state.handoff = handoff && typeof handoff === "object" ? handoff : null;
    save();
    renderHandoff();
    if (isActive(state.handoff)) schedulePoll(0); else stopPolling();
  }

  function stopPolling() {
    poll.generation += 1;  // an answer still on its way is ignored
    clearTimeout(poll.timer);
    poll.timer = null;
    if (poll.controller) poll.controller.abort();
    poll.controller = null;
    poll.busy = false;
  }

  function schedulePoll(delay) {
    if (poll.busy || poll.timer || poll.paused) return;
    poll.timer = setTimeout(function () { poll.timer = null; pollEvents(); }, delay);
  }

  function receive(data) {
    (data.messages || []).forEach(function (message) {
      if (typeof message.id === "number" && message.id > (Number(state.after) || 0)) state.after = message.id;
      add({ from: SHOWN_AS[message.from] || "bot", name: message.name, text: message.text, buttons: message.buttons });
    });
    setHandoff(data.handoff);
  }

  function pollEvents() {
    var handoff = state.handoff;
    if (!isActive(handoff) || !state.token || poll.busy || poll.paused) return;
    var generation = poll.generation;
    poll.busy = true;
    poll.controller = window.AbortController ? new AbortController() : null;
    var query = "?after=" + (Number(state.after) || 0) + "&state=" + encodeURIComponent(handoff.state) +
      "&position=" + (Number(handoff.position) || 0) + "&typing=" + (handoff.typing ? "1" : "0");
    fetch(server + "/chat/events" + query, {
      headers: { "X-Conversation-Token": state.token }, mode: "cors", credentials: "omit",
      signal: poll.controller ? poll.controller.signal : undefined
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return { status: response.status, data: data };
        });
      })
      .then(function (result) {
        if (generation !== poll.generation) return;
        poll.busy = false;
        poll.controller = null;
        if (result.status === 200) receive(result.data);
        else if (result.status === 400 || result.status === 401) setHandoff(null);  // nothing to wait for
        else schedulePoll(POLL_BACKOFF_MS);
      })
      .catch(function () {
        if (generation !== poll.generation) return;
        poll.busy = false;
        poll.controller = null;
        schedulePoll(POLL_BACKOFF_MS);
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || send.disabled) return;
    input.value = "";
    add({ from: "me", text: text });
    deliver({ message: text });
  });
  launcher.addEventListener("click", function () { setOpen(!state.open); });
  close.addEventListener("click", function () { setOpen(false); });
  function startOver(language) {
    var languages = state.languages;
    stopPolling();
    forget();
    state = fresh(true);
    state.lang = language;
    state.languages = languages;
    pending = null;
    renderHandoff();
    setOpen(true);
  }
  restart.addEventListener("click", function () { startOver(state.lang); });
  // A conversation stays in its language's model, so switching starts a new one in the other.
  switcher.addEventListener("click", function () { startOver(t("other")); });
  window.addEventListener("pagehide", function () { poll.paused = true; stopPolling(); });
  window.addEventListener("pageshow", function (event) {
    poll.paused = false;
    if (event.persisted && isActive(state.handoff)) schedulePoll(0);  // back from the page cache
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") setOpen(false);
  });

  render();
  renderHandoff();
  if (isActive(state.handoff)) schedulePoll(0);
  if (state.open || openOnLoad) setOpen(true);
})();
