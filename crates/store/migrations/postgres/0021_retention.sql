-- Retention and erasure. An anonymised case keeps its codes, dates of events, amounts and
-- scores; anonymised_at says when its personal data went.
ALTER TABLE cases ADD COLUMN anonymised_at BIGINT;

-- A request to erase one case's personal data (the returnee asked), until a programme manager
-- approves (the case is anonymised at once) or refuses it.
CREATE TABLE erasure_requests (
    case_id       TEXT PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE DEFERRABLE,
    reason        TEXT NOT NULL,
    requested_by  TEXT REFERENCES users(id) DEFERRABLE,
    requested_at  BIGINT NOT NULL
);
