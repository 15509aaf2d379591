-- The community and structural levels. Communities and the records around them (projects,
-- monitoring visits, capacity assessments and plans, trainings, coordination mechanisms and
-- meetings, agreements, policy tracks) are JSON bodies typed in `domain::community` and
-- `domain::structural`; the columns beside them are what lists filter and sort on.

CREATE TABLE documents (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('community', 'project', 'visit',
                    'capacity_assessment', 'capacity_plan', 'training', 'mechanism',
                    'meeting', 'agreement', 'policy_track')),
    -- The record this one belongs to: a project's community, a visit's project, a meeting's
    -- mechanism.
    parent_id   TEXT REFERENCES documents(id),
    -- Communities and what belongs to them are an office's; structural records are not.
    office_id   TEXT REFERENCES offices(id),
    name        TEXT NOT NULL,
    body        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    updated_by  TEXT REFERENCES users(id)
);
CREATE INDEX documents_kind ON documents(kind, name);
CREATE INDEX documents_parent ON documents(parent_id, kind);

-- Returnees taking part in a project, kept in step with its body, so that a case finds the
-- projects it is part of.
CREATE TABLE document_cases (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    case_id     TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    PRIMARY KEY (document_id, case_id)
);
CREATE INDEX document_cases_case ON document_cases(case_id);

-- Forms are now filled about communities (profiles, assessments) and projects (satisfaction)
-- as well as cases. SQLite cannot change a CHECK constraint in place, so the submissions table
-- is rebuilt, and with it the survey scores that refer to it (foreign keys stay on during
-- migrations, so the referring table moves first).
CREATE TABLE submissions_new (
    id             TEXT PRIMARY KEY,
    form_id        TEXT NOT NULL,
    form_version   TEXT NOT NULL,
    subject_type   TEXT NOT NULL CHECK (subject_type IN ('case', 'document')),
    subject_id     TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'complete', 'interrupted')),
    answers        TEXT NOT NULL,
    interviewer_id TEXT NOT NULL REFERENCES users(id),
    interview_date TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    completed_at   INTEGER,
    row_version    INTEGER NOT NULL DEFAULT 1,
    FOREIGN KEY (form_id, form_version) REFERENCES form_versions(form_id, version)
);
INSERT INTO submissions_new SELECT id, form_id, form_version, subject_type, subject_id, status,
    answers, interviewer_id, interview_date, created_at, updated_at, completed_at, row_version
    FROM submissions;

CREATE TABLE rss_scores_new (
    submission_id  TEXT PRIMARY KEY REFERENCES submissions_new(id),
    case_id        TEXT NOT NULL REFERENCES cases(id),
    round          TEXT NOT NULL
        CHECK (round IN ('baseline', 'intermediate', 'final', 'follow_up', 'ad_hoc')),
    interview_date TEXT NOT NULL,
    interviewer_id TEXT NOT NULL REFERENCES users(id),
    economic       REAL CHECK (economic BETWEEN 0 AND 1),
    social         REAL CHECK (social BETWEEN 0 AND 1),
    psychosocial   REAL CHECK (psychosocial BETWEEN 0 AND 1),
    composite      REAL CHECK (composite BETWEEN 0 AND 1),
    dk_dwa_count   INTEGER NOT NULL,
    low_accuracy   INTEGER NOT NULL CHECK (low_accuracy IN (0, 1)),
    model          TEXT NOT NULL,
    breakdown      TEXT NOT NULL,
    scored_at      INTEGER NOT NULL
);
INSERT INTO rss_scores_new SELECT * FROM rss_scores;
DROP TABLE rss_scores;
DROP TABLE submissions;
ALTER TABLE submissions_new RENAME TO submissions;
ALTER TABLE rss_scores_new RENAME TO rss_scores;
CREATE INDEX submissions_subject ON submissions(subject_type, subject_id, created_at);
CREATE INDEX submissions_form_status ON submissions(form_id, status);
CREATE INDEX rss_scores_case ON rss_scores(case_id, interview_date);
CREATE INDEX rss_scores_round ON rss_scores(round, interview_date);
