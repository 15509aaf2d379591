-- The results framework and learning (Module 5): programmes, their results (the theory of
-- change and results matrix), indicators, evaluations and lessons are records of the documents
-- table too. (SQLite rebuilds documents, and document_cases with it, to change the CHECK
-- constraint; PostgreSQL replaces the constraint in place. Columns, foreign keys and the indexes
-- documents_kind, documents_parent and document_cases_case are unchanged.)
ALTER TABLE documents DROP CONSTRAINT documents_kind_check;
ALTER TABLE documents ADD CONSTRAINT documents_kind_check
    CHECK (kind IN ('community', 'project', 'visit',
                    'capacity_assessment', 'capacity_plan', 'training', 'mechanism',
                    'meeting', 'agreement', 'policy_track', 'programme', 'result',
                    'indicator', 'evaluation', 'lesson'));
