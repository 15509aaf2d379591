-- Indicators over surveys read them by interview date: this index covers what an indicator asks
-- of a survey (who, when, which round, the scores), so a figure over a period does not visit the
-- table itself.
CREATE INDEX rss_scores_indicators ON rss_scores(interview_date, case_id, round, composite,
    economic, social, psychosocial);
