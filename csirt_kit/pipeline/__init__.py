"""The cron pipeline behind `csirt run`: lock, isolated resumable steps, summary."""
