-- Local usage accounting, per-key budgets and per-account settings (usage.rs, settings.rs).
-- Nothing in these tables ever leaves the machine.

-- One row per account, key, provider, model and UTC day, bumped by an upsert per request.
-- key_id '' means the request went through Taskly (no personal key). No foreign key to keys:
-- usage outlives a removed key, so the report can still show what it spent.
CREATE TABLE usage_daily (
    account       TEXT NOT NULL,
    key_id        TEXT NOT NULL DEFAULT '',
    provider      TEXT NOT NULL,
    model         TEXT NOT NULL,
    -- YYYY-MM-DD in UTC; compared as text, so the shape is enforced.
    day           TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    requests      INTEGER NOT NULL DEFAULT 0 CHECK (requests >= 0),
    failures      INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0 AND failures <= requests),
    input_tokens  INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
    output_tokens INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
    PRIMARY KEY (account, key_id, provider, model, day)
) WITHOUT ROWID;

-- The report reads an account's recent days across keys; budgets use the primary key.
CREATE INDEX usage_daily_by_day ON usage_daily (account, day);

-- Spending limits on estimated cost, in USD; NULL = no limit. Key ids are unique across
-- accounts; the account is kept so a lookup never crosses accounts.
CREATE TABLE key_budgets (
    key_id           TEXT PRIMARY KEY,
    account          TEXT NOT NULL,
    daily_soft_usd   REAL CHECK (daily_soft_usd >= 0),
    daily_hard_usd   REAL CHECK (daily_hard_usd >= 0),
    monthly_soft_usd REAL CHECK (monthly_soft_usd >= 0),
    monthly_hard_usd REAL CHECK (monthly_hard_usd >= 0),
    CHECK (daily_soft_usd IS NULL OR daily_hard_usd IS NULL OR daily_soft_usd <= daily_hard_usd),
    CHECK (monthly_soft_usd IS NULL OR monthly_hard_usd IS NULL OR monthly_soft_usd <= monthly_hard_usd)
);

-- Per-account preferences; names are a fixed set in settings.rs.
CREATE TABLE settings (
    account TEXT NOT NULL,
    name    TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (account, name)
) WITHOUT ROWID;
