-- Every list order ends with the case id (so pages are stable when many cases share a date or a
-- second, as after a bulk import). With the id in the index, the page is read in order and stops
-- after 25 rows, instead of gathering every case of the tied value to sort them.
DROP INDEX cases_office_updated;
CREATE INDEX cases_office_updated ON cases(office_id, updated_at, id);
DROP INDEX cases_updated;
CREATE INDEX cases_updated ON cases(updated_at, id);
DROP INDEX cases_office_return;
CREATE INDEX cases_office_return ON cases(office_id, return_date, id);
DROP INDEX cases_return;
CREATE INDEX cases_return ON cases(return_date, id);
DROP INDEX cases_family_name;
CREATE INDEX cases_family_name ON cases(family_name_folded, given_name, id);
DROP INDEX cases_manager;
CREATE INDEX cases_manager ON cases(case_manager_id, updated_at, id);
CREATE INDEX cases_office_name ON cases(office_id, family_name_folded, given_name, id);
CREATE INDEX cases_office_number ON cases(office_id, case_number);
