-- A record's changes without its (far more numerous) views, for case timelines.
CREATE INDEX audit_changes ON audit_log(record_type, record_id, id) WHERE action <> 'view';
