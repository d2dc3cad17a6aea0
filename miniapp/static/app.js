// The ChooseCheese album Mini App. Signs in with Telegram's initData, then pages through the album API.
"use strict";

(() => {
  const tg = window.Telegram && window.Telegram.WebApp;
  const $ = (id) => document.getElementById(id);
  const state = {
    token: null,
    album: null,
    lang: "en",
    texts: {},
    person: null,
    people: [],
    next: 0,
    loading: false,
    total: 0,
  };

  const THEME_VARIABLES = {
    bg_color: "--bg",
    text_color: "--text",
    hint_color: "--hint",
    link_color: "--link",
    button_color: "--button",
    button_text_color: "--button-text",
    secondary_bg_color: "--secondary-bg",
  };

  function applyTheme() {
    if (!tg) return;
    const root = document.documentElement;
    root.classList.toggle("dark", tg.colorScheme === "dark");
    const params = tg.themeParams || {};
    for (const [key, variable] of Object.entries(THEME_VARIABLES)) {
      if (typeof params[key] === "string" && /^#[0-9a-fA-F]{3,8}$/.test(params[key])) {
        root.style.setProperty(variable, params[key]);
      } else {
        root.style.removeProperty(variable);
      }
    }
  }

  function t(key, values) {
    const table = state.texts[state.lang] || state.texts.en || {};
    // English has a singular ("1 photo"); Korean does not need one ("사진 1장").
    const one = values && values.n === 1 && table[`${key}_one`];
    let text = one || table[key] || key;
    for (const [name, value] of Object.entries(values || {})) text = text.split(`{${name}}`).join(String(value));
    return text;
  }

  function personLabel(person) {
    return person.name || t("person", { n: person.number });
  }

  function setStatus(text) {
    $("status").textContent = text || "";
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  async function signIn() {
    const response = await fetch("api/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ init_data: tg ? tg.initData : "", album: state.album }),
    });
    if (!response.ok) {
      const error = new Error("sign-in refused");
      error.status = response.status;
      throw error;
    }
    const body = await response.json();
    state.token = body.token;
    state.album = body.album;
    state.lang = body.language;
    if (body.title) $("title").textContent = body.title;
  }

  async function api(path, params) {
    const query = new URLSearchParams({ album: state.album, ...(params || {}) });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const response = await fetch(`api/${path}?${query}`, { headers: { Authorization: `Bearer ${state.token}` } });
      if (response.status === 401 && attempt === 0) {
        await signIn(); // the 15-minute session ran out: Telegram's initData signs us in again
        continue;
      }
      if (!response.ok) {
        const error = new Error(`api ${path}: ${response.status}`);
        error.status = response.status;
        throw error;
      }
      return response.json();
    }
    throw new Error("unreachable");
  }

  function translatePage() {
    document.documentElement.lang = state.lang;
    for (const node of document.querySelectorAll("[data-text]")) node.textContent = t(node.dataset.text);
  }

  // --- the grid -------------------------------------------------------------------------------------------------

  function resetGrid() {
    $("grid").replaceChildren();
    state.next = 0;
    state.total = 0;
  }

  function updateCount() {
    const chosen = state.people.find((p) => p.id === state.person);
    $("count").textContent = state.total === 0 ? t("empty")
      : chosen ? t("count_person", { n: state.total, name: personLabel(chosen) }) : t("count", { n: state.total });
  }

  async function loadMore() {
    if (state.loading || state.next === null) return;
    state.loading = true;
    const person = state.person;
    try {
      const params = { offset: state.next, limit: 30 };
      if (person !== null) params.person = person;
      const page = await api("album", params);
      if (person !== state.person) return; // the filter changed while this page was on its way
      state.total = page.total;
      state.next = page.next;
      const grid = $("grid");
      for (const item of page.items) {
        const cell = el("button", "cell");
        cell.dataset.photo = item.id;
        const img = el("img");
        img.loading = "lazy";
        img.alt = "";
        img.src = item.thumb;
        cell.append(img);
        cell.addEventListener("click", () => openPhoto(item.id));
        grid.append(cell);
      }
      updateCount();
    } catch (error) {
      showError(error);
    } finally {
      state.loading = false;
    }
    if (state.next !== null && sentinelVisible()) loadMore();
  }

  function sentinelVisible() {
    const box = $("sentinel").getBoundingClientRect();
    return box.top < window.innerHeight + 400;
  }

  // --- people ---------------------------------------------------------------------------------------------------

  function renderPeople() {
    const row = $("people");
    row.replaceChildren();
    if (!state.people.length) return;
    const all = el("button", "chip" + (state.person === null ? " active" : ""));
    all.dataset.person = "";
    all.append(el("span", "all", "★"), el("span", "label", t("all")));
    all.addEventListener("click", () => choosePerson(null));
    row.append(all);
    for (const person of state.people) {
      const chip = el("button", "chip" + (state.person === person.id ? " active" : ""));
      chip.dataset.person = person.id;
      const img = el("img");
      img.alt = "";
      img.src = person.cover;
      chip.append(img, el("span", "label", personLabel(person)));
      chip.addEventListener("click", () => choosePerson(person.id));
      row.append(chip);
    }
  }

  function choosePerson(id) {
    state.person = id;
    renderPeople();
    resetGrid();
    state.loading = false;
    loadMore();
  }

  // --- one photo ------------------------------------------------------------------------------------------------

  function box(className, [x, y, w, h], width, height, label) {
    const node = el("div", className);
    node.style.left = `${(100 * x) / width}%`;
    node.style.top = `${(100 * y) / height}%`;
    node.style.width = `${(100 * w) / width}%`;
    node.style.height = `${(100 * h) / height}%`;
    if (label) node.append(el("span", "", label));
    return node;
  }

  async function openPhoto(id) {
    let photo;
    try {
      photo = await api(`photo/${id}`);
    } catch (error) {
      showError(error);
      return;
    }
    const viewer = $("viewer");
    $("viewer-title").textContent = t("photo_points", { n: photo.points });
    $("stage-img").src = photo.view;
    const marks = $("stage-marks");
    marks.replaceChildren();
    const many = photo.cuts.length > 1;
    photo.cuts.forEach((cut, index) => {
      if (many) marks.append(box("cutbox", cut, photo.width, photo.height, t("cut", { n: index + 1 })));
    });
    for (const face of photo.faces) {
      const who = face.person ? `${personLabel(face.person)} · ` : "";
      marks.append(box("facebox", face.box, photo.width, photo.height, `${who}${t("points", { n: face.points })}`));
    }
    const details = $("details");
    details.replaceChildren();
    details.append(el("h2", "", t("photo_points", { n: photo.points })));
    const faces = el("ul", "faces");
    for (const face of photo.faces) {
      const who = face.person ? personLabel(face.person) : "?";
      const cut = many ? `${t("cut", { n: face.frame + 1 })} · ` : "";
      faces.append(el("li", "", `${cut}${who}: ${t("smile", { n: face.smile })} → ${t("points", { n: face.points })}`));
    }
    details.append(faces, el("h3", "", t("poses")));
    if (photo.poses.length) {
      const poses = el("ul", "poses");
      for (const pose of photo.poses) {
        const cut = many ? `${t("cut", { n: pose.frame + 1 })}: ` : "";
        poses.append(el("li", "", cut + (state.lang === "ko" ? pose.ko : pose.en)));
      }
      details.append(poses);
    } else {
      details.append(el("p", "hint", t("no_poses")));
    }
    if (photo.moods.length) {
      const names = photo.moods.map((mood) => (state.lang === "ko" ? mood.ko : mood.en)).join(" · ");
      details.append(el("p", "moods", t("mood", { moods: names })));
    }
    const links = el("div", "links");
    const original = el("a", "original", t("original"));
    original.href = photo.original;
    original.target = "_blank";
    original.rel = "noopener";
    links.append(original);
    photo.videos.forEach((url, index) => {
      const video = el("a", "video", photo.videos.length > 1 ? t("video_n", { n: index + 1 }) : t("video"));
      video.href = url;
      video.target = "_blank";
      video.rel = "noopener";
      links.append(video);
    });
    details.append(links);
    viewer.dataset.photo = id;
    viewer.hidden = false;
    if (tg && tg.BackButton) tg.BackButton.show();
  }

  function closePhoto() {
    $("viewer").hidden = true;
    delete $("viewer").dataset.photo;
    if (tg && tg.BackButton) tg.BackButton.hide();
  }

  // --- ranking --------------------------------------------------------------------------------------------------

  async function showRank() {
    const rank = await api("rank");
    $("rank-summary").textContent = t("rank_summary", { week: rank.week, photos: rank.photos, points: rank.points });
    const list = $("rank-list");
    list.replaceChildren();
    if (!rank.standings.length) list.append(el("li", "hint", t("rank_empty")));
    for (const standing of rank.standings) {
      const item = el("li");
      item.append(
        el("span", "place", String(standing.place)),
        el("span", "who", personLabel(standing)),
        el("span", "hint", t("photos_n", { n: standing.photos })),
        el("span", "pts", t("points", { n: standing.points })),
      );
      list.append(item);
    }
  }

  function showTab(name) {
    $("tab-photos").classList.toggle("active", name === "photos");
    $("tab-rank").classList.toggle("active", name === "rank");
    $("photos-pane").hidden = name !== "photos";
    $("rank-pane").hidden = name !== "rank";
    if (name === "rank") showRank().catch(showError);
  }

  function showError(error) {
    console.warn(error);
    if (error.status === 403) setStatus(t("not_member"));
    else if (error.status === 401) setStatus(t("open_in_telegram"));
    else setStatus(t("error"));
  }

  async function start() {
    applyTheme();
    if (tg) {
      tg.ready();
      tg.expand();
      if (tg.onEvent) tg.onEvent("themeChanged", applyTheme);
      if (tg.BackButton && tg.BackButton.onClick) tg.BackButton.onClick(closePhoto);
    }
    const unsafe = (tg && tg.initDataUnsafe) || {};
    state.album = unsafe.start_param || new URLSearchParams(location.search).get("album");
    const language = unsafe.user && unsafe.user.language_code;
    state.lang = language && language.startsWith("ko") ? "ko" : "en";
    state.texts = await (await fetch("static/texts.json")).json();
    translatePage();
    setStatus(t("signing_in"));
    try {
      await signIn();
    } catch (error) {
      showError(error);
      return;
    }
    translatePage();
    setStatus("");
    $("tab-photos").addEventListener("click", () => showTab("photos"));
    $("tab-rank").addEventListener("click", () => showTab("rank"));
    $("viewer-close").addEventListener("click", closePhoto);
    new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) loadMore();
    }, { rootMargin: "400px" }).observe($("sentinel"));
    try {
      state.people = await api("people");
    } catch (error) {
      showError(error);
    }
    renderPeople();
    loadMore();
    document.body.dataset.ready = "1";
  }

  start();
})();
