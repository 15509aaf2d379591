-- Work done on a schedule (the daily retention run, the nightly duplicates scan). Every server
-- instance sharing the database wakes up to do it; the one that moves `next_due` on runs it.
CREATE TABLE scheduled_runs (
    name             TEXT PRIMARY KEY,
    -- Unix seconds: the run is due from then.
    next_due         BIGINT NOT NULL,
    last_started_at  BIGINT
);
