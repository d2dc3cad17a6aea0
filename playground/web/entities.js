// Telegram message entities → DOM nodes. Text is only ever added as text nodes, never parsed as HTML.
// Offsets and lengths are UTF-16 code units, the same units JavaScript strings index by.
"use strict";

const SAFE_LINK = /^(https?:|tg:|mailto:)/i;

function linkNode(href, fallback) {
  let url = null;
  try {
    url = new URL(href);
  } catch (_error) {
    url = null;
  }
  if (!url || !SAFE_LINK.test(url.protocol) || url.protocol === "tg:") {
    const span = document.createElement("span");
    span.className = "link";
    span.title = fallback || href;
    return span;
  }
  const a = document.createElement("a");
  a.href = url.href;
  a.target = "_blank";
  a.rel = "noopener noreferrer";
  return a;
}

function entityNode(entity, segment, handlers) {
  const tags = { bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code" };
  if (tags[entity.type]) return document.createElement(tags[entity.type]);
  switch (entity.type) {
    case "pre": {
      const pre = document.createElement("pre");
      if (entity.language) pre.dataset.language = entity.language;
      return pre;
    }
    case "blockquote":
    case "expandable_blockquote":
      return document.createElement("blockquote");
    case "spoiler": {
      const span = document.createElement("span");
      span.className = "spoiler";
      span.addEventListener("click", () => span.classList.add("revealed"));
      return span;
    }
    case "text_link":
      return linkNode(entity.url || "", segment);
    case "url":
      return linkNode(/^[a-z][a-z0-9+.-]*:/i.test(segment) ? segment : `http://${segment}`, segment);
    case "email":
      return linkNode(`mailto:${segment}`, segment);
    case "bot_command": {
      const span = document.createElement("span");
      span.className = "link command";
      span.addEventListener("click", () => handlers.command && handlers.command(segment));
      return span;
    }
    case "mention":
    case "hashtag":
    case "cashtag":
    case "text_mention":
    case "phone_number": {
      const span = document.createElement("span");
      span.className = "link";
      return span;
    }
    default:
      return document.createElement("span");
  }
}

// Entities nest (the Bot API's HTML parser only makes nested ones); anything overlapping is clipped.
function renderEntities(text, entities, handlers = {}) {
  const root = document.createDocumentFragment();
  const sorted = [...(entities || [])].sort((a, b) => a.offset - b.offset || b.length - a.length);
  function build(parent, start, end, list) {
    let position = start;
    let index = 0;
    while (index < list.length) {
      const entity = list[index];
      index += 1;
      if (entity.offset < position || entity.offset >= end) continue;
      if (entity.offset > position) parent.append(text.slice(position, entity.offset));
      const entityEnd = Math.min(entity.offset + entity.length, end);
      const inner = [];
      while (index < list.length && list[index].offset < entityEnd) {
        inner.push(list[index]);
        index += 1;
      }
      const node = entityNode(entity, text.slice(entity.offset, entityEnd), handlers);
      build(node, entity.offset, entityEnd, inner);
      parent.append(node);
      position = entityEnd;
    }
    if (position < end) parent.append(text.slice(position, end));
  }
  build(root, 0, text.length, sorted);
  return root;
}

// Telegram also marks /commands, @mentions and links in messages whose sender sent no entity for them.
const AUTO_ENTITIES = [
  ["bot_command", /(?<![\w/@])\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])/g],
  ["mention", /(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}\b/g],
  ["url", /\bhttps?:\/\/[^\s<>"]+/gi],
];
const OPAQUE = new Set(["code", "pre", "text_link", "url", "bot_command", "mention", "email", "text_mention"]);

function withAutoEntities(text, entities) {
  const all = [...(entities || [])];
  const taken = all.filter((e) => OPAQUE.has(e.type));
  for (const [type, pattern] of AUTO_ENTITIES) {
    for (const match of text.matchAll(pattern)) {
      const start = match.index;
      const end = start + match[0].length;
      if (taken.some((e) => start < e.offset + e.length && e.offset < end)) continue;
      const entity = { type, offset: start, length: match[0].length };
      all.push(entity);
      taken.push(entity);
    }
  }
  return all;
}

window.renderEntities = renderEntities;
window.withAutoEntities = withAutoEntities;
