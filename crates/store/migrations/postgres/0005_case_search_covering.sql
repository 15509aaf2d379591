-- "Does this case have a name word starting with …?" answered from the index alone: a broad name
-- search walks cases in list order and asks this of each.
DROP INDEX case_search_case;
CREATE INDEX case_search_case ON case_search(case_id, token);
