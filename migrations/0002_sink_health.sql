-- 0002_sink_health: each sink's delivery health, so that `koodrive-audit status` (another
-- process) can show a failing or disabled sink. Written by the daemon's delivery loop when a
-- sink starts failing, at each retry, when it recovers and when it is disabled.

ALTER TABLE sink_cursors ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;  -- consecutive failed deliveries; 0 = healthy
ALTER TABLE sink_cursors ADD COLUMN failing_since TEXT;    -- the first failure of the current run; NULL while healthy
ALTER TABLE sink_cursors ADD COLUMN last_error TEXT;       -- why the last delivery failed; NULL while healthy
ALTER TABLE sink_cursors ADD COLUMN next_attempt_at TEXT;  -- when the next delivery is tried; NULL while healthy
ALTER TABLE sink_cursors ADD COLUMN disabled_at TEXT;      -- the receiver answered 410 Gone; NULL while enabled
