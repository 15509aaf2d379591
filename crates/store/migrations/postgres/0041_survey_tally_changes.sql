-- Changes to the survey tallies, written as rows of their own and folded into survey_tallies
-- from time to time (and by every rebuild). A write adds rows here instead of updating the
-- shared counts in place: on PostgreSQL, concurrent surveys of one office and period would
-- otherwise all update the same rows and collide. Figures add both tables up.
CREATE TABLE survey_tally_changes (
    frequency  TEXT NOT NULL,
    axis       TEXT NOT NULL,
    period     TEXT NOT NULL,
    office_id  TEXT NOT NULL,
    country    TEXT NOT NULL,
    known      BIGINT NOT NULL,
    grp        TEXT NOT NULL,
    bucket     BIGINT NOT NULL,
    returnees  BIGINT NOT NULL
);
CREATE INDEX survey_tally_changes_cell ON survey_tally_changes(frequency, axis, period);
