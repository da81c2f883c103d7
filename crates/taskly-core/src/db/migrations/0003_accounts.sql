-- Taskly accounts signed in on this machine (signin.rs). Never a token: the access and refresh
-- tokens live in the OS credential store under "session/<account>/access" and ".../refresh".
-- An account is (issuer, subject), never an email; `account` is the id derived from them that
-- keys, usage and settings rows carry.
CREATE TABLE signed_in_accounts (
    account           TEXT PRIMARY KEY,
    issuer            TEXT NOT NULL,
    subject           TEXT NOT NULL,
    -- What the person calls it (`taskly auth switch NAME`): the email unless they chose a name.
    name              TEXT NOT NULL,
    email             TEXT,
    display_name      TEXT,
    -- When the stored access token stops working (Unix seconds); NULL once the session ended.
    access_expires_at INTEGER,
    -- 1 while tokens are stored; 0 after the issuer ended the grant (sign in again).
    has_session       INTEGER NOT NULL DEFAULT 1 CHECK (has_session IN (0, 1)),
    -- Bumped on every token change, so other processes drop a cached access token.
    token_generation  INTEGER NOT NULL DEFAULT 0,
    signed_in_at      INTEGER NOT NULL,
    UNIQUE (issuer, subject)
);

CREATE UNIQUE INDEX signed_in_accounts_by_name ON signed_in_accounts (name);

-- The one active account (at most one row). No row: the local profile is used.
CREATE TABLE active_account (
    only    INTEGER PRIMARY KEY CHECK (only = 1),
    account TEXT NOT NULL REFERENCES signed_in_accounts (account) ON DELETE CASCADE
);

-- Machine-wide answers (not per account), e.g. whether the local profile's keys were offered to
-- the first account signed in.
CREATE TABLE machine_flags (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
