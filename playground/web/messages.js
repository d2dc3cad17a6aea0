// The chat's messages: bubbles, media and albums, inline keyboards, service lines. Uses app.js's state (S) and
// helpers (h, $), and entities.js for formatted text; everything from messages goes in as text nodes.
"use strict";
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
          if (button.web_app) {
            return h("button", { type: "button", class: "web-app", title: "Mini App", onclick: () => openMiniApp(button.web_app.url, button.text) }, button.text);
          }
          if (button.url && /^https:\/\/t\.me\/[^/?]+\/[^/?]+\?startapp=/.test(button.url)) {
            // A Mini App's direct link: Telegram opens the app in place rather than a browser tab.
            return h("button", { type: "button", class: "web-app", title: button.url, onclick: () => openMiniApp(button.url, button.text) }, button.text);
          }
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
  const reactions = item.messages.flatMap((m) => m.reactions_shown || []);
  if (reactions.length) bubble.append(h("div", { class: "reactions" }, reactions.map((emoji) => h("span", { class: "reaction" }, emoji))));
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
