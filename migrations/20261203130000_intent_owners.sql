-- Which process wrote each open intent, so the reconciler settles only intents whose
-- writer is gone. With two portal instances, one starting (or its periodic pass) must
-- not settle an action the other is still performing. A row lives while its intent is
-- open: writing the outcome deletes it.
CREATE TABLE portal_instances (
    id           UUID PRIMARY KEY,
    -- "hostname/boot id": whether a pid can be looked up from here.
    host         TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    heartbeat_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE audit_intent_owners (
    intent_seq  BIGINT PRIMARY KEY,
    instance_id UUID NOT NULL REFERENCES portal_instances (id) ON DELETE CASCADE
);
