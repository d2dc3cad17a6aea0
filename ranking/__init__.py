"""Smile points, weeks, rankings, pledges and charts: pure logic, no Telegram and no database."""
