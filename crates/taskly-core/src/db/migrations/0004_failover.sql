-- Keys that work harder (issue 13): backup keys per provider, why a key is resting, a receipt per
-- answer, and the provider's own figures for a key. Never a secret, never a question or answer.

-- A key switched off may be one of its provider's backups, tried in rank order (1 first) after the
-- primary (the enabled key) fails. A primary is never a backup; two backups never share a rank.
ALTER TABLE keys ADD COLUMN backup_rank INTEGER CHECK (backup_rank IS NULL OR backup_rank >= 1);
CREATE UNIQUE INDEX keys_one_backup_per_rank ON keys (account, provider, backup_rank)
    WHERE backup_rank IS NOT NULL;
CREATE TRIGGER keys_primary_is_no_backup_insert BEFORE INSERT ON keys
    WHEN NEW.enabled = 1 AND NEW.backup_rank IS NOT NULL
    BEGIN SELECT RAISE(ABORT, 'a primary key cannot be a backup'); END;
CREATE TRIGGER keys_primary_is_no_backup_update BEFORE UPDATE ON keys
    WHEN NEW.enabled = 1 AND NEW.backup_rank IS NOT NULL
    BEGIN SELECT RAISE(ABORT, 'a primary key cannot be a backup'); END;

-- Why a key is not used for now: rate limited until a time, out of quota or invalid until it is
-- checked again (`until` NULL) or until a time. Kept here so the CLI and the app agree and a
-- restart does not forget. A successful check or answer clears it.
CREATE TABLE key_rests (
    key_id  TEXT PRIMARY KEY REFERENCES keys (id) ON DELETE CASCADE,
    account TEXT NOT NULL,
    cause   TEXT NOT NULL CHECK (cause IN ('rate_limited', 'quota', 'invalid')),
    -- Unix seconds; NULL: until the key is checked again.
    until   INTEGER,
    since   INTEGER NOT NULL,
    -- Our words for why (the error's message), never a provider's raw body.
    note    TEXT
);

-- One receipt per answered or failed request: route, key, model, tokens, cost, timings and why
-- this route. JSON of `chat::receipt::Receipt`; the newest are kept (see db/receipts.rs).
CREATE TABLE request_receipts (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    at      INTEGER NOT NULL,
    receipt TEXT NOT NULL
);
CREATE INDEX request_receipts_by_account ON request_receipts (account, id);

-- What the provider itself says about a key's spend (OpenRouter's usage and limit, DeepSeek's
-- balance), with when it said so. JSON of `providers::balance::ProviderBalance`.
CREATE TABLE key_balances (
    key_id     TEXT PRIMARY KEY REFERENCES keys (id) ON DELETE CASCADE,
    account    TEXT NOT NULL,
    fetched_at INTEGER NOT NULL,
    balance    TEXT NOT NULL
);
