"""What happens to a photo between the handler and the database: worker-side scans, booth downloads, filing.

No Telegram here: handlers pass a `progress` callback and turn results into messages.
"""
