-- Key metadata. Never a secret: the secret lives in the OS credential store under the entry
-- "<account>:<id>:<secret_generation>"; `masked_hint` is all we keep of it.
CREATE TABLE keys (
    id                TEXT PRIMARY KEY,
    account           TEXT NOT NULL,
    provider          TEXT NOT NULL,
    label             TEXT NOT NULL,
    base_url          TEXT NOT NULL,
    masked_hint       TEXT NOT NULL,
    enabled           INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
    -- pending: being added; active: usable; removing: being deleted (see vault.rs).
    state             TEXT NOT NULL CHECK (state IN ('pending', 'active', 'removing')),
    secret_generation INTEGER NOT NULL DEFAULT 0,
    verification      TEXT NOT NULL,
    verification_note TEXT,
    verified_at       INTEGER,
    models            TEXT NOT NULL DEFAULT '[]',
    -- The process running a multi-step change, so recovery never undoes a live one.
    owner_pid         INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    last_used_at      INTEGER,
    CHECK (enabled = 0 OR state = 'active')
);

-- At most one enabled key per provider and account, whoever writes.
CREATE UNIQUE INDEX keys_one_enabled_per_provider ON keys (account, provider) WHERE enabled = 1;
CREATE INDEX keys_by_account ON keys (account, provider, created_at);

-- Credential entries to delete if the process that wrote them dies mid-change (replace).
CREATE TABLE credential_cleanup (
    entry      TEXT PRIMARY KEY,
    key_id     TEXT NOT NULL,
    reason     TEXT NOT NULL,
    owner_pid  INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
