-- The dashboards read every open case's return date and office in case order to work out which
-- follow-up visits and surveys are late; this index holds them, so the cases' table (with
-- names and contact details) is not read for it.
CREATE INDEX cases_followup ON cases(id, stage, office_id, return_date);
