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
      if (event.type === "bot_message") S.actions.delete(event.chat_id);
      break;
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

// ----- drawing: messages ----------------------------------------------------------------------------------

function serviceText(message) {
  if (message.new_chat_members) {
    const added = message.new_chat_members.map(nameOf).join(", ");
    const self = message.new_chat_members.length === 1 && message.new_chat_members[0].id === message.from.id;
    return self ? `${added} joined the group` : `${nameOf(message.from)} added ${added}`;
  }
  if (message.left_chat_member) return `${nameOf(message.left_chat_member)} left the group`;
  if (message.group_chat_created || message.supergroup_chat_created) return `${nameOf(message.from)} created the group`;
  return "";
}

function items(messages) {
  const out = [];
  for (const message of messages) {
    const previous = out[out.length - 1];
    if (message.media_group_id && previous && previous.groupId === message.media_group_id) previous.messages.push(message);
    else out.push({ key: message.media_group_id ? `g${message.media_group_id}` : `m${message.message_id}`, groupId: message.media_group_id, messages: [message] });
  }
  return out;
}

function photoUrl(sizes, maxWidth = 800) {
  const fitting = sizes.filter((size) => size.width <= maxWidth);
  const size = fitting.length ? fitting[fitting.length - 1] : sizes[0];
  return `/api/files/${encodeURIComponent(size.file_id)}`;
}

function openViewer(sizes) {
  $("#viewer-img").src = `/api/files/${encodeURIComponent(sizes[sizes.length - 1].file_id)}`;
  $("#viewer").hidden = false;
}

function mediaNode(message, inGrid) {
  if (message.photo) {
    const largest = message.photo[message.photo.length - 1];
    return h("img", {
      class: "photo",
      src: photoUrl(message.photo),
      width: largest.width,
      height: largest.height,
      alt: message.caption || "Photo",
      loading: "lazy",
      onclick: () => openViewer(message.photo),
      onload: stickToBottom,
    });
  }
  if (message.video) {
    const href = `/api/files/${encodeURIComponent(message.video.file_id)}`;
    const video = h("video", { class: "photo", src: href, controls: true, preload: "metadata" });
    // Not every browser decodes every MP4 codec: then offer the file instead of a black box.
    const fallback = { ...message.video, label: "Video · this browser cannot play it", file_name: "video.mp4" };
    video.addEventListener("error", () => video.replaceWith(fileNode(fallback, "🎬", inGrid)));
    return video;
  }
  if (message.document) return fileNode(message.document, "📄", inGrid);
  return null;
}

function fileNode(file, symbol, inGrid) {
  const href = `/api/files/${encodeURIComponent(file.file_id)}`;
  const icon = file.thumbnail ? h("img", { src: `/api/files/${encodeURIComponent(file.thumbnail.file_id)}`, alt: "" }) : symbol;
  return h(
    "a",
    { href, download: file.file_name || "file", class: `file-link${inGrid ? " cell" : ""}` },
    h(
      "div",
      { class: "document" },
      h("div", { class: "icon" }, icon),
      h("div", {}, h("div", { class: "name" }, file.label || file.file_name || "File"), h("div", { class: "size" }, bytes(file.file_size))),
    ),
  );
}

function bytes(size) {
  if (!size && size !== 0) return "";
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

function quoteNode(message) {
  const replied = message.reply_to_message;
  if (!replied) return null;
  const what = replied.text || replied.caption || (replied.photo ? "Photo" : replied.document ? "File" : "Message");
  return h(
    "div",
    { class: "quote", onclick: () => document.querySelector(`[data-message-ids~="${replied.message_id}"]`)?.scrollIntoView({ block: "center", behavior: "smooth" }) },
    h("div", { class: "who" }, replied.from.id === S.me ? "You" : nameOf(replied.from)),
    h("div", { class: "what" }, what.replace(/\s+/g, " ")),
  );
}

function keyboardNode(message) {
  const markup = message.reply_markup;
  if (!markup || !markup.inline_keyboard) return null;
  return h(
    "div",
    { class: "keyboard" },
    markup.inline_keyboard.map((row) =>
      h(
        "div",
        { class: "kb-row" },
        row.map((button) => {
          if (button.url) {
            return h("button", { type: "button", title: button.url, onclick: () => /^https?:/i.test(button.url) && window.open(button.url, "_blank", "noopener") }, `${button.text} ↗`);
          }
          if (button.callback_data === undefined) return h("button", { type: "button", disabled: true, title: "Not available in the playground" }, button.text);
          const node = h("button", { type: "button", dataset: { callbackData: button.callback_data } }, button.text);
          node.addEventListener("click", () => press(message, button.callback_data, node));
          return node;
        }),
      ),
    ),
  );
}

function messageNode(item, chat, isNew) {
  const first = item.messages[0];
  const outgoing = first.from.id === S.me;
  const fromBot = first.from.id === S.bot.id;
  const withCaption = item.messages.find((m) => m.caption) || null;
  const textMessage = first.text !== undefined ? first : withCaption;
  const media = item.messages.map((m) => mediaNode(m, item.messages.length > 1)).filter(Boolean);
  const edited = item.messages.some((m) => m.edit_date);
  const isMedia = media.length > 0;
  const bubble = h("div", { class: `bubble${isMedia ? " media" : ""}${isMedia && !textMessage ? " no-caption" : ""}` });
  if (chat.type !== "private" && !outgoing) bubble.append(h("div", { class: `sender name-c${colour(first.from.id)}` }, nameOf(first.from)));
  const quote = quoteNode(first);
  if (quote) bubble.append(quote);
  if (isMedia) {
    if (item.messages.length > 1) {
      const count = media.length;
      const cols = count <= 2 ? count : count === 3 || count === 4 ? 2 : 3;
      bubble.append(h("div", { class: `grid n${count}`, style: `--cols:${cols}` }, media.map((node) => (node.classList.contains("cell") ? node : h("div", { class: "cell" }, node)))));
    } else bubble.append(h("div", { class: "grid n1", style: "--cols:1" }, media));
  }
  if (textMessage) {
    const text = textMessage.text !== undefined ? textMessage.text : textMessage.caption;
    const entities = textMessage.text !== undefined ? textMessage.entities : textMessage.caption_entities;
    const shown = window.withAutoEntities(text || "", entities);
    bubble.append(h("div", { class: "text" }, window.renderEntities(text || "", shown, { command: sendCommand })));
  } else if (!isMedia) {
    bubble.append(h("div", { class: "text" }, h("i", {}, "Unsupported message")));
  }
  bubble.append(h("div", { class: "footer" }, edited ? h("span", { class: "edited" }, "edited") : null, h("span", { class: "time" }, clock(first.date))));
  const body = h("div", { class: "msg" }, bubble, item.messages.map(keyboardNode).filter(Boolean));
  const showAvatar = chat.type !== "private" && !outgoing;
  bubble.addEventListener("dblclick", () => setReply(first));
  bubble.title = "Double-click to reply";
  return h(
    "div",
    {
      class: `row${outgoing ? " out" : " in"}${fromBot ? " bot" : ""}${isNew ? " new" : ""}`,
      dataset: {
        messageIds: item.messages.map((m) => m.message_id).join(" "),
        from: fromBot ? "bot" : "user",
        sender: String(first.from.id),
      },
    },
    showAvatar ? h("div", { class: "avatar-slot" }, avatar(first.from, true, fromBot)) : null,
    body,
  );
}

function hintNode() {
  return h(
    "div",
    { class: "hint" },
    h("b", {}, "Try the bot"),
    "Send /start, a photo (📎 or drag & drop, several at once for an album), or press ",
    h("b", { style: "display:inline" }, "📸 Load example photos"),
    " for 4-cut strips whose QR codes lead to a sample booth.",
  );
}

function signature(item) {
  return JSON.stringify([S.me, item.messages.map((m) => [m.message_id, m.edit_date || 0, m.text, m.caption])]);
}

function nearBottom(box) {
  return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
}

function stickToBottom() {
  const box = $("#messages");
  if (box.dataset.stick === "1") box.scrollTop = box.scrollHeight;
}

function renderMessages() {
  const box = $("#messages");
  const chat = S.chats.get(S.chatId);
  if (!chat) return;
  const stick = box.dataset.chat !== String(chat.id) || nearBottom(box);
  if (box.dataset.chat !== String(chat.id)) {
    box.replaceChildren();
    S.rendered.clear();
    box.dataset.chat = String(chat.id);
  }
  const wanted = [];
  const keys = new Set();
  const messages = chatMessages(chat.id);
  for (const item of items(messages)) {
    const service = item.messages.length === 1 && serviceText(item.messages[0]);
    const sig = signature(item);
    const known = S.rendered.get(item.key);
    let node;
    if (known && known.signature === sig) node = known.node;
    else {
      node = service ? h("div", { class: "service", dataset: { messageIds: String(item.messages[0].message_id) } }, service) : messageNode(item, chat, Boolean(S.rendered.size) && !known);
      if (known) known.node.replaceWith(node);
      S.rendered.set(item.key, { node, signature: sig });
    }
    wanted.push(node);
    keys.add(item.key);
  }
  for (const [key, entry] of S.rendered) {
    if (!keys.has(key)) {
      entry.node.remove();
      S.rendered.delete(key);
    }
  }
  if (!messages.some((m) => !serviceText(m))) wanted.push(box.querySelector(".hint") || hintNode());
  else box.querySelector(".hint")?.remove();
  wanted.forEach((node, index) => {
    if (box.children[index] !== node) box.insertBefore(node, box.children[index] || null);
  });
  while (box.children.length > wanted.length) box.lastElementChild.remove();
  markSeriesTails(box);
  box.dataset.stick = stick ? "1" : "0";
  if (stick) box.scrollTop = box.scrollHeight;
  const last = messages[messages.length - 1];
  if (last) S.seen.set(chat.id, last.message_id);
}

// Like Telegram, a run of messages from one sender shows the avatar once, next to its last message.
function markSeriesTails(box) {
  const rows = [...box.children];
  rows.forEach((row, index) => {
    const next = rows[index + 1];
    row.classList.toggle("tail", !next || next.dataset.sender !== row.dataset.sender);
  });
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

function setReply(message) {
  S.replyTo = message;
  $("#reply-bar").hidden = !message;
  if (!message) return;
  $("#reply-who").textContent = message.from.id === S.me ? "You" : nameOf(message.from);
  $("#reply-what").textContent = preview(message);
  $("#composer-input").focus();
}

function sendCommand(command) {
  sendText(command).catch(() => {});
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
