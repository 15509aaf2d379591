-- A supervisor may return a plan version awaiting approval with comments instead of approving
-- it: its agreement is withdrawn, and the comments stay with the version for the case manager.
-- (These come after plan_versions' `rowid` column, added in 0009.)
ALTER TABLE plan_versions ADD COLUMN returned_comments TEXT;
ALTER TABLE plan_versions ADD COLUMN returned_by TEXT REFERENCES users(id) DEFERRABLE;
ALTER TABLE plan_versions ADD COLUMN returned_at BIGINT;
