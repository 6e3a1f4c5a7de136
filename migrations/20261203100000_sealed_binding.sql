-- A connection's sealed secret is bound (as AEAD associated data) to the row id and,
-- from version 2, to where the secret goes: kind, base URL and account id. Rows sealed
-- before are version 1; `voxdesk serve` re-seals them at start.
ALTER TABLE connections
    ADD COLUMN sealed_binding SMALLINT NOT NULL DEFAULT 1 CHECK (sealed_binding IN (1, 2));
