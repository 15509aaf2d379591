//! Retention: so far only what imports share with it (the rest is still in `sqlite/retention`).

use super::{Db, Engine, args};
use crate::Result;

/// Of `hashes`, those no submission, form version, instance still arriving or import file
/// names any more: their content may be deleted from the file store.
pub(crate) async fn unreferenced<D: Db>(db: &D, hashes: Vec<String>) -> Result<Vec<String>> {
    // Held and sealed submissions name their files inside a JSON text: SQLite looks for the
    // hash with `instr`, PostgreSQL with `strpos` (the same test, each engine's spelling).
    let sql = match db.engine() {
        Engine::Sqlite => {
            "SELECT (SELECT count(*) FROM submission_files WHERE sha256 = ?1)
                  + (SELECT count(*) FROM form_files WHERE sha256 = ?1)
                  + (SELECT count(*) FROM field_parts WHERE sha256 = ?1)
                  + (SELECT count(*) FROM held_submissions WHERE instr(files, ?1) > 0)
                  + (SELECT count(*) FROM sealed_submissions WHERE instr(files, ?1) > 0)
                  + (SELECT count(*) FROM import_files WHERE sha256 = ?1)"
        }
        Engine::Postgres => {
            "SELECT (SELECT count(*) FROM submission_files WHERE sha256 = ?1)
                  + (SELECT count(*) FROM form_files WHERE sha256 = ?1)
                  + (SELECT count(*) FROM field_parts WHERE sha256 = ?1)
                  + (SELECT count(*) FROM held_submissions WHERE strpos(files, ?1) > 0)
                  + (SELECT count(*) FROM sealed_submissions WHERE strpos(files, ?1) > 0)
                  + (SELECT count(*) FROM import_files WHERE sha256 = ?1)"
        }
    };
    let mut out = Vec::new();
    for h in hashes {
        let used: i64 = db.value(sql, &args![&h]).await?;
        if used == 0 {
            out.push(h);
        }
    }
    Ok(out)
}
