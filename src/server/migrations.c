/*
 * migrations.c — the server's database schema, as versioned migrations kept
 * in code (include/bulwark/db.h). A migration is never edited once released:
 * its checksum is recorded, and a changed one stops the server. Add a new
 * version instead. Times are unix seconds; ids are 64-bit integers; secrets
 * (session ids, tokens) are stored only as keyed hashes.
 */
#include "app.h"

const struct bw_migration bw_app_migrations[] = {
        {.version = 1,
         .name = "accounts",
         .up = BW_SQL_INIT(
                 "CREATE TABLE users ("
                 " id INTEGER PRIMARY KEY,"
                 " email_canon TEXT NOT NULL UNIQUE,"
                 " email TEXT NOT NULL,"
                 " password_hash TEXT NOT NULL,"
                 " role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),"
                 " email_verified INTEGER NOT NULL DEFAULT 0 CHECK (email_verified IN (0, 1)),"
                 " created_at INTEGER NOT NULL,"
                 " password_changed_at INTEGER NOT NULL);"
                 "CREATE TABLE sessions ("
                 " id INTEGER PRIMARY KEY,"
                 " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
                 " token_hash BLOB NOT NULL UNIQUE,"
                 " created_at INTEGER NOT NULL,"
                 " last_seen_at INTEGER NOT NULL,"
                 " expires_at INTEGER NOT NULL,"
                 " auth_time INTEGER NOT NULL,"
                 " ip TEXT NOT NULL,"
                 " user_agent TEXT NOT NULL);"
                 "CREATE INDEX sessions_user ON sessions(user_id);"
                 "CREATE TABLE email_tokens ("
                 " id INTEGER PRIMARY KEY,"
                 " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
                 " purpose TEXT NOT NULL CHECK (purpose IN ('verify', 'reset')),"
                 " token_hash BLOB NOT NULL UNIQUE,"
                 " created_at INTEGER NOT NULL,"
                 " expires_at INTEGER NOT NULL,"
                 " used_at INTEGER);"
                 "CREATE INDEX email_tokens_user ON email_tokens(user_id);"),
         .up_pg = BW_SQL_INIT(
                 "CREATE TABLE users ("
                 " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                 " email_canon TEXT NOT NULL UNIQUE,"
                 " email TEXT NOT NULL,"
                 " password_hash TEXT NOT NULL,"
                 " role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),"
                 " email_verified BIGINT NOT NULL DEFAULT 0 CHECK (email_verified IN (0, 1)),"
                 " created_at BIGINT NOT NULL,"
                 " password_changed_at BIGINT NOT NULL);"
                 "CREATE TABLE sessions ("
                 " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                 " user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
                 " token_hash BYTEA NOT NULL UNIQUE,"
                 " created_at BIGINT NOT NULL,"
                 " last_seen_at BIGINT NOT NULL,"
                 " expires_at BIGINT NOT NULL,"
                 " auth_time BIGINT NOT NULL,"
                 " ip TEXT NOT NULL,"
                 " user_agent TEXT NOT NULL);"
                 "CREATE INDEX sessions_user ON sessions(user_id);"
                 "CREATE TABLE email_tokens ("
                 " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                 " user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
                 " purpose TEXT NOT NULL CHECK (purpose IN ('verify', 'reset')),"
                 " token_hash BYTEA NOT NULL UNIQUE,"
                 " created_at BIGINT NOT NULL,"
                 " expires_at BIGINT NOT NULL,"
                 " used_at BIGINT);"
                 "CREATE INDEX email_tokens_user ON email_tokens(user_id);")},
        /* the audit log: each record and checkpoint as its canonical export line
         * (audit.h), so what is stored is exactly what verify and export read */
        {.version = 2,
         .name = "audit",
         .up = BW_SQL_INIT("CREATE TABLE audit_records ("
                           " seq INTEGER PRIMARY KEY,"
                           " line TEXT NOT NULL);"
                           "CREATE TABLE audit_checkpoints ("
                           " seq INTEGER PRIMARY KEY,"
                           " line TEXT NOT NULL);"),
         .up_pg = BW_SQL_INIT("CREATE TABLE audit_records ("
                              " seq BIGINT PRIMARY KEY,"
                              " line TEXT NOT NULL);"
                              "CREATE TABLE audit_checkpoints ("
                              " seq BIGINT PRIMARY KEY,"
                              " line TEXT NOT NULL);")},
        /* public ids: what clients see of users and sessions (128 random bits,
         * base64url), so row ids (which count accounts) are never shown and a
         * registration answer cannot tell a new account from a taken email */
        {.version = 3,
         .name = "public_ids",
         .up = BW_SQL_INIT("ALTER TABLE users ADD COLUMN public_id TEXT;"
                           "CREATE UNIQUE INDEX users_public_id ON users(public_id);"
                           "ALTER TABLE sessions ADD COLUMN public_id TEXT;"
                           "CREATE UNIQUE INDEX sessions_public_id ON sessions(public_id);"
                           "CREATE INDEX sessions_expires ON sessions(expires_at);")},
};

const size_t bw_app_n_migrations = sizeof(bw_app_migrations) / sizeof(bw_app_migrations[0]);
