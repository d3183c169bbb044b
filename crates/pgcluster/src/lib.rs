//! A private PostgreSQL cluster in a folder of ours, started from the server binaries
//! installed on the machine: the default database of a first run, and the tests' throw-away
//! server. It listens on 127.0.0.1 only, on a port of its own, with a generated password.

use std::fs;
use std::io::Write;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const SUPERUSER: &str = "groupcare";
/// The unprivileged account the server runs as when we are root (initdb refuses root).
const FALLBACK_OS_USER: &str = "groupcare-pg";

#[derive(Debug)]
pub struct EmbeddedError(pub String);

impl std::fmt::Display for EmbeddedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EmbeddedError {}

fn fail<T>(msg: impl Into<String>) -> Result<T, EmbeddedError> {
    Err(EmbeddedError(msg.into()))
}

/// Durable for the app's own data; fast and forgetful for tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    Durable,
    Throwaway,
}

/// A running cluster. [`Cluster::stop`] stops it; dropping it does not.
#[derive(Debug)]
pub struct Cluster {
    /// Held for as long as this process uses the cluster (the kernel lets go if it dies), so
    /// a second app on the same folder is refused instead of stopping the first one's server.
    _instance_lock: fs::File,
    root: PathBuf,
    bin: PathBuf,
    run_as: Option<String>,
    port: u16,
    password: String,
}

impl Cluster {
    /// Starts the cluster under `root` (creating it on first use), recovering from a previous
    /// run that crashed: a server it left running is stopped, a stale lock file removed.
    pub fn start(root: &Path, durability: Durability) -> Result<Cluster, EmbeddedError> {
        let bin = server_binaries()?;
        let run_as = os_user_for_server()?;
        fs::create_dir_all(root)
            .map_err(|e| EmbeddedError(format!("cannot create {}: {e}", root.display())))?;
        let root = root
            .canonicalize()
            .map_err(|e| EmbeddedError(format!("cannot resolve {}: {e}", root.display())))?;
        let instance_lock = fs::File::create(root.join("instance.lock"))
            .map_err(|e| EmbeddedError(format!("cannot create a lock file in {}: {e}", root.display())))?;
        if instance_lock.try_lock().is_err() {
            return fail(format!(
                "another groupcare process is using the database under {}; stop it first",
                root.display()
            ));
        }
        let mut cluster =
            Cluster { _instance_lock: instance_lock, root, bin, run_as, port: 0, password: String::new() };
        cluster.hand_root_to_server_user()?;
        if !cluster.data_dir().join("PG_VERSION").exists() {
            cluster.init(durability)?;
        }
        cluster.password = fs::read_to_string(cluster.root.join("password"))
            .map_err(|e| EmbeddedError(format!("cannot read the cluster's password file: {e}")))?
            .trim()
            .to_owned();
        cluster.clear_previous_run();
        cluster.port = cluster.choose_port()?;
        cluster.run_server()?;
        Ok(cluster)
    }

    /// A connection URL for `database` on this cluster.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}:{}@127.0.0.1:{}/{database}", self.password, self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server (fast shutdown: open sessions are ended, data is kept).
    pub fn stop(&self) -> Result<(), EmbeddedError> {
        let out = self.pg_ctl(&["stop", "-m", "fast", "-w", "-t", "60"]).output();
        match out {
            Ok(o) if o.status.success() => Ok(()),
            Ok(o) => fail(format!("pg_ctl stop failed: {}", String::from_utf8_lossy(&o.stderr).trim())),
            Err(e) => fail(format!("cannot run pg_ctl: {e}")),
        }
    }

    /// For tests: a detached watcher stops the server and removes its folder once process
    /// `pid` has ended, however it ended.
    pub fn remove_when_process_ends(&self, pid: u32) -> Result<(), EmbeddedError> {
        let pg_ctl = self.bin.join("pg_ctl");
        let data = self.data_dir();
        let stop = match &self.run_as {
            Some(user) => format!(
                "runuser -u {user} -- '{}' -D '{}' -m immediate stop",
                pg_ctl.display(),
                data.display()
            ),
            None => format!("'{}' -D '{}' -m immediate stop", pg_ctl.display(), data.display()),
        };
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {stop} >/dev/null 2>&1; rm -rf '{}'",
            self.root.display()
        );
        Command::new("setsid")
            .args(["sh", "-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(|_| ())
            .map_err(|e| EmbeddedError(format!("cannot start the cluster's watcher: {e}")))
    }

    fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(path);
                c
            }
            None => Command::new(path),
        }
    }

    fn pg_ctl(&self, args: &[&str]) -> Command {
        let mut c = self.command("pg_ctl");
        c.arg("-D").arg(self.data_dir()).args(args);
        c.stdin(Stdio::null());
        c
    }

    fn hand_root_to_server_user(&self) -> Result<(), EmbeddedError> {
        if let Some(user) = &self.run_as {
            let status = Command::new("chown")
                .arg(format!("{user}:"))
                .arg(&self.root)
                .status()
                .map_err(|e| EmbeddedError(format!("cannot run chown: {e}")))?;
            if !status.success() {
                return fail(format!("cannot hand {} to the {user} account", self.root.display()));
            }
        }
        fs::set_permissions(&self.root, fs::Permissions::from_mode(0o700))
            .map_err(|e| EmbeddedError(format!("cannot restrict {}: {e}", self.root.display())))
    }

    fn init(&self, durability: Durability) -> Result<(), EmbeddedError> {
        let data = self.data_dir();
        if data.exists() {
            // A half-made cluster from an interrupted first start: nothing in it to keep.
            fs::remove_dir_all(&data)
                .map_err(|e| EmbeddedError(format!("cannot clear {}: {e}", data.display())))?;
        }
        let password = new_password()?;
        let pwfile = self.root.join("password");
        write_private(&pwfile, &password, self.run_as.as_deref())?;
        let out = self
            .command("initdb")
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                SUPERUSER,
                "-E",
                "UTF8",
                "--no-locale",
                "--auth-local=peer",
                "--auth-host=scram-sha-256",
            ])
            .arg(format!("--pwfile={}", pwfile.display()))
            .stdin(Stdio::null())
            .output()
            .map_err(|e| EmbeddedError(format!("cannot run initdb: {e}")))?;
        if !out.status.success() {
            return fail(format!(
                "initdb failed (is every folder above {} readable by the server's account?): {}",
                self.root.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let mut settings = String::from(
            "\n# groupcare: a private server on the loopback interface only\n\
             listen_addresses = '127.0.0.1'\nunix_socket_directories = ''\nmax_connections = 100\n",
        );
        if durability == Durability::Throwaway {
            settings.push_str("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
        }
        fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .and_then(|mut f| f.write_all(settings.as_bytes()))
            .map_err(|e| EmbeddedError(format!("cannot write postgresql.conf: {e}")))
    }

    /// A previous app that was killed leaves its server running or its lock file behind.
    fn clear_previous_run(&self) {
        let pid_file = self.data_dir().join("postmaster.pid");
        let Ok(text) = fs::read_to_string(&pid_file) else {
            return;
        };
        let pid = text.lines().next().unwrap_or("").trim();
        let comm = fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if !pid.is_empty() && comm.trim() == "postgres" {
            tracing::info!(pid, "stopping the embedded database server a previous run left behind");
            let _ = self.pg_ctl(&["stop", "-m", "fast", "-w", "-t", "60"]).output();
        } else {
            tracing::info!("removing a stale lock file of the embedded database server");
            let _ = fs::remove_file(&pid_file);
        }
    }

    /// The port used last time when it is free, so URLs stay stable; any free port otherwise.
    fn choose_port(&self) -> Result<u16, EmbeddedError> {
        let port_file = self.root.join("port");
        if let Some(port) = fs::read_to_string(&port_file).ok().and_then(|s| s.trim().parse::<u16>().ok())
            && TcpListener::bind(("127.0.0.1", port)).is_ok()
        {
            return Ok(port);
        }
        let port = TcpListener::bind(("127.0.0.1", 0))
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|e| EmbeddedError(format!("no free port on 127.0.0.1: {e}")))?;
        let _ = fs::write(&port_file, port.to_string());
        Ok(port)
    }

    fn run_server(&self) -> Result<(), EmbeddedError> {
        let log = self.root.join("postgres.log");
        let out = self
            .pg_ctl(&[
                "-l",
                &log.to_string_lossy(),
                "-o",
                &format!("-p {}", self.port),
                "-w",
                "-t",
                "60",
                "start",
            ])
            // Its own process group: Ctrl-C reaches the app, which then stops the server in order.
            .process_group(0)
            .stdout(Stdio::null())
            .output()
            .map_err(|e| EmbeddedError(format!("cannot run pg_ctl: {e}")))?;
        if !out.status.success() {
            let tail = fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<_> = tail.lines().rev().take(5).collect();
            return fail(format!(
                "the embedded database server did not start: {} {}",
                String::from_utf8_lossy(&out.stderr).trim(),
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            ));
        }
        Ok(())
    }
}

/// 128 random bits, hex: the superuser's password, kept in the cluster's folder.
fn new_password() -> Result<String, EmbeddedError> {
    let mut buf = [0u8; 16];
    getrandom::fill(&mut buf).map_err(|e| EmbeddedError(format!("no random source: {e}")))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

fn write_private(path: &Path, contents: &str, owner: Option<&str>) -> Result<(), EmbeddedError> {
    fs::write(path, contents)
        .and_then(|_| fs::set_permissions(path, fs::Permissions::from_mode(0o600)))
        .map_err(|e| EmbeddedError(format!("cannot write {}: {e}", path.display())))?;
    if let Some(user) = owner {
        let _ = Command::new("chown").arg(format!("{user}:")).arg(path).status();
    }
    Ok(())
}

fn is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

fn has_server_binaries(dir: &Path) -> bool {
    ["initdb", "pg_ctl", "postgres"].iter().all(|b| dir.join(b).is_file())
}

/// The newest `/usr/lib/postgresql/<version>/bin`, else a folder on PATH with the server (its
/// `pg_dump` and `pg_restore` are there too).
pub fn find_server_binaries() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            has_server_binaries(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .find(|dir| has_server_binaries(dir))
}

/// Finds the server binaries, installing Debian's `postgresql` package when we may.
fn server_binaries() -> Result<PathBuf, EmbeddedError> {
    if let Some(bin) = find_server_binaries() {
        return Ok(bin);
    }
    if !is_root() {
        return fail(
            "PostgreSQL's server binaries were not found (looked on PATH and in /usr/lib/postgresql/*/bin). \
             Install the 'postgresql' package (sudo apt-get install postgresql), or set DATABASE_URL to a server.",
        );
    }
    eprintln!("PostgreSQL's server binaries are missing: installing the 'postgresql' package…");
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    let installed = apt(&["install", "-y", "-q", "postgresql"])
        || (apt(&["update", "-q"]) && apt(&["install", "-y", "-q", "postgresql"]));
    match find_server_binaries() {
        Some(bin) if installed => Ok(bin),
        _ => fail("installing the 'postgresql' package failed; install it by hand or set DATABASE_URL"),
    }
}

/// None when we are not root; otherwise an unprivileged account to run the server as.
fn os_user_for_server() -> Result<Option<String>, EmbeddedError> {
    if !is_root() {
        return Ok(None);
    }
    let exists = |name: &str| {
        Command::new("id")
            .arg(name)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if exists("postgres") {
        return Ok(Some("postgres".to_owned()));
    }
    if !exists(FALLBACK_OS_USER) {
        let ok = Command::new("useradd")
            .args(["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", FALLBACK_OS_USER])
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return fail(format!("cannot create the {FALLBACK_OS_USER} account to run PostgreSQL as"));
        }
    }
    Ok(Some(FALLBACK_OS_USER.to_owned()))
}
