-- Spot checks: a random share of recent disbursements or surveys drawn for verification, and
-- what the verifier found for each item. An item is a pathway entry (a disbursement) or a
-- submission (a survey), named by its id; it is not a foreign key so that one table holds both.
CREATE TABLE IF NOT EXISTS spot_checks (
    id          TEXT PRIMARY KEY,
    office_id   TEXT REFERENCES offices(id) DEFERRABLE,
    kind        TEXT NOT NULL CHECK (kind IN ('disbursement', 'survey')),
    share       BIGINT NOT NULL CHECK (share BETWEEN 1 AND 100),
    days        BIGINT NOT NULL CHECK (days BETWEEN 1 AND 365),
    population  BIGINT NOT NULL CHECK (population >= 0),
    seed        BIGINT NOT NULL,
    created_by  TEXT NOT NULL REFERENCES users(id) DEFERRABLE,
    created_on  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS spot_checks_office ON spot_checks (office_id, created_at);

CREATE TABLE IF NOT EXISTS spot_check_items (
    check_id    TEXT NOT NULL REFERENCES spot_checks(id) ON DELETE CASCADE DEFERRABLE,
    item_id     TEXT NOT NULL,
    case_id     TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE DEFERRABLE,
    item_date   TEXT NOT NULL,
    recorded_by TEXT REFERENCES users(id) DEFERRABLE,
    outcome     TEXT NOT NULL DEFAULT 'pending'
                CHECK (outcome IN ('pending', 'confirmed', 'discrepancy', 'unreachable')),
    note        TEXT,
    verified_by TEXT REFERENCES users(id) DEFERRABLE,
    verified_at BIGINT,
    PRIMARY KEY (check_id, item_id)
); -- SQLite: WITHOUT ROWID (no PostgreSQL counterpart)
CREATE INDEX IF NOT EXISTS spot_check_items_case ON spot_check_items (case_id);
