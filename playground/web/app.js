// The playground's chat page: draws the emulator's world and acts through the playground API.
"use strict";

const ACTION_TEXT = {
  typing: "typing",
  upload_photo: "sending photo",
  record_video: "recording video",
  upload_video: "sending video",
  record_voice: "recording voice",
  upload_voice: "sending voice",
  upload_document: "sending file",
  choose_sticker: "choosing a sticker",
  find_location: "finding location",
  record_video_note: "recording video message",
  upload_video_note: "sending video message",
};
const ACTION_SECONDS = 5; // Telegram shows a chat action for 5 s or until the bot's next message
const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];

const S = {
  bot: null,
  users: new Map(),
  chats: new Map(),
  members: {},
  commands: {},
  messages: new Map(), // chat id -> Map(message id -> message)
  me: null,
  chatId: null,
  seen: new Map(), // chat id -> highest message id seen while the chat was open
  actions: new Map(), // chat id -> {action, until}
  pending: new Map(), // callback_query_id -> button element
  early: new Map(), // callback_query_id -> answer that arrived before the press request returned
  rendered: new Map(), // item key -> {node, signature}
  pendingFiles: [],
  replyTo: null, // the message the next text answers (double-click a message)
};

const $ = (selector) => document.querySelector(selector);

function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// ----- server -------------------------------------------------------------------------------------------

async function api(path, body) {
  const options = { method: "POST" };
  if (body instanceof FormData) options.body = body;
  else {
    options.headers = { "Content-Type": "application/json" };
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const reply = await response.json().catch(() => ({ ok: false, error: response.statusText }));
  if (!response.ok || !reply.ok) {
    toast(reply.error || "Something went wrong", true);
    throw new Error(reply.error || response.statusText);
  }
  for (const message of reply.messages || []) upsert(message);
  render();
  return reply;
}

async function loadState() {
  const response = await fetch("/api/state");
  const state = await response.json();
  S.bot = state.bot;
  S.users = new Map(state.users.map((user) => [user.id, user]));
  S.chats = new Map(state.chats.map((chat) => [chat.id, chat]));
  S.members = state.members;
  S.commands = state.commands;
  S.messages = new Map();
  for (const [chatId, messages] of Object.entries(state.messages)) {
    S.messages.set(Number(chatId), new Map(messages.map((message) => [message.message_id, message])));
  }
  S.rendered.clear();
  $("#messages").replaceChildren();
  setupIdentity();
  render();
}

function connect() {
  const events = new EventSource("/api/events");
  events.onopen = () => loadState();
  events.onmessage = (event) => onEvent(JSON.parse(event.data));
}

function onEvent(event) {
  switch (event.type) {
    case "user_message":
    case "bot_message":
    case "edit":
      upsert(event.message);
      if (event.type === "bot_message") {
        S.actions.delete(event.chat_id);
        forceReply(event);
      }
      break;
    case "reaction": {
      const message = S.messages.get(event.chat_id)?.get(event.message_id);
      if (message) message.reactions_shown = event.reactions.map((reaction) => reaction.emoji || "");
      S.rendered.clear();
      break;
    }
    case "delete": {
      const messages = S.messages.get(event.chat_id);
      if (messages) messages.delete(event.message_id);
      break;
    }
    case "chat_action":
      S.actions.set(event.chat_id, { action: event.action, until: Date.now() + ACTION_SECONDS * 1000 });
      setTimeout(render, ACTION_SECONDS * 1000 + 50);
      break;
    case "callback_answer":
      answered(event);
      break;
    default:
      loadState(); // people, chats, members or commands changed
      return;
  }
  render();
}

function upsert(message) {
  const chatId = message.chat.id;
  if (!S.messages.has(chatId)) S.messages.set(chatId, new Map());
  S.messages.get(chatId).set(message.message_id, message);
}

// ----- who and where ----------------------------------------------------------------------------------

function setupIdentity() {
  const select = $("#identity");
  const stored = Number(localStorage.getItem("playground.me"));
  if (!S.me || !S.users.has(S.me)) S.me = S.users.has(stored) ? stored : [...S.users.keys()][0];
  select.replaceChildren(
    ...[...S.users.values()].map((user) =>
      h("option", { value: user.id, selected: user.id === S.me }, `${user.first_name} (${user.language_code})`),
    ),
  );
  if (!S.chatId || !visibleChats().some((chat) => chat.id === S.chatId)) S.chatId = S.me;
}

function visibleChats() {
  return [...S.chats.values()].filter((chat) => {
    if (chat.type === "private") return chat.id === S.me;
    const status = (S.members[chat.id] || {})[S.me];
    return status && !["left", "kicked"].includes(status);
  });
}

function colour(id) {
  return Math.abs(Number(id)) % 7;
}

function nameOf(user) {
  if (!user) return "";
  if (user.id === S.bot?.id) return S.bot.first_name;
  return [user.first_name, user.last_name].filter(Boolean).join(" ");
}

function chatTitle(chat) {
  return chat.type === "private" ? S.bot.first_name : chat.title;
}

function avatar(entity, small = false, isBot = false) {
  const size = small ? " small" : "";
  if (isBot) return h("div", { class: `avatar bot${size}`, "aria-hidden": "true" }, "🧀");
  const label = (entity.title || entity.first_name || "?").trim().charAt(0).toUpperCase();
  return h("div", { class: `avatar c${colour(entity.id)}${size}`, "aria-hidden": "true" }, label);
}

function chatMessages(chatId) {
  const messages = S.messages.get(chatId);
  return messages ? [...messages.values()].sort((a, b) => a.message_id - b.message_id) : [];
}

function currentAction(chatId) {
  const action = S.actions.get(chatId);
  if (!action || action.until < Date.now()) return null;
  return `${S.bot.first_name} is ${ACTION_TEXT[action.action] || action.action}…`;
}

// ----- drawing: chat list and header -------------------------------------------------------------------

function preview(message) {
  if (!message) return "";
  const media = message.photo ? "🖼 Photo" : message.video ? "🎬 Video" : message.document ? "📄 File" : "";
  const words = message.text || message.caption || "";
  const service = serviceText(message);
  const body = service || [media, words].filter(Boolean).join(" · ");
  return body.replace(/\s+/g, " ");
}

function renderChatList() {
  const list = $("#chat-list");
  const items = visibleChats().map((chat) => {
    const messages = chatMessages(chat.id);
    const last = messages[messages.length - 1];
    const seen = S.seen.get(chat.id) || 0;
    const unread = messages.filter((m) => m.message_id > seen && m.from.id !== S.me).length;
    const action = currentAction(chat.id);
    let who = "";
    if (last && !serviceText(last)) {
      if (last.from.id === S.me) who = "You: ";
      else if (chat.type !== "private") who = `${nameOf(last.from)}: `;
    }
    return h(
      "div",
      {
        class: `chat-item${chat.id === S.chatId ? " active" : ""}`,
        role: "button",
        tabindex: "0",
        dataset: { chatId: chat.id, chatType: chat.type },
        onclick: () => openChat(chat.id),
      },
      avatar(chat, false, chat.type === "private"),
      h(
        "div",
        { class: "meta" },
        h("div", { class: "top" }, h("span", { class: "name" }, chatTitle(chat)), h("span", { class: "time" }, last ? clock(last.date) : "")),
        h(
          "div",
          { class: "top" },
          h("span", { class: "preview" }, action ? h("span", { class: "action" }, action) : `${who}${preview(last)}`),
          unread && chat.id !== S.chatId ? h("span", { class: "badge live" }, unread) : null,
        ),
      ),
    );
  });
  list.replaceChildren(...items);
}

function renderHeader() {
  const chat = S.chats.get(S.chatId);
  if (!chat) return;
  $("#chat-title").textContent = chatTitle(chat);
  $("#chat-avatar").replaceWith(Object.assign(avatar(chat, false, chat.type === "private"), { id: "chat-avatar" }));
  const subtitle = $("#chat-subtitle");
  const action = currentAction(chat.id);
  if (action) {
    subtitle.textContent = action;
    subtitle.className = "action";
  } else {
    subtitle.className = "";
    if (chat.type === "private") subtitle.textContent = `bot · @${S.bot.username}`;
    else {
      const members = Object.entries(S.members[chat.id] || {}).filter(([, status]) => !["left", "kicked"].includes(status));
      subtitle.textContent = `${members.length} members · you are ${nameOf(S.users.get(S.me))}`;
    }
  }
}

function clock(seconds) {
  return new Date(seconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function render() {
  if (!S.bot) return;
  renderMessages();
  renderChatList();
  renderHeader();
}

// ----- acting -------------------------------------------------------------------------------------------

function openChat(chatId) {
  S.chatId = chatId;
  setReply(null);
  $("#app").classList.add("in-chat");
  closeCommands();
  render();
  $("#composer-input").focus();
}

async function sendText(text) {
  if (!text.trim()) return;
  const reply = S.replyTo && S.replyTo.chat.id === S.chatId ? S.replyTo.message_id : null;
  setReply(null);
  await api("/api/messages", { chat_id: S.chatId, user_id: S.me, text, reply_to_message_id: reply });
}

// ForceReply, as Telegram apps honour it: the composer answers the bot's question at once. A selective one is for
// the member whose message the question replies to (or who is mentioned), not for everyone in the group.
function forceReply(event) {
  const markup = event.sent_markup;
  if (!markup || !markup.force_reply || event.chat_id !== S.chatId) return;
  const message = event.message;
  if (markup.selective) {
    const me = S.users.get(S.me);
    const repliedToMe = message.reply_to_message?.from?.id === S.me;
    const mentionsMe = me?.username && (message.text || message.caption || "").includes(`@${me.username}`);
    if (!repliedToMe && !mentionsMe) return;
  }
  setReply(message, markup.input_field_placeholder);
}

function setReply(message, placeholder = null) {
  S.replyTo = message;
  $("#reply-bar").hidden = !message;
  $("#composer-input").placeholder = (message && placeholder) || "Message";
  if (!message) return;
  $("#reply-who").textContent = message.from.id === S.me ? "You" : nameOf(message.from);
  $("#reply-what").textContent = preview(message);
  $("#composer-input").focus();
}

function sendCommand(command) {
  sendText(command).catch(() => {});
}

async function openMiniApp(url, title) {
  // As a Telegram client does: the app opens in a panel with initData signed for the person you are.
  const reply = await api("/api/miniapp", { user_id: S.me, url, dark: window.matchMedia("(prefers-color-scheme: dark)").matches });
  $("#miniapp-title").textContent = title;
  $("#miniapp-frame").src = reply.src;
  $("#miniapp").hidden = false;
}

function closeMiniApp() {
  $("#miniapp").hidden = true;
  $("#miniapp-frame").src = "about:blank";
}

async function press(message, data, node) {
  node.classList.add("loading");
  try {
    const reply = await api("/api/press", { chat_id: message.chat.id, user_id: S.me, message_id: message.message_id, data });
    S.pending.set(reply.callback_query_id, node);
    const early = S.early.get(reply.callback_query_id);
    if (early) {
      S.early.delete(reply.callback_query_id);
      answered(early);
      return;
    }
    setTimeout(() => node.classList.remove("loading"), 15000); // Telegram gives up waiting after 15 s
  } catch (_error) {
    node.classList.remove("loading");
  }
}

function answered(answer) {
  const node = S.pending.get(answer.callback_query_id);
  if (!node) {
    // The bot can answer before our press request has returned: keep the answer for a moment.
    S.early.set(answer.callback_query_id, answer);
    setTimeout(() => S.early.delete(answer.callback_query_id), 15000);
    return;
  }
  S.pending.delete(answer.callback_query_id);
  node.classList.remove("loading");
  if (!answer.text) return;
  if (answer.show_alert) {
    $("#alert-text").textContent = answer.text;
    $("#alert-dialog").showModal();
  } else toast(answer.text);
}

function toast(text, error = false) {
  const node = h("div", { class: `toast${error ? " error" : ""}` }, text);
  $("#toasts").append(node);
  setTimeout(() => node.remove(), 3500);
}

function commandList() {
  const me = S.users.get(S.me);
  return S.commands[me?.language_code] || S.commands.default || [];
}

function showCommands(filter = "") {
  const menu = $("#command-menu");
  const matching = commandList().filter((c) => `/${c.command}`.startsWith(filter || "/"));
  if (!matching.length) return closeCommands();
  menu.replaceChildren(
    ...matching.map((c) =>
      h("button", { type: "button", onclick: () => { closeCommands(); $("#composer-input").value = ""; sendCommand(`/${c.command}`); } },
        h("span", { class: "cmd" }, `/${c.command}`), h("span", { class: "desc" }, c.description)),
    ),
  );
  menu.hidden = false;
}

function closeCommands() {
  $("#command-menu").hidden = true;
}

function chooseFiles(files) {
  S.pendingFiles = [...files].slice(0, 50);
  if (!S.pendingFiles.length) return;
  const photos = S.pendingFiles.filter((file) => PHOTO_TYPES.includes(file.type));
  $("#upload-title").textContent =
    S.pendingFiles.length === 1 ? (photos.length ? "Send a photo" : "Send a file") : `Send ${S.pendingFiles.length} ${photos.length === S.pendingFiles.length ? "photos as an album" : "items"}`;
  $("#upload-previews").replaceChildren(
    ...S.pendingFiles.map((file) => (file.type.startsWith("image/") && PHOTO_TYPES.includes(file.type) ? h("img", { src: URL.createObjectURL(file), alt: file.name }) : h("div", { class: "file" }, `📄 ${file.name}`))),
  );
  $("#upload-caption").value = $("#composer-input").value;
  $("#upload-as-files").checked = false;
  $("#upload-dialog").showModal();
  $("#upload-send").focus();
}

async function sendFiles() {
  const form = new FormData();
  form.append("chat_id", S.chatId);
  form.append("user_id", S.me);
  form.append("caption", $("#upload-caption").value);
  form.append("as_files", $("#upload-as-files").checked ? "1" : "0");
  if (S.replyTo && S.replyTo.chat.id === S.chatId) form.append("reply_to_message_id", S.replyTo.message_id);
  setReply(null);
  for (const file of S.pendingFiles) form.append("file", file, file.name);
  S.pendingFiles = [];
  $("#composer-input").value = "";
  await api("/api/media", form);
}

function wire() {
  $("#identity").addEventListener("change", (event) => {
    S.me = Number(event.target.value);
    localStorage.setItem("playground.me", S.me);
    const chat = S.chats.get(S.chatId);
    if (!chat || chat.type === "private") S.chatId = S.me;
    S.rendered.clear();
    $("#messages").replaceChildren();
    setupIdentity();
    render();
  });
  $("#composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("#composer-input");
    const text = input.value;
    input.value = "";
    closeCommands();
    sendText(text).catch(() => (input.value = text));
  });
  const input = $("#composer-input");
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("#composer").requestSubmit();
    } else if (event.key === "Escape") {
      closeCommands();
      setReply(null);
    }
  });
  input.addEventListener("input", () => {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
    if (/^\/\w*$/.test(input.value)) showCommands(input.value);
    else closeCommands();
  });
  input.addEventListener("paste", (event) => {
    const files = [...(event.clipboardData?.files || [])];
    if (files.length) {
      event.preventDefault();
      chooseFiles(files);
    }
  });
  $("#commands-btn").addEventListener("click", () => ($("#command-menu").hidden ? showCommands() : closeCommands()));
  $("#attach").addEventListener("click", () => $("#file-input").click());
  $("#file-input").addEventListener("change", (event) => {
    chooseFiles(event.target.files);
    event.target.value = "";
  });
  $("#upload-caption").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.isComposing) {
      event.preventDefault();
      $("#upload-dialog").close("send");
    }
  });
  $("#upload-dialog").addEventListener("close", () => {
    if ($("#upload-dialog").returnValue === "send") sendFiles().catch(() => {});
    else S.pendingFiles = [];
  });
  $("#examples-btn").addEventListener("click", async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    try {
      await api("/api/examples", { chat_id: S.chatId, user_id: S.me });
    } finally {
      button.disabled = false;
    }
  });
  $("#reply-cancel").addEventListener("click", () => setReply(null));
  $("#miniapp-close").addEventListener("click", closeMiniApp);
  $("#back").addEventListener("click", () => $("#app").classList.remove("in-chat"));
  $("#viewer").addEventListener("click", () => ($("#viewer").hidden = true));
  const chat = $("#chat");
  let depth = 0;
  chat.addEventListener("dragenter", (event) => {
    if (![...event.dataTransfer.types].includes("Files")) return;
    depth += 1;
    $("#drop-overlay").hidden = false;
  });
  chat.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (!depth) $("#drop-overlay").hidden = true;
  });
  chat.addEventListener("dragover", (event) => event.preventDefault());
  chat.addEventListener("drop", (event) => {
    event.preventDefault();
    depth = 0;
    $("#drop-overlay").hidden = true;
    chooseFiles(event.dataTransfer.files);
  });
  document.addEventListener("click", (event) => {
    if (!event.target.closest("#command-menu, #commands-btn")) closeCommands();
  });
  setInterval(() => {
    if ([...S.actions.values()].some((a) => a.until < Date.now())) {
      for (const [id, a] of S.actions) if (a.until < Date.now()) S.actions.delete(id);
      render();
    }
  }, 1000);
}

wire();
connect();
