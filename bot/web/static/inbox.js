/* The live inbox page: refreshes the conversation list every 2 s and the open conversation every
   1.5 s (both read from the database, so any web server answers), and sends Take, replies, notes,
   hand-back and close with the session's CSRF token. Visitors write these messages: everything is
   rendered with textContent, never as HTML. */
(function () {
  "use strict";
  var root = document.getElementById("inbox");
  if (!root) return;
  var me = root.dataset.me;
  var selected = root.dataset.selected;
  var lastId = Number(root.dataset.lastId || 0);
  var state = root.dataset.state;
  var holder = root.dataset.holder;
  var tokenTag = document.querySelector('meta[name="csrf-token"]');
  var csrf = tokenTag ? tokenTag.content : "";
  var stopped = false;
  var lastTyping = 0;
  var seen = {};  // message ids shown: polls may overlap, and each message shows once
  Array.prototype.forEach.call(document.querySelectorAll("#messages li[data-id]"), function (li) {
    seen[li.dataset.id] = true;
  });

  function byId(id) { return document.getElementById(id); }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function loggedOut(response) {
    if (response.status !== 401) return false;
    stopped = true;
    window.location.assign("/staff/login");
    return true;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(
      function (response) {
        if (loggedOut(response) || !response.ok) return null;
        return response.json();
      }
    );
  }

  function waitText(seconds) {
    var whole = Math.max(Math.floor(seconds), 0);
    return whole < 60 ? "waiting " + whole + " s" : "waiting " + Math.floor(whole / 60) + " min";
  }

  function label(item) {
    if (item.state === "waiting") return waitText(item.waiting_seconds);
    return item.state === "held" ? "held by " + item.staff_user : item.state;
  }

  function renderList(feed) {
    var list = byId("conversation-list");
    var items = [];
    feed.conversations.forEach(function (item) {
      var li = element("li", "conversation state-" + item.state);
      if (item.red_flag) li.classList.add("red-flag");
      if (String(item.id) === selected) li.classList.add("selected");
      li.dataset.id = String(item.id);
      var link = element("a");
      link.href = "/staff/inbox?id=" + encodeURIComponent(item.id);
      link.appendChild(element("span", "conv-label", label(item)));
      if (item.red_flag) {
        link.appendChild(document.createTextNode(" "));
        link.appendChild(element("span", "flag", "Red flag"));
      }
      link.appendChild(element("span", "conv-last", item.last_text));
      li.appendChild(link);
      items.push(li);
    });
    if (!items.length) items.push(element("li", "empty", "Nobody is waiting."));
    list.replaceChildren.apply(list, items);
    byId("inbox-waiting").textContent = feed.waiting + " waiting";
    if (window.staffInboxBadge) window.staffInboxBadge(feed.waiting);
  }

  function who(message) {
    switch (message.sender) {
      case "visitor": return "Visitor";
      case "bot": return "Assistant";
      case "staff": return message.staff_user;
      case "note": return "Note by " + message.staff_user + " (staff only)";
      default: return "System";
    }
  }

  function addMessage(message) {
    var list = byId("messages");
    if (!list || seen[message.id]) return;
    seen[message.id] = true;
    var li = element("li", "msg from-" + message.sender);
    li.dataset.id = String(message.id);
    li.appendChild(element("span", "who", who(message)));
    if (message.red_flag) {
      li.classList.add("red-flag");
      li.appendChild(document.createTextNode(" "));
      li.appendChild(element("span", "flag", "Red flag"));
    }
    li.appendChild(document.createTextNode(" "));
    li.appendChild(element("span", "text", message.text));
    var later = Array.prototype.find.call(list.querySelectorAll("li[data-id]"), function (other) {
      return Number(other.dataset.id) > message.id;
    });
    list.insertBefore(li, later || null);  // in id order, even when two polls overlap
    lastId = Math.max(lastId, message.id);
    li.scrollIntoView({ block: "nearest" });
  }

  function showState(newState, newHolder) {
    state = newState;
    holder = newHolder || "";
    var active = state === "waiting" || state === "held";
    var mine = state === "held" && holder === me;
    byId("chat-state").textContent = state === "held" ? "held by " + holder : state;
    byId("take-actions").hidden = state !== "waiting";
    byId("reply-form").hidden = !mine;
    byId("note-form").hidden = !active;
    byId("chat-ended").hidden = active;
  }

  function showError(text) {
    var box = byId("chat-error");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function send(action, fields) {
    var body = new URLSearchParams();
    body.set("csrf", csrf);
    Object.keys(fields || {}).forEach(function (name) { body.set(name, fields[name]); });
    return fetch("/staff/inbox/" + encodeURIComponent(selected) + "/" + action, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      body: body
    }).then(function (response) {
      if (loggedOut(response)) return null;
      return response.json().then(function (answer) {
        if (!response.ok) {
          showError(answer.error || "That did not work. Please try again.");
          return null;
        }
        showError("");
        showState(answer.state, answer.staff_user);
        fetchMessages();  // in id order, so nothing the visitor wrote meanwhile is skipped
        return answer;
      });
    }).catch(function () {
      showError("The server could not be reached. Please try again.");
      return null;
    });
  }

  function pollFeed() {
    getJSON("/staff/inbox/feed")
      .then(function (feed) { if (feed) renderList(feed); })
      .catch(function () { /* try again next round */ })
      .then(function () { if (!stopped) window.setTimeout(pollFeed, 2000); });
  }

  function fetchMessages() {
    return getJSON("/staff/inbox/" + encodeURIComponent(selected) + "/messages?after=" + lastId)
      .then(function (answer) {
        if (!answer) return;
        answer.messages.forEach(addMessage);
        showState(answer.state, answer.staff_user);
      })
      .catch(function () { /* try again next round */ });
  }

  function pollMessages() {
    fetchMessages().then(function () {
      var active = state === "waiting" || state === "held";
      if (!stopped && active) window.setTimeout(pollMessages, 1500);
    });
  }

  function submitText(form, field, action) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = field.value.trim();
      if (!text) {
        showError("Please type a message first.");
        return;
      }
      send(action, { text: text }).then(function (answer) { if (answer) field.value = ""; });
    });
  }

  pollFeed();
  if (!selected || !byId("messages")) return;
  byId("take-button").addEventListener("click", function () { send("take"); });
  byId("return-button").addEventListener("click", function () { send("return"); });
  byId("close-button").addEventListener("click", function () { send("close"); });
  submitText(byId("reply-form"), byId("reply-text"), "reply");
  submitText(byId("note-form"), byId("note-text"), "note");
  byId("reply-text").addEventListener("input", function () {
    var now = Date.now();
    if (now - lastTyping < 3000 || state !== "held" || holder !== me) return;
    lastTyping = now;
    fetch("/staff/inbox/" + encodeURIComponent(selected) + "/typing", {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      body: new URLSearchParams({ csrf: csrf })
    }).catch(function () { /* typing is only a hint */ });
  });
  if (state === "waiting" || state === "held") window.setTimeout(pollMessages, 1500);
})();
