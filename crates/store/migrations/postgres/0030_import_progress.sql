-- How far the dry run of an uploaded import file has got, for the progress bar of its page
-- (any server instance may answer the page's polls).
ALTER TABLE import_files ADD COLUMN checked_rows BIGINT NOT NULL DEFAULT 0;
ALTER TABLE import_files ADD COLUMN total_rows BIGINT NOT NULL DEFAULT 0;
