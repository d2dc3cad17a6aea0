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
            "<b>명령어</b>\n"
            "/album — 앨범 보기\n"
            "/people — 사람 앨범: 얼굴별로 모은 사진, 이름 붙이기, 합치기, 잘못 들어간 얼굴 빼기, 숨기기\n"
            "/rank — 웃음 랭킹 (이번 주/전체, 사람별/올린 사람별)\n"
            "/donate — 웃음을 기부 약정으로 (기부처, 규칙, 장부 CSV)\n"
            "/settings — 주간 결산 요일·시간·시간대\n"
            "/lang — 언어 바꾸기 (한국어/English)\n"
            "/help — 이 도움말\n\n"
            "<b>웃음 점수</b>\n"
            "• 얼굴 하나의 점수 = 웃음 점수(0–100)를 반올림한 정수: 무표정은 낮게, 활짝 웃으면 높게, "
            "표정을 읽을 수 없으면 50 (이 서버에서 분석해요)\n"
            "• 네컷은 컷마다 얼굴을 세고, 같은 네컷이 두 번 인쇄된 파일은 한 번만 세요\n"
            "• 사진 한 장의 점수 = 그 사진 속 얼굴 점수의 합 (얼굴마다 한 번)\n"
            "• 사람별 = 그 사람 얼굴들의 점수 합 · 올린 사람별 = 그 사람이 올린 사진들의 점수 합\n"
            "• 한 주 = 채팅 시간대로 월요일 0시 – 일요일 24시. "
            "주간 결산(기본: 일요일 20시)은 그 주의 그때까지를 세요.\n"
            "• 기부는 약정만 기록해요. 봇은 돈을 받거나 보내지 않아요.\n\n"
            "사진은 이 봇이 돌아가는 서버에만 저장돼요."
        ),
        "en": (
            "<b>How it works</b>\n"
            "• A photo of a 4-cut QR, or the QR link → the original photo (and video) goes to the album\n"
            "• Photos, files (JPEG, PNG, HEIC, WebP) and albums → saved as they are (the same file only once)\n"
            "• Every saved photo comes back with a box and smile points on each face\n\n"
            "<b>Commands</b>\n"
            "/album — browse the album\n"
            "/people — person albums: photos by face, naming, merging, removing a wrong face, hiding\n"
            "/rank — smile ranking (this week/all time, by person/by uploader)\n"
            "/donate — turn smiles into pledges to a nonprofit (choice, rule, CSV ledger)\n"
            "/settings — day, time and timezone of the weekly post\n"
            "/lang — change language (한국어/English)\n"
            "/help — this help\n\n"
            "<b>Smile points</b>\n"
            "• a face's points = its smile score (0–100) rounded to a whole number: a neutral face scores low, a "
            "broad smile high, 50 when the expression cannot be read (worked out on this server)\n"
            "• 4-cut strips are counted cut by cut; a file that holds the strip twice counts once\n"
            "• a photo's points = the sum over its faces (each face counted once)\n"
            "• by person = the points of that person's faces · by uploader = the points of the photos they sent\n"
            "• a week = Monday 00:00 – Sunday 24:00 in the chat's timezone; the weekly post (default Sunday "
            "20:00) counts the week so far\n"
            "• donations are pledges only: the bot never collects or sends money\n\n"
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
    "qr.video_too_big": {
        "ko": (
            "🎬 {brand} 영상은 {size_mb} MB라서 여기로 보낼 수 없어요. 텔레그램은 봇이 {limit_mb} MB까지만 보낼 수 "
            "있게 해요. 영상은 앨범에 함께 보관했어요. 링크가 만료되기 전에 부스 페이지에서 받아 주세요: {url}"
        ),
        "en": (
            "🎬 The {brand} video is {size_mb} MB, and Telegram lets a bot send at most {limit_mb} MB, so I can't post "
            "it here. A copy is kept with the album. Download it from the booth's page before the link expires: {url}"
        ),
    },
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
    "rank.title_week": {"ko": "😊 <b>웃음 랭킹 · 이번 주</b>", "en": "😊 <b>Smile ranking · this week</b>"},
    "rank.title_all": {"ko": "😊 <b>웃음 랭킹 · 전체</b>", "en": "😊 <b>Smile ranking · all time</b>"},
    "rank.chart_week": {"ko": "웃음 랭킹 · 이번 주", "en": "Smile ranking · this week"},
    "rank.chart_all": {"ko": "웃음 랭킹 · 전체", "en": "Smile ranking · all time"},
    "rank.all_time": {"ko": "처음부터 지금까지", "en": "since the start"},
    "rank.by_person": {"ko": "사람별", "en": "by person"},
    "rank.by_member": {"ko": "올린 사람별", "en": "by uploader"},
    "rank.person_n": {"ko": "사람 {n}", "en": "Person {n}"},
    "rank.line": {
        "ko": "{place} {name} — {points}점 · 사진 {photos}장",
        "en": "{place} {name} — {points} pts · {photos} photo(s)",
    },
    "rank.more": {"ko": "… 그리고 {n}명 더", "en": "… and {n} more"},
    "rank.totals": {
        "ko": "📸 사진 {photos}장 · 웃음 점수 모두 {points}점",
        "en": "📸 {photos} photo(s) · {points} smile points in all",
    },
    "rank.empty_week": {
        "ko": "이번 주에는 아직 웃음이 없어요. 네컷 사진을 보내 보세요!",
        "en": "No smiles yet this week. Send some 4-cut photos!",
    },
    "rank.empty_all": {
        "ko": "아직 웃음이 없어요. 네컷 사진을 보내 보세요!",
        "en": "No smiles yet. Send some 4-cut photos!",
    },
    "rank.empty_person": {
        "ko": "아직 알아본 사람이 없어요. ‘올린 사람별’을 눌러 보세요.",
        "en": "Nobody has been recognised yet. Try “by uploader”.",
    },
    "rank.chart_empty": {"ko": "아직 웃음이 없어요", "en": "No smiles yet"},
    "rank.points_axis": {"ko": "웃음 점수", "en": "smile points"},
    "rank.btn_week": {"ko": "이번 주", "en": "This week"},
    "rank.btn_all": {"ko": "전체", "en": "All time"},
    "rank.btn_person": {"ko": "사람별", "en": "By person"},
    "rank.btn_member": {"ko": "올린 사람별", "en": "By uploader"},
    "weekly.title": {"ko": "🗓 <b>이번 주 웃음 결산</b> · {week}", "en": "🗓 <b>This week's smiles</b> · {week}"},
    "weekly.pledged": {
        "ko": "💝 이번 주 웃음으로 {charity}에 {amount}을 약정했어요.",
        "en": "💝 This week's smiles pledged {amount} to {charity}.",
    },
    "weekly.capped": {
        "ko": "(주간 한도 적용 전 {gross})",
        "en": "(before the weekly cap: {gross})",
    },
    "donate.title": {"ko": "💝 <b>웃음 기부</b>", "en": "💝 <b>Smile donations</b>"},
    "donate.pledges_only": {
        "ko": (
            "약정만 기록해요: 이 봇은 돈을 받거나 보내지 않아요. 기부는 여러분이 직접 하고, "
            "관리자가 그 주를 ‘기부 완료’로 표시해요."
        ),
        "en": (
            "Pledges only: this bot never collects or sends money. You donate yourselves, and an admin marks "
            "the week as donated."
        ),
    },
    "donate.pledges_only_short": {
        "ko": "약정일 뿐이에요. 봇은 돈을 옮기지 않아요 · /donate",
        "en": "Pledges only; the bot moves no money · /donate",
    },
    "donate.no_charity": {
        "ko": "기부처: 아직 안 골랐어요 (관리자가 ‘기부처 고르기’로 골라요)",
        "en": "Nonprofit: not chosen yet (admins: “Choose nonprofit”)",
    },
    "donate.no_charity_short": {"ko": "(기부처 미정)", "en": "(no nonprofit chosen yet)"},
    "donate.charity": {"ko": "기부처: {charity}", "en": "Nonprofit: {charity}"},
    "donate.no_rule": {
        "ko": "약정 규칙: 아직 없어요 (관리자: /donate rule 10 5000 → 웃음 1점당 ₩10, 주 ₩5,000까지)",
        "en": "Pledge rule: none yet (admins: /donate rule 10 5000 → ₩10 per smile point, at most ₩5,000 a week)",
    },
    "donate.rule": {
        "ko": "약정 규칙: 웃음 1점당 {rate} · 주간 한도 없음",
        "en": "Rule: {rate} per smile point · no weekly cap",
    },
    "donate.rule_capped": {
        "ko": "약정 규칙: 웃음 1점당 {rate} · 한 주 최대 {cap}",
        "en": "Rule: {rate} per smile point · at most {cap} a week",
    },
    "donate.this_week": {
        "ko": "이번 주 ({week}): 웃음 {points}점 → {amount}",
        "en": "This week ({week}): {points} points → {amount}",
    },
    "donate.totals": {
        "ko": "아직 기부 안 한 약정: {open} ({weeks}주) · 기부 완료: {donated}",
        "en": "Pledged, not yet donated: {open} ({weeks} week(s)) · donated: {donated}",
    },
    "donate.week_closed": {
        "ko": "✅ 이번 주는 기부 완료로 닫혔어요.",
        "en": "✅ This week is marked donated and closed.",
    },
    "donate.contributors_week": {"ko": "<b>이번 주에 웃음을 보탠 사람</b>", "en": "<b>Contributors this week</b>"},
    "donate.contributors_all": {"ko": "<b>지금까지</b>", "en": "<b>All time</b>"},
    "donate.contributor": {"ko": "{n}. {name} — {amount} ({points}점)", "en": "{n}. {name} — {amount} ({points} pts)"},
    "donate.anonymous": {"ko": "(지워진 사용자)", "en": "(forgotten member)"},
    "donate.btn_charity": {"ko": "🏛 기부처 고르기", "en": "🏛 Choose nonprofit"},
    "donate.btn_rule": {"ko": "⚖️ 약정 규칙", "en": "⚖️ Pledge rule"},
    "donate.btn_csv": {"ko": "📄 CSV 내보내기", "en": "📄 Export CSV"},
    "donate.btn_close": {"ko": "✅ 기부 완료 표시", "en": "✅ Mark week donated"},
    "donate.btn_back": {"ko": "↩ 돌아가기", "en": "↩ Back"},
    "donate.btn_rate": {"ko": "1점당 {rate}", "en": "{rate}/point"},
    "donate.btn_cap": {"ko": "주 {cap}", "en": "{cap}/week"},
    "donate.btn_no_cap": {"ko": "한도 없음", "en": "No cap"},
    "donate.usage": {
        "ko": (
            "/donate — 약정 현황\n/donate rule 10 5000 — 1점당 ₩10, 주 ₩5,000까지 (관리자)\n"
            "/donate add https://… 이름 — 기부처 추가 (관리자)\n/donate csv — 장부 내보내기\n"
            "/donate done — 기부 완료 표시 (관리자)"
        ),
        "en": (
            "/donate — pledges so far\n/donate rule 10 5000 — ₩10 per point, at most ₩5,000 a week (admins)\n"
            "/donate add https://… Name — add a nonprofit (admins)\n/donate csv — export the ledger\n"
            "/donate done — mark a week donated (admins)"
        ),
    },
    "donate.admins_only": {
        "ko": "죄송해요, 기부 설정은 그룹 관리자만 바꿀 수 있어요. 현황은 누구나 볼 수 있어요.",
        "en": "Sorry, only group admins can change donations. Everyone can look at them.",
    },
    "donate.rule_usage": {
        "ko": (
            "이렇게 써 주세요: /donate rule &lt;1점당 원&gt; [주간 한도 원 | none]\n"
            "예: /donate rule 10 5000 (1점당 최대 {max_rate}, 한도 최대 {max_cap})"
        ),
        "en": (
            "Please write: /donate rule &lt;won per point&gt; [weekly cap in won | none]\n"
            "e.g. /donate rule 10 5000 (at most {max_rate} per point, cap at most {max_cap})"
        ),
    },
    "donate.rule_saved": {"ko": "저장했어요 ✓ {rule}", "en": "Saved ✓ {rule}"},
    "donate.rule_choose": {
        "ko": "웃음 1점당 금액과 주간 한도를 골라 주세요. 다른 금액은 /donate rule 10 5000 처럼 보내요.",
        "en": "Choose an amount per smile point and a weekly cap. For other amounts send e.g. /donate rule 10 5000.",
    },
    "donate.add_usage": {
        "ko": "이렇게 써 주세요: /donate add https://공식사이트 기부처 이름 (이름은 {max}자까지)",
        "en": "Please write: /donate add https://official-site Name of the nonprofit (name up to {max} characters)",
    },
    "donate.added": {"ko": "기부처로 정했어요 ✓ {charity}", "en": "Nonprofit set ✓ {charity}"},
    "donate.csv_empty": {"ko": "아직 장부에 약정이 없어요.", "en": "The ledger has no pledges yet."},
    "donate.csv_caption": {
        "ko": "📄 약정 장부 · {rows}줄 (약정 기록일 뿐, 결제 내역이 아니에요)",
        "en": "📄 Pledge ledger · {rows} row(s) (pledges, not payments)",
    },
    "donate.charity_choose": {"ko": "<b>기부처를 골라 주세요</b> (관리자)", "en": "<b>Choose a nonprofit</b> (admins)"},
    "donate.charity_add_hint": {
        "ko": "목록에 없으면: /donate add https://공식사이트 이름 ({max}자까지)",
        "en": "Not listed? /donate add https://official-site Name (up to {max} characters)",
    },
    "donate.charity_saved_short": {"ko": "기부처를 저장했어요 ✓", "en": "Nonprofit saved ✓"},
    "donate.expired": {
        "ko": "이 버튼은 더 이상 쓸 수 없어요. /donate 를 다시 보내 주세요.",
        "en": "This button has expired. Send /donate again.",
    },
    "donate.close_choose": {
        "ko": "어느 주를 기부 완료로 표시할까요? 표시한 주는 닫혀서 더 바뀌지 않아요.",
        "en": "Which week did you donate? A week marked donated is closed and never changes again.",
    },
    "donate.close_none": {"ko": "기부할 약정이 남은 주가 없어요.", "en": "No week has pledges left to donate."},
    "donate.close_already_closed": {"ko": "그 주는 이미 기부 완료예요.", "en": "That week is already marked donated."},
    "donate.close_nothing_pledged": {"ko": "그 주에는 약정이 없어요.", "en": "That week has no pledges."},
    "donate.close_no_rule": {
        "ko": "먼저 기부처와 약정 규칙을 정해 주세요.",
        "en": "Choose a nonprofit and a pledge rule first.",
    },
    "donate.closed": {
        "ko": (
            "✅ {week} 주를 기부 완료로 닫았어요: {amount} → {charity}\n"
            "영수증 사진이 있으면 이 메시지에 답장으로 보내 주세요 (선택)."
        ),
        "en": (
            "✅ Week {week} marked donated and closed: {amount} → {charity}\n"
            "If you have a receipt, reply to this message with its photo (optional)."
        ),
    },
    "donate.receipt_saved": {"ko": "🧾 {week} 주 영수증을 저장했어요.", "en": "🧾 Receipt saved for the week {week}."},
    "settings.title": {"ko": "⚙️ <b>주간 결산 설정</b>", "en": "⚙️ <b>Weekly post</b>"},
    "settings.schedule": {
        "ko": "매주 {day} {time} ({tz})에 이번 주 랭킹과 약정을 올려요.\n다음 결산: {next}",
        "en": "Every {day} at {time} ({tz}) I post the week's ranking and pledges.\nNext post: {next}",
    },
    "settings.off": {
        "ko": "주간 결산이 꺼져 있어요. (시간대 {tz})",
        "en": "The weekly post is off. (timezone {tz})",
    },
    "settings.help": {
        "ko": (
            "한 주는 월요일 0시부터 일요일 24시까지(채팅의 시간대)예요. 결산은 그 주의 그때까지의 사진을 세요.\n"
            "바꾸기 (관리자): 아래 버튼, 또는 /settings day sun · /settings time 20:00 · "
            "/settings tz Asia/Seoul · /settings off"
        ),
        "en": (
            "A week runs Monday 00:00 to Sunday 24:00 in the chat's timezone; the post counts that week's photos "
            "so far.\nChange it (admins): the buttons, or /settings day sun · /settings time 20:00 · "
            "/settings tz Asia/Seoul · /settings off"
        ),
    },
    "settings.btn_on": {"ko": "🔔 주간 결산 켜기", "en": "🔔 Turn the weekly post on"},
    "settings.btn_off": {"ko": "🔕 주간 결산 끄기", "en": "🔕 Turn the weekly post off"},
    "settings.admins_only": {
        "ko": "죄송해요, 설정은 그룹 관리자만 바꿀 수 있어요.",
        "en": "Sorry, only group admins can change the settings.",
    },
    "settings.usage": {
        "ko": "이렇게 써 주세요: /settings day sun · /settings time 20:00 · /settings tz Asia/Seoul · /settings on|off",
        "en": "Please write: /settings day sun · /settings time 20:00 · /settings tz Asia/Seoul · /settings on|off",
    },
    "settings.bad_timezone": {
        "ko": "모르는 시간대예요. Asia/Seoul, Europe/Berlin 처럼 IANA 이름으로 써 주세요.",
        "en": "I do not know that timezone. Please use an IANA name such as Asia/Seoul or Europe/Berlin.",
    },
    "settings.saved": {"ko": "저장했어요 ✓", "en": "Saved ✓"},
    "settings.day0": {"ko": "월요일", "en": "Monday"},
    "settings.short0": {"ko": "월", "en": "Mo"},
    "settings.day1": {"ko": "화요일", "en": "Tuesday"},
    "settings.short1": {"ko": "화", "en": "Tu"},
    "settings.day2": {"ko": "수요일", "en": "Wednesday"},
    "settings.short2": {"ko": "수", "en": "We"},
    "settings.day3": {"ko": "목요일", "en": "Thursday"},
    "settings.short3": {"ko": "목", "en": "Th"},
    "settings.day4": {"ko": "금요일", "en": "Friday"},
    "settings.short4": {"ko": "금", "en": "Fr"},
    "settings.day5": {"ko": "토요일", "en": "Saturday"},
    "settings.short5": {"ko": "토", "en": "Sa"},
    "settings.day6": {"ko": "일요일", "en": "Sunday"},
    "settings.short6": {"ko": "일", "en": "Su"},
    "cmd.rank": {"ko": "웃음 랭킹", "en": "Smile ranking"},
    "cmd.donate": {"ko": "웃음 기부 약정", "en": "Smile pledges to a nonprofit"},
    "cmd.settings": {"ko": "주간 결산 설정", "en": "Weekly post settings"},
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
