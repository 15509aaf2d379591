-- Survey tallies (domain::me::tallies): how many returnees count in each cell of the indicator
-- figures of surveys: a period of a frequency, an office, a country of return, one group of one
-- breakdown (or 'all'), and the grid step of the returnees' highest composite score in the
-- period (-1: none scored). Every write that moves them updates them in its transaction; the
-- store builds them from the records at start-up when the programme setting
-- 'survey_tallies_built' does not name the current build (so right after this migration).
CREATE TABLE survey_tallies (
    frequency  TEXT NOT NULL,
    axis       TEXT NOT NULL,
    period     TEXT NOT NULL,
    office_id  TEXT NOT NULL,
    country    TEXT NOT NULL,
    -- 0 when the group is not known (grp is then '').
    known      INTEGER NOT NULL,
    grp        TEXT NOT NULL,
    bucket     INTEGER NOT NULL,
    returnees  INTEGER NOT NULL,
    PRIMARY KEY (frequency, axis, period, office_id, country, known, grp, bucket)
) WITHOUT ROWID;

-- Whether surveys fall in the part of a period that a programme's dates leave out.
CREATE INDEX rss_scores_date ON rss_scores(interview_date);
