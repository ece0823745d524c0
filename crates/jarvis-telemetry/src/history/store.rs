//! The SQLite history file: WAL journal, a short busy timeout, versioned migrations
//! (`PRAGMA user_version`), and age-based retention.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OptionalExtension as _, params};

use super::sample::Sample;

/// Schema version this build writes (`PRAGMA user_version`).
pub const HISTORY_SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long a write waits for another writer before giving up as "locked".
const BUSY_TIMEOUT: Duration = Duration::from_millis(1500);

/// Migration `i` takes the schema from version `i` to `i + 1`. Append only; never edit.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE samples (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        provider TEXT NOT NULL,
        mac_total INTEGER,
        tiles_total INTEGER,
        proofs_found INTEGER,
        proofs_submitted INTEGER,
        submit_errors INTEGER,
        restarts INTEGER,
        template_height INTEGER,
        vllm_requests_total INTEGER,
        vllm_tokens_total INTEGER,
        gateway_up INTEGER
    );
    CREATE INDEX samples_at ON samples (at);",
    "ALTER TABLE samples ADD COLUMN blocks_accepted INTEGER;",
];

const COLUMNS: &str = "at, provider, mac_total, tiles_total, proofs_found, proofs_submitted, \
     submit_errors, restarts, template_height, vllm_requests_total, vllm_tokens_total, gateway_up, \
     blocks_accepted";

/// Why the history file cannot be used. Mining goes on regardless.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The directory for the file cannot be created.
    #[error("cannot create {}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Another process holds a lock on the file for longer than the busy timeout.
    #[error(
        "mining history {path} is locked by another process; it is retried on the next sample \
         (close any sqlite3 shell that holds it)"
    )]
    Locked {
        /// The database file.
        path: PathBuf,
    },
    /// The file is not a readable SQLite database.
    #[error(
        "mining history {path} is corrupt or not a SQLite database ({detail}); move it aside \
         (`mv {path} {path}.bad`) and jarvis starts a new one"
    )]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// SQLite's message.
        detail: String,
    },
    /// The file was written by a newer jarvis.
    #[error(
        "mining history {path} has schema version {found}, newer than this jarvis knows \
         ({HISTORY_SCHEMA_VERSION}); upgrade jarvis or move the file aside"
    )]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// Its `user_version`.
        found: i64,
    },
    /// Any other SQLite failure.
    #[error("cannot use the mining history {}", path.display())]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// The cause.
        source: rusqlite::Error,
    },
}

impl HistoryError {
    fn from_sqlite(path: &Path, source: rusqlite::Error) -> HistoryError {
        let path = path.to_path_buf();
        match source.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                HistoryError::Locked { path }
            }
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => HistoryError::Corrupt {
                path,
                detail: source.to_string(),
            },
            _ => HistoryError::Sqlite { path, source },
        }
    }
}

/// An open history database.
#[derive(Debug)]
pub struct HistoryStore {
    conn: Connection,
    path: PathBuf,
}

impl HistoryStore {
    /// Opens (creating if needed) the database at `path`, switches it to WAL and brings its
    /// schema up to [`HISTORY_SCHEMA_VERSION`].
    pub fn open(path: &Path) -> Result<HistoryStore, HistoryError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| HistoryError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let sql = |e| HistoryError::from_sqlite(path, e);
        let mut conn = Connection::open(path).map_err(sql)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sql)?;
        // Some filesystems refuse WAL; SQLite then keeps its rollback journal, which still works.
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
            .map_err(sql)?;
        migrate(&mut conn, path)?;
        Ok(HistoryStore {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one sample.
    pub fn record(&self, sample: &Sample) -> Result<(), HistoryError> {
        self.conn
            .execute(
                &format!("INSERT INTO samples ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"),
                params![
                    sample.at,
                    sample.provider,
                    sample.mac_total.map(to_sql),
                    sample.tiles_total.map(to_sql),
                    sample.proofs_found.map(to_sql),
                    sample.proofs_submitted.map(to_sql),
                    sample.submit_errors.map(to_sql),
                    sample.restarts.map(to_sql),
                    sample.template_height.map(to_sql),
                    sample.vllm_requests_total.map(to_sql),
                    sample.vllm_tokens_total.map(to_sql),
                    sample.gateway_up,
                    sample.blocks_accepted.map(to_sql),
                ],
            )
            .map_err(|e| HistoryError::from_sqlite(&self.path, e))?;
        Ok(())
    }

    /// Samples taken at or after `since` (unix seconds), oldest first.
    pub fn samples(&self, since: f64) -> Result<Vec<Sample>, HistoryError> {
        let sql = |e| HistoryError::from_sqlite(&self.path, e);
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM samples WHERE at >= ?1 ORDER BY at, id"
            ))
            .map_err(sql)?;
        let rows = stmt.query_map([since], row_to_sample).map_err(sql)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql)
    }

    /// Deletes samples taken before `older_than` (unix seconds); returns how many.
    pub fn prune(&self, older_than: f64) -> Result<usize, HistoryError> {
        self.conn
            .execute("DELETE FROM samples WHERE at < ?1", [older_than])
            .map_err(|e| HistoryError::from_sqlite(&self.path, e))
    }

    /// Time of the newest sample, if any.
    pub fn latest_at(&self) -> Result<Option<f64>, HistoryError> {
        self.conn
            .query_row("SELECT max(at) FROM samples", [], |row| {
                row.get::<_, Option<f64>>(0)
            })
            .optional()
            .map(Option::flatten)
            .map_err(|e| HistoryError::from_sqlite(&self.path, e))
    }
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<(), HistoryError> {
    let sql = |e| HistoryError::from_sqlite(path, e);
    let tx = conn.transaction().map_err(sql)?;
    let found: i64 = tx
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(sql)?;
    if found > HISTORY_SCHEMA_VERSION {
        return Err(HistoryError::NewerSchema {
            path: path.to_path_buf(),
            found,
        });
    }
    let start = usize::try_from(found).unwrap_or(0);
    for step in MIGRATIONS.iter().skip(start) {
        tx.execute_batch(step).map_err(sql)?;
    }
    if found != HISTORY_SCHEMA_VERSION {
        tx.pragma_update(None, "user_version", HISTORY_SCHEMA_VERSION)
            .map_err(sql)?;
    }
    tx.commit().map_err(sql)
}

/// SQLite integers are signed; counters are stored bit for bit so the full u64 range survives.
fn to_sql(value: u64) -> i64 {
    i64::from_ne_bytes(value.to_ne_bytes())
}

fn from_sql(value: i64) -> u64 {
    u64::from_ne_bytes(value.to_ne_bytes())
}

fn row_to_sample(row: &rusqlite::Row<'_>) -> rusqlite::Result<Sample> {
    let counter = |i: usize| row.get::<_, Option<i64>>(i).map(|v| v.map(from_sql));
    Ok(Sample {
        at: row.get(0)?,
        provider: row.get(1)?,
        mac_total: counter(2)?,
        tiles_total: counter(3)?,
        proofs_found: counter(4)?,
        proofs_submitted: counter(5)?,
        submit_errors: counter(6)?,
        restarts: counter(7)?,
        template_height: counter(8)?,
        vllm_requests_total: counter(9)?,
        vllm_tokens_total: counter(10)?,
        gateway_up: row.get(11)?,
        blocks_accepted: counter(12)?,
    })
}
