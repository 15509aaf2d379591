-- This instance's keys for case hand-overs: Ed25519 to sign the packets it sends, X25519 to
-- open those sent to it (HPKE). One row. The public halves are given to partners out of band.
CREATE TABLE instance_keys (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    organisation      TEXT NOT NULL,
    signing_secret    BLOB NOT NULL,
    encryption_secret BLOB NOT NULL,
    created_at        INTEGER NOT NULL
);

-- Partner instances whose packets this one accepts and to which it sends: their public keys,
-- as received out of band. `key_id` names the pair (a digest of both keys).
CREATE TABLE trusted_partners (
    key_id         TEXT PRIMARY KEY,
    organisation   TEXT NOT NULL,
    signing_key    BLOB NOT NULL,
    encryption_key BLOB NOT NULL,
    added_by       TEXT REFERENCES users(id),
    added_at       INTEGER NOT NULL
);

-- A returnee's consent to hand their case over to a partner, naming what is shared; packets
-- are made from it while it is current.
CREATE TABLE handovers_sent (
    id                   TEXT PRIMARY KEY,
    case_id              TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    partner_key_id       TEXT NOT NULL,
    partner_organisation TEXT NOT NULL,
    shared               TEXT NOT NULL,
    consent_date         TEXT NOT NULL,
    consent_method       TEXT NOT NULL,
    recorded_by          TEXT REFERENCES users(id),
    recorded_at          INTEGER NOT NULL,
    packets_made         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX handovers_sent_case ON handovers_sent (case_id, recorded_at);

-- Packets received: one row per packet id (a packet is received once), with the case made
-- from it and the records it brought, as shown on that case.
CREATE TABLE handovers_received (
    packet_id            TEXT PRIMARY KEY,
    case_id              TEXT REFERENCES cases(id) ON DELETE SET NULL,
    partner_key_id       TEXT NOT NULL,
    partner_organisation TEXT NOT NULL,
    their_case_number    TEXT NOT NULL,
    sent_at              INTEGER NOT NULL,
    content              TEXT NOT NULL,
    received_by          TEXT REFERENCES users(id),
    received_at          INTEGER NOT NULL
);
CREATE INDEX handovers_received_case ON handovers_received (case_id);
