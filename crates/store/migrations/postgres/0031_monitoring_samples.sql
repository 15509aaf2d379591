-- Monitoring samples: the design an M&E officer chose, the seed that makes the draw
-- reproducible, and each sampled returnee with the draw that picked them (0 first, then each
-- top-up) and what became of them.
CREATE TABLE IF NOT EXISTS monitoring_samples (
    id          TEXT PRIMARY KEY,
    -- the office whose returnees were sampled; NULL for every office
    office_id   TEXT REFERENCES offices(id) DEFERRABLE,
    label       TEXT NOT NULL,
    round       TEXT NOT NULL,
    strata      TEXT NOT NULL CHECK (strata IN ('none', 'office', 'sex', 'assistance')),
    margin      DOUBLE PRECISION NOT NULL CHECK (margin > 0),
    confidence  BIGINT NOT NULL CHECK (confidence BETWEEN 1 AND 99),
    -- the returnees the sample was drawn from, and how many the formula asked for
    population  BIGINT NOT NULL CHECK (population >= 0),
    size        BIGINT NOT NULL CHECK (size >= 0),
    seed        BIGINT NOT NULL,
    created_by  TEXT NOT NULL REFERENCES users(id) DEFERRABLE,
    created_on  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS monitoring_samples_office ON monitoring_samples (office_id, created_at);

CREATE TABLE IF NOT EXISTS sample_members (
    sample_id   TEXT NOT NULL REFERENCES monitoring_samples(id) ON DELETE CASCADE DEFERRABLE,
    case_id     TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE DEFERRABLE,
    stratum     TEXT NOT NULL,
    draw        BIGINT NOT NULL CHECK (draw >= 0),
    coverage    TEXT NOT NULL DEFAULT 'pending'
                CHECK (coverage IN ('pending', 'reached', 'refused', 'unreachable')),
    recorded_by TEXT REFERENCES users(id) DEFERRABLE,
    recorded_at BIGINT,
    PRIMARY KEY (sample_id, case_id)
); -- SQLite: WITHOUT ROWID (no PostgreSQL counterpart)
CREATE INDEX IF NOT EXISTS sample_members_case ON sample_members (case_id);
