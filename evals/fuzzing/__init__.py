"""Seeded fuzzing of every parser the bot exposes to strangers: uploaded image bytes, QR payloads and booth URLs
(SSRF), callback data, command arguments and names, Mini App initData, webhook bodies.

Each target feeds `n` seeded hostile inputs to one parser and sorts every outcome: a result, a clear refusal (the
parser's own error type), or a crash — any other exception, a broken promise about the result, or a case slower
than its time budget (a hang). `make test` runs bounded versions (tests/fuzz), `make eval` the longer run
(evals/eval_fuzz.py: METRIC fuzz.cases, fuzz.crashes).
"""
