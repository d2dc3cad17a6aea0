"""Korean and English texts. Keys are plain names; every text exists in both languages (a test checks)."""

from __future__ import annotations

from typing import Final

DEFAULT_LANGUAGE: Final = "ko"

TEXTS: Final[dict[str, dict[str, str]]] = {
    "start": {
        "ko": (
            "<b>ChooseCheese</b>에 오신 걸 환영해요 📸\n\n"
            "네컷 사진의 <b>QR 코드</b>를 찍어 보내면 원본 사진을 받아 앨범에 저장해요. "
            "사진이나 파일을 그대로 보내도 돼요. 그룹에서는 모두가 앨범 하나를 함께 써요.\n\n"
            "/help 로 모든 기능을 볼 수 있어요."
        ),
        "en": (
            "Welcome to <b>ChooseCheese</b> 📸\n\n"
            "Send a photo of the <b>QR code</b> on your 4-cut strip and I will fetch the original and file it in "
            "your album. Plain photos and files work too. In a group everyone shares one album.\n\n"
            "See /help for everything I can do."
        ),
    },
    "help": {
        "ko": (
            "<b>사용법</b>\n"
            "• 네컷 QR 사진 또는 QR 링크 → 원본 사진(과 영상)을 앨범에 저장\n"
            "• 사진·파일(JPEG, PNG, HEIC, WebP)·앨범 전송 → 그대로 저장 (같은 파일은 한 번만)\n"
            "• 저장한 사진마다 얼굴에 상자와 웃음 점수를 그려서 보여 드려요\n\n"
            "<b>웃음 점수</b>\n"
            "얼굴마다 0–100점: 무표정은 낮게, 활짝 웃으면 높게, 표정을 읽을 수 없으면 50점 "
            "(이 서버에서 얼굴 표정을 분석해요). "
            "사진의 점수는 얼굴 점수의 합이에요. 네컷은 컷마다 얼굴을 찾고, 같은 네컷이 두 줄 인쇄된 파일은 "
            "한 줄만 세요. 얼굴 하나는 한 번만 세요.\n\n"
            "<b>명령어</b>\n"
            "/album — 앨범 보기\n"
            "/people — 사람 앨범: 얼굴별로 모은 사진, 이름 붙이기, 합치기, 잘못 들어간 얼굴 빼기, 숨기기\n"
            "/lang — 언어 바꾸기 (한국어/English)\n"
            "/help — 이 도움말\n\n"
            "사진은 이 봇이 돌아가는 서버에만 저장돼요."
        ),
        "en": (
            "<b>How it works</b>\n"
            "• A photo of a 4-cut QR, or the QR link → the original photo (and video) goes to the album\n"
            "• Photos, files (JPEG, PNG, HEIC, WebP) and albums → saved as they are (the same file only once)\n"
            "• Every saved photo comes back with a box and smile points on each face\n\n"
            "<b>Smile points</b>\n"
            "Each face gets 0–100: a neutral face scores low, a broad smile high, 50 when the expression cannot be "
            "read (worked out on this server). A photo's points are the sum over its faces. 4-cut strips are "
            "searched cut by cut, a file that holds the strip twice counts once, and every face counts once.\n\n"
            "<b>Commands</b>\n"
            "/album — browse the album\n"
            "/people — person albums: photos by face, naming, merging, removing a wrong face, hiding\n"
            "/lang — change language (한국어/English)\n"
            "/help — this help\n\n"
            "Photos are stored only on the server this bot runs on."
        ),
    },
    "lang.choose": {"ko": "언어를 골라 주세요.", "en": "Choose a language."},
    "lang.set": {"ko": "이제 한국어로 말할게요.", "en": "I will speak English from now on."},
    "lang.admins_only": {
        "ko": "그룹의 언어는 관리자만 바꿀 수 있어요.",
        "en": "Only group admins can change the group's language.",
    },
    "upload.saved": {"ko": "앨범에 저장했어요 ✓ · 모두 {count}장", "en": "Saved to the album ✓ · {count} in total"},
    "upload.saved_many": {
        "ko": "{saved}장을 앨범에 저장했어요 ✓ · 모두 {count}장",
        "en": "Saved {saved} photos to the album ✓ · {count} in total",
    },
    "upload.duplicate": {
        "ko": "이미 앨범에 있는 사진이에요. 다시 저장하지 않았어요.",
        "en": "That photo is already in the album, so I did not store it again.",
    },
    "upload.duplicates_in_group": {"ko": "{n}장은 이미 있었어요.", "en": "{n} were already there."},
    "upload.not_image": {
        "ko": "이 파일은 사진이 아니에요. JPEG, PNG, HEIC, WebP 사진을 보내 주세요.",
        "en": "That file is not a photo. Please send a JPEG, PNG, HEIC or WebP picture.",
    },
    "upload.unsupported": {
        "ko": "이 형식의 사진은 아직 못 받아요. JPEG, PNG, HEIC, WebP 로 보내 주세요.",
        "en": "I cannot take that image format yet. Please send JPEG, PNG, HEIC or WebP.",
    },
    "upload.truncated": {
        "ko": "사진 파일이 깨져 있어요 (끝까지 전송되지 않은 것 같아요). 다시 보내 주세요.",
        "en": "The picture is damaged (it looks cut off). Please send it again.",
    },
    "upload.too_many_pixels": {
        "ko": "사진이 너무 커요 ({detail}). 6천만 화소 이하로 보내 주세요.",
        "en": "The picture is too large ({detail}). Please keep it under 60 megapixels.",
    },
    "upload.empty": {"ko": "빈 파일이에요.", "en": "The file is empty."},
    "upload.too_big": {
        "ko": "파일이 너무 커요 ({size_mb} MB). {limit_mb} MB 이하로 보내 주세요.",
        "en": "The file is too big ({size_mb} MB). Please keep it under {limit_mb} MB.",
    },
    "qr.found": {"ko": "🔎 QR 코드를 찾았어요 · {brand}", "en": "🔎 Found a QR code · {brand}"},
    "qr.downloading": {"ko": "⬇️ {brand}에서 원본을 받는 중…", "en": "⬇️ Fetching the original from {brand}…"},
    "qr.saving": {"ko": "💾 앨범에 저장하는 중…", "en": "💾 Saving to the album…"},
    "qr.saved": {
        "ko": "✅ {brand} 원본을 앨범에 저장했어요.",
        "en": "✅ Saved the original from {brand} to the album.",
    },
    "qr.saved_video": {
        "ko": "✅ {brand} 원본 사진과 영상 {videos}개를 앨범에 저장했어요.",
        "en": "✅ Saved the original photo and {videos} video(s) from {brand} to the album.",
    },
    "qr.already": {
        "ko": "이 QR의 사진은 이미 앨범에 있어요. 다시 저장하지 않았어요.",
        "en": "The photo behind this QR is already in the album, so I did not store it again.",
    },
    "qr.failed": {"ko": "⚠️ {brand}: {reason}", "en": "⚠️ {brand}: {reason}"},
    "qr.kept_upload": {
        "ko": "대신 보내주신 사진을 앨범에 저장했어요.",
        "en": "I saved the photo you sent instead.",
    },
    "qr.kept_upload_duplicate": {
        "ko": "보내주신 사진은 이미 앨범에 있어요.",
        "en": "The photo you sent is already in the album.",
    },
    "qr.video_caption": {"ko": "🎬 {brand} 촬영 영상", "en": "🎬 Making-of video from {brand}"},
    "qr.rate_limited": {
        "ko": "QR 링크를 너무 많이 보냈어요. {seconds}초 뒤에 다시 해 주세요.",
        "en": "That is a lot of QR links at once. Please try again in {seconds} seconds.",
    },
    "qr.text_hint": {
        "ko": "네컷 사진의 QR 코드를 찍어 보내거나 QR 링크를 보내 주세요. 도움말은 /help",
        "en": "Send a photo of the QR code on your 4-cut strip, or the QR link. See /help",
    },
    "album.empty": {
        "ko": "앨범이 비어 있어요. 네컷 QR 사진이나 사진을 보내 보세요!",
        "en": "The album is empty. Send a 4-cut QR photo or any picture!",
    },
    "album.page": {
        "ko": "📒 앨범 {page}/{pages} 쪽 · 사진 {count}장",
        "en": "📒 Album page {page}/{pages} · {count} photos",
    },
    "album.prev": {"ko": "◀ 이전", "en": "◀ Prev"},
    "album.next": {"ko": "다음 ▶", "en": "Next ▶"},
    "album.expired": {
        "ko": "이 버튼은 더 이상 쓸 수 없어요. /album 을 다시 보내 주세요.",
        "en": "This button has expired. Send /album again.",
    },
    "error.generic": {
        "ko": "앗, 처리 중에 문제가 생겼어요. 잠시 후 다시 시도해 주세요. 보낸 사진은 잃어버리지 않았어요.",
        "en": "Oops, something went wrong. Please try again in a moment. Nothing you sent was lost.",
    },
    "error.busy": {
        "ko": "텔레그램이 잠시 바빠요. 조금 뒤에 다시 시도해 주세요.",
        "en": "Telegram is busy right now. Please try again shortly.",
    },
    "privacy": {
        "ko": (
            "<b>개인정보</b>\n"
            "얼굴은 생체정보라서 조심스럽게 다뤄요.\n\n"
            "<b>저장하는 것</b> (이 봇이 돌아가는 서버에만)\n"
            "• 보내주신 사진·영상과 부스에서 받은 원본\n"
            "• 사진 속 얼굴마다: 위치(상자), 웃음 점수(0–100), 얼굴 특징값(임베딩: 얼굴 모양에서 계산한 숫자 128개. "
            "같은 사람의 얼굴을 모으는 데만 써요)\n"
            "• 사람 앨범: 어떤 얼굴이 어떤 사람인지, 여러분이 고친 내용(합치기, 빼기, 숨기기)\n"
            "• 사람 이름(여러분이 붙인 것), 누가 어떤 사진을 올렸는지\n\n"
            "<b>밖으로 보내는 것</b>\n"
            "• 없어요. 얼굴 분석은 모두 이 서버 안에서 해요. QR 링크는 보내주신 그 주소에서만 사진을 받아와요.\n\n"
            "/forget — 이 채팅의 사진, 얼굴, 특징값, 사람 앨범을 모두 지워요 (그룹은 관리자만). "
            "기부 약정 기록은 금액만 남기고 사람·사진과의 연결을 지워요."
        ),
        "en": (
            "<b>Privacy</b>\n"
            "Faces are biometric data, so we handle them with care.\n\n"
            "<b>What is stored</b> (only on the server this bot runs on)\n"
            "• the photos and videos you send and the originals fetched from booths\n"
            "• for each face in a photo: where it is (a box), its smile score (0–100) and a face embedding "
            "(128 numbers computed from the face's shape, used only to group one person's faces)\n"
            "• person albums: which face belongs to which person, and your corrections (merges, removals, hiding)\n"
            "• the names you give people, and who uploaded which photo\n\n"
            "<b>What leaves this server</b>\n"
            "• Nothing. Face analysis runs here. A QR link is fetched only from the address you sent.\n\n"
            "/forget — erase this chat's photos, faces, descriptors and person albums (group admins only). "
            "Pledge records keep their amounts but lose every link to people and photos."
        ),
    },
    "forget.confirm": {
        "ko": "정말 이 채팅의 사진 {photos}장과 얼굴 정보를 모두 지울까요? 되돌릴 수 없어요.",
        "en": "Really erase this chat's {photos} photos and all face data? This cannot be undone.",
    },
    "forget.yes": {"ko": "🗑 모두 지우기", "en": "🗑 Erase everything"},
    "forget.no": {"ko": "취소", "en": "Cancel"},
    "forget.cancelled": {"ko": "취소했어요. 아무것도 지우지 않았어요.", "en": "Cancelled. Nothing was erased."},
    "forget.done": {
        "ko": "지웠어요: 사진 {photos}장, 얼굴 {faces}개, 사람 {people}명, 파일 {files}개.",
        "en": "Erased: {photos} photos, {faces} faces, {people} people, {files} files.",
    },
    "admins_only": {
        "ko": "그룹 관리자만 할 수 있어요.",
        "en": "Only group admins can do that.",
    },
    "smile.total_one": {"ko": "😊 웃음 점수 <b>{points}</b>점", "en": "😊 Smile points: <b>{points}</b>"},
    "smile.total": {
        "ko": "😊 웃음 점수 <b>{points}</b>점 · 얼굴 {faces}개 ({parts})",
        "en": "😊 Smile points: <b>{points}</b> · {faces} faces ({parts})",
    },
    "smile.how": {
        "ko": "<i>얼굴마다 0–100점, 그 합계예요 · /help</i>",
        "en": "<i>0–100 per face, added up · /help</i>",
    },
    "smile.no_faces": {
        "ko": "🙂 이 사진에서는 얼굴을 찾지 못했어요. 사람이 나온 사진을 보내면 얼굴마다 웃음 점수를 알려 드려요!",
        "en": "🙂 I found no faces in this one. Send a photo with people and I will score every smile!",
    },
    "smile.failed": {
        "ko": "얼굴 분석이 이번에는 안 됐어요. 나중에 다시 해 볼게요. 사진은 앨범에 잘 있어요.",
        "en": "I could not look for faces this time and will try again later. The photo is safe in the album.",
    },
    "smile.photo_line": {"ko": "{number}번 사진: {line}", "en": "Photo {number}: {line}"},
    "smile.best": {
        "ko": "🏆 가장 많이 웃은 사진: {number}번 ({points}점)",
        "en": "🏆 Biggest smiles: photo {number} ({points} points)",
    },
    "people.empty": {
        "ko": (
            "아직 사람 앨범이 비어 있어요. 얼굴이 나온 사진을 보내 주세요. "
            "한 사람의 얼굴이 {n}번 나오면 (네컷의 컷마다 한 번) 그 사람의 앨범을 만들어요."
        ),
        "en": (
            "No people yet. Send photos with faces: once someone's face has turned up {n} times (each cut of a "
            "strip counts), they get an album of their own."
        ),
    },
    "people.sheet": {
        "ko": "👥 <b>사람 앨범</b> · {count}명 · {page}/{pages}쪽\n번호를 누르면 그 사람을 열어요.",
        "en": "👥 <b>People</b> · {count} · page {page}/{pages}\nTap a number to open someone.",
    },
    "people.sheet_hidden": {
        "ko": "👥 <b>사람 앨범</b> (숨긴 사람 포함) · {count}명 · {page}/{pages}쪽\n번호를 누르면 그 사람을 열어요.",
        "en": "👥 <b>People</b> (hidden ones too) · {count} · page {page}/{pages}\nTap a number to open someone.",
    },
    "people.unnamed": {"ko": "사람 {id}", "en": "Person {id}"},
    "people.tile_photos": {"ko": "사진 {n}장", "en": "{n} photos"},
    "people.show_hidden": {"ko": "👀 숨긴 사람 보기 ({n})", "en": "👀 Show hidden ({n})"},
    "people.hide_hidden": {"ko": "🙈 숨긴 사람 빼고 보기", "en": "🙈 Leave hidden ones out"},
    "people.card": {
        "ko": "<b>{name}</b>{hidden}\n사진 {photos}장 · 얼굴 {faces}개 · 평균 웃음 {smile}점",
        "en": "<b>{name}</b>{hidden}\n{photos} photos · {faces} faces · average smile {smile}",
    },
    "people.hidden_mark": {"ko": " 🙈 (숨김)", "en": " 🙈 (hidden)"},
    "people.photos": {"ko": "📷 사진 보기", "en": "📷 Photos"},
    "people.name": {"ko": "✏️ 이름 붙이기", "en": "✏️ Name"},
    "people.merge": {"ko": "🔗 다른 사람과 합치기", "en": "🔗 Merge with…"},
    "people.remove": {"ko": "✂️ 잘못 들어간 얼굴 빼기", "en": "✂️ Remove a wrong face"},
    "people.hide": {"ko": "🙈 숨기기", "en": "🙈 Hide"},
    "people.unhide": {"ko": "👀 다시 보이기", "en": "👀 Unhide"},
    "people.back": {"ko": "◀ 사람 목록", "en": "◀ All people"},
    "people.back_to_person": {"ko": "◀ 돌아가기", "en": "◀ Back"},
    "people.gone": {
        "ko": "그 사람은 이제 앨범에 없어요 (합쳐졌거나 지워졌어요).",
        "en": "That person is no longer in the album (merged or removed).",
    },
    "people.ask_name": {
        "ko": "✏️ {who}이 메시지에 답장으로 <b>{name}</b> 님의 이름을 보내 주세요 ({max}자까지).",
        "en": "✏️ {who}Reply to this message with a name for <b>{name}</b> (up to {max} characters).",
    },
    "people.name_placeholder": {"ko": "이름", "en": "Name"},
    "people.bad_name": {
        "ko": "이름은 1–{max}자로 해 주세요. 질문 메시지에 다시 답장해 주세요.",
        "en": "A name needs 1–{max} characters. Please reply to my question again.",
    },
    "people.named": {"ko": "✓ 새 이름: <b>{name}</b>{by}", "en": "✓ Now called <b>{name}</b>.{by}"},
    "people.by": {"ko": " ({who} 님이 했어요)", "en": " (by {who})"},
    "people.photos_page": {
        "ko": "📷 <b>{name}</b> · {page}/{pages}쪽 · 사진 {count}장",
        "en": "📷 <b>{name}</b> · page {page}/{pages} · {count} photos",
    },
    "people.merge_pick": {
        "ko": "🔗 <b>{name}</b> — 같은 사람의 번호를 눌러 주세요 · {page}/{pages}쪽",
        "en": "🔗 Who else is <b>{name}</b>? Tap their number · page {page}/{pages}",
    },
    "people.merge_nobody": {
        "ko": "합칠 다른 사람이 아직 없어요.",
        "en": "There is nobody else to merge with yet.",
    },
    "people.merge_confirm": {
        "ko": "🔗 <b>{name}</b>, <b>{other}</b>: 한 사람으로 합칠까요?",
        "en": "🔗 Merge <b>{name}</b> and <b>{other}</b> into one person?",
    },
    "people.merge_yes": {"ko": "✓ 합치기", "en": "✓ Merge"},
    "people.cancel": {"ko": "취소", "en": "Cancel"},
    "people.merged": {"ko": "✓ 합쳤어요.{by}", "en": "✓ Merged.{by}"},
    "people.remove_pick": {
        "ko": "✂️ <b>{name}</b> — 다른 사람인 얼굴의 번호를 눌러 주세요 · {page}/{pages}쪽",
        "en": "✂️ Tap the number of a face that is not <b>{name}</b> · page {page}/{pages}",
    },
    "people.removed": {
        "ko": "✓ 얼굴 하나를 뺐어요. 다시는 이 사람에 들어가지 않아요.{by}",
        "en": "✓ Face removed; it will never join this person again.{by}",
    },
    "people.removed_last": {
        "ko": "✓ 마지막 얼굴을 뺐어요. 이 사람은 이제 목록에 없어요.{by}",
        "en": "✓ Removed the last face, so this person has left the list.{by}",
    },
    "people.hidden_now": {
        "ko": "🙈 숨겼어요. /people 목록에 나오지 않아요.{by}",
        "en": "🙈 Hidden: /people leaves them out now.{by}",
    },
    "people.shown_now": {"ko": "👀 다시 보여요.{by}", "en": "👀 Visible again.{by}"},
    "cmd.people": {"ko": "사람 앨범", "en": "People in the photos"},
    "cmd.privacy": {"ko": "개인정보 안내", "en": "Privacy"},
    "cmd.forget": {"ko": "이 채팅의 데이터 지우기", "en": "Erase this chat's data"},
    "cmd.start": {"ko": "시작하기", "en": "Start"},
    "cmd.help": {"ko": "도움말", "en": "Help"},
    "cmd.album": {"ko": "앨범 보기", "en": "Browse the album"},
    "cmd.lang": {"ko": "언어 바꾸기", "en": "Change language"},
}


def normalise_language(code: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Map Telegram's language_code (e.g. 'en-US', 'ko') to one we speak."""
    if not code:
        return default
    base = code.split("-")[0].lower()
    return base if base in ("ko", "en") else "en"


def t(language: str, key: str, **values: object) -> str:
    entry = TEXTS[key]
    text = entry.get(language) or entry[DEFAULT_LANGUAGE]
    return text.format(**values) if values else text
