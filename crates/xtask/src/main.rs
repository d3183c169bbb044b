//! The project's build chores, run as `cargo xtask <chore>` (an alias in `.cargo/config.toml`).
//!
//! The app's queries are checked against the schema when it compiles (`sqlx::query!` …). A
//! normal build reads the schema's answers from `.sqlx` (`SQLX_OFFLINE=true`), so it needs no
//! database; these chores make those answers from the migrations, on a throw-away cluster:
//!
//! - `sqlx-prepare` rewrites `.sqlx` (run it after changing a query or a migration);
//! - `sqlx-check` fails, naming the queries, when `.sqlx` is not what `sqlx-prepare` would write.

use pgcluster::{Cluster, Durability};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

const USAGE: &str = "usage: cargo xtask sqlx-prepare | sqlx-check";

fn main() -> ExitCode {
    let chore = std::env::args().nth(1).unwrap_or_default();
    let check = match chore.as_str() {
        "sqlx-prepare" => false,
        "sqlx-check" => true,
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match describe_queries()
        .and_then(|described| if check { compare(&described) } else { replace(&described) })
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("xtask {chore}: {why}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the workspace folder")
}

fn committed_dir() -> PathBuf {
    workspace_root().join(".sqlx")
}

/// Query descriptions by file name, as the macros write them against a freshly migrated
/// throw-away cluster.
fn describe_queries() -> Result<BTreeMap<String, Vec<u8>>, String> {
    let root = workspace_root();
    let cluster_dir = std::env::temp_dir().join(format!("groupcare-sqlx-{}", std::process::id()));
    let cluster = Cluster::start(&cluster_dir, Durability::Throwaway).map_err(|e| e.to_string())?;
    // However this process ends, the cluster and its folder go with it.
    cluster.remove_when_process_ends(std::process::id()).map_err(|e| e.to_string())?;
    let url = cluster.url("postgres");
    let out_dir = root.join("target/sqlx-described");
    let described =
        migrate(&url).and_then(|()| compile_online(&root, &url, &out_dir)).and_then(|()| read_dir(&out_dir));
    let _ = cluster.stop();
    described
}

fn migrate(url: &str) -> Result<(), String> {
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let pool =
            sqlx::PgPool::connect(url).await.map_err(|e| format!("cannot connect to the cluster: {e}"))?;
        MIGRATOR.run(&pool).await.map_err(|e| format!("the migrations failed: {e}"))?;
        pool.close().await;
        Ok(())
    })
}

/// Compiles the app with the macros online: each query is described by the cluster and its
/// description written to `out_dir`.
fn compile_online(root: &Path, url: &str, out_dir: &Path) -> Result<(), String> {
    let _ = fs::remove_dir_all(out_dir);
    fs::create_dir_all(out_dir).map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    // Cargo does not see the macros' environment change, so an up-to-date crate would not be
    // compiled again and its queries never described: its roots are marked as changed.
    for crate_root in ["src/lib.rs", "src/main.rs", "tests/app/main.rs"] {
        fs::File::options()
            .append(true)
            .open(root.join(crate_root))
            .and_then(|f| f.set_modified(std::time::SystemTime::now()))
            .map_err(|e| format!("cannot touch {crate_root}: {e}"))?;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["check", "--package", "groupcare", "--all-targets", "--locked"])
        .env("DATABASE_URL", url)
        .env("SQLX_OFFLINE", "false")
        .env("SQLX_OFFLINE_DIR", out_dir)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("the app does not compile against the migrated schema (see above)".to_owned());
    }
    Ok(())
}

fn read_dir(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut files = BTreeMap::new();
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(files),
        Err(e) => return Err(format!("cannot read {}: {e}", dir.display())),
    };
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        if name.starts_with("query-") && name.ends_with(".json") {
            let bytes = fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            files.insert(name, bytes);
        }
    }
    Ok(files)
}

fn compare(described: &BTreeMap<String, Vec<u8>>) -> Result<(), String> {
    let committed = read_dir(&committed_dir())?;
    let mut stale = Vec::new();
    for (name, bytes) in described {
        match committed.get(name) {
            None => stale.push(format!("missing: {name} ({})", opening_of_query(bytes))),
            Some(kept) if kept != bytes => {
                stale.push(format!("outdated: {name} ({})", opening_of_query(bytes)))
            }
            Some(_) => {}
        }
    }
    stale.extend(
        committed.keys().filter(|name| !described.contains_key(*name)).map(|name| format!("unused: {name}")),
    );
    if stale.is_empty() {
        println!("xtask sqlx-check: .sqlx describes all {} queries as the schema does", described.len());
        return Ok(());
    }
    Err(format!(".sqlx is stale; run `cargo xtask sqlx-prepare` and commit .sqlx\n  {}", stale.join("\n  ")))
}

fn replace(described: &BTreeMap<String, Vec<u8>>) -> Result<(), String> {
    let dir = committed_dir();
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for name in read_dir(&dir)?.keys() {
        fs::remove_file(dir.join(name)).map_err(|e| format!("cannot remove .sqlx/{name}: {e}"))?;
    }
    for (name, bytes) in described {
        fs::write(dir.join(name), bytes).map_err(|e| format!("cannot write .sqlx/{name}: {e}"))?;
    }
    println!("xtask sqlx-prepare: wrote {} query descriptions to .sqlx", described.len());
    Ok(())
}

/// Enough of a query to find it in the code.
fn opening_of_query(description: &[u8]) -> String {
    let text = String::from_utf8_lossy(description);
    let query = text.split("\"query\": \"").nth(1).unwrap_or("");
    let query = query.split("\",\n").next().unwrap_or("").replace("\\n", " ");
    query.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(70).collect()
}
