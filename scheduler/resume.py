"""The resume after a restart: photos that were stored but not analysed (analysed_at still NULL) are analysed in
the background, once, as the bot starts.

Idempotent: `FaceStore.record_analysis` records a photo's faces only while its analysed_at is NULL, and concurrent
requests for one photo share one analysis (PhotoAnalyser.analyse_and_file), so a photo resumed while a member's
upload of it is still being answered is analysed once.
"""

from __future__ import annotations

from pipeline.services import Services


def start_resume(services: Services) -> None:
    services.analyser.start_resume()
