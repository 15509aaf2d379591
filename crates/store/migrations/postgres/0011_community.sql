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
    parent_id   TEXT REFERENCES documents(id) DEFERRABLE,
    -- Communities and what belongs to them are an office's; structural records are not.
    office_id   TEXT REFERENCES offices(id) DEFERRABLE,
    name        TEXT NOT NULL,
    body        TEXT NOT NULL,
    version     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  TEXT REFERENCES users(id) DEFERRABLE
);
CREATE INDEX documents_kind ON documents(kind, name);
CREATE INDEX documents_parent ON documents(parent_id, kind);

-- Returnees taking part in a project, kept in step with its body, so that a case finds the
-- projects it is part of.
CREATE TABLE document_cases (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE DEFERRABLE,
    case_id     TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE DEFERRABLE,
    PRIMARY KEY (document_id, case_id)
);
CREATE INDEX document_cases_case ON document_cases(case_id);

-- Forms are now filled about communities (profiles, assessments) and projects (satisfaction)
-- as well as cases. (SQLite rebuilds submissions, and rss_scores with it, to change the CHECK
-- constraint; PostgreSQL replaces the constraint in place. Both tables, their columns, `rowid`
-- values, indexes and rss_scores' foreign key to submissions are unchanged.)
ALTER TABLE submissions DROP CONSTRAINT submissions_subject_type_check;
ALTER TABLE submissions ADD CONSTRAINT submissions_subject_type_check
    CHECK (subject_type IN ('case', 'document'));
