-- The results framework and learning (Module 5): programmes, their results (the theory of
-- change and results matrix), indicators, evaluations and lessons are records of the documents
-- table too. SQLite cannot change a CHECK constraint in place, so the table is rebuilt, and with
-- it the cases taking part that refer to it (foreign keys stay on during migrations).
CREATE TABLE documents_new (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('community', 'project', 'visit',
                    'capacity_assessment', 'capacity_plan', 'training', 'mechanism',
                    'meeting', 'agreement', 'policy_track', 'programme', 'result',
                    'indicator', 'evaluation', 'lesson')),
    parent_id   TEXT REFERENCES documents_new(id),
    office_id   TEXT REFERENCES offices(id),
    name        TEXT NOT NULL,
    body        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    updated_by  TEXT REFERENCES users(id)
);
-- Parents first, so every row's parent is already there.
INSERT INTO documents_new SELECT * FROM documents WHERE parent_id IS NULL;
INSERT INTO documents_new SELECT * FROM documents WHERE parent_id IS NOT NULL
    AND parent_id IN (SELECT id FROM documents WHERE parent_id IS NULL);
INSERT INTO documents_new SELECT * FROM documents WHERE id NOT IN (SELECT id FROM documents_new);

CREATE TABLE document_cases_new (
    document_id TEXT NOT NULL REFERENCES documents_new(id) ON DELETE CASCADE,
    case_id     TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    PRIMARY KEY (document_id, case_id)
);
INSERT INTO document_cases_new SELECT * FROM document_cases;
DROP TABLE document_cases;
DROP TABLE documents;
ALTER TABLE documents_new RENAME TO documents;
ALTER TABLE document_cases_new RENAME TO document_cases;
CREATE INDEX documents_kind ON documents(kind, name);
CREATE INDEX documents_parent ON documents(parent_id, kind);
CREATE INDEX document_cases_case ON document_cases(case_id);
