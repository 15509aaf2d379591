-- Survey indicators read the surveys and the cases side by side in case order (see
-- `sqlite::me::survey_tallies`): a join that looks each case up would visit the cases' table
-- once per survey. Both indexes cover everything an indicator may ask of their table.
DROP INDEX rss_scores_indicators;
CREATE INDEX rss_scores_by_case ON rss_scores(case_id, interview_date, round, composite,
    economic, social, psychosocial, low_accuracy);
CREATE INDEX cases_facts ON cases(id, office_id, sex, age_at_return, returned_from,
    return_country, return_province, return_type, absence_months, community_is_origin,
    return_date);
