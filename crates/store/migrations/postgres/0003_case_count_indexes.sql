-- Counting a filtered case list ("1,234 cases") reads these narrow indexes instead of the table,
-- so the count stays cheap beside the page it describes. The trailing columns are there so that
-- the visibility rule for restricted cases can be checked from the index too.
CREATE INDEX cases_office_facets
    ON cases(office_id, sex, stage, return_date, restricted, case_manager_id);
CREATE INDEX cases_facets ON cases(sex, stage, return_date, restricted, case_manager_id);
DROP INDEX cases_province;
CREATE INDEX cases_province
    ON cases(return_province_folded, office_id, sex, restricted, case_manager_id);
