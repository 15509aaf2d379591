-- Pairs a person looked at and found to be two different people: the duplicate check stops
-- proposing them. The first id sorts before the second. No foreign keys: a pair outlives a
-- merge of one of its cases, and is simply never matched again.
CREATE TABLE case_distinct_pairs (
    first_id   TEXT NOT NULL,
    second_id  TEXT NOT NULL,
    decided_by TEXT REFERENCES users(id),
    decided_at INTEGER NOT NULL,
    PRIMARY KEY (first_id, second_id),
    CHECK (first_id < second_id)
) WITHOUT ROWID;
CREATE INDEX case_distinct_pairs_second ON case_distinct_pairs (second_id);

-- The duplicates queue: likely pairs found by the last scan (nightly or asked for), with their
-- score and the codes of their evidence. Rebuilt whole by each scan.
CREATE TABLE duplicate_queue (
    first_id   TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    second_id  TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    score      REAL NOT NULL,
    found_at   INTEGER NOT NULL,
    PRIMARY KEY (first_id, second_id),
    CHECK (first_id < second_id)
) WITHOUT ROWID;
CREATE INDEX duplicate_queue_second ON duplicate_queue (second_id);
CREATE TABLE duplicate_scans (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    scanned_at INTEGER NOT NULL,
    compared   INTEGER NOT NULL,
    found      INTEGER NOT NULL
);

-- Two cases of one person merged into one. The merged case's row leaves `cases` while the merge
-- stands (so every count sees the person once); `snapshot` holds what undoing needs to put
-- everything back: its row, the rows moved and from where, and the survivor's row before and
-- just after.
CREATE TABLE case_merges (
    id            TEXT PRIMARY KEY,
    survivor_id   TEXT NOT NULL,
    merged_id     TEXT NOT NULL,
    merged_number TEXT NOT NULL,
    merged_by     TEXT REFERENCES users(id),
    merged_at     INTEGER NOT NULL,
    snapshot      TEXT NOT NULL,
    undone_by     TEXT REFERENCES users(id),
    undone_at     INTEGER
);
CREATE INDEX case_merges_merged ON case_merges (merged_id, merged_at);
CREATE INDEX case_merges_number ON case_merges (merged_number);
CREATE INDEX case_merges_survivor ON case_merges (survivor_id, merged_at);
