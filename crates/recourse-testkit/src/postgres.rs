//! A real PostgreSQL server for tests, started by the test itself: Debian's `postgresql`
//! (`initdb` + `pg_ctl`) in a temporary directory, on a free loopback port, with password
//! authentication (scram-sha-256) for the user `recourse`.
//!
//! One server per test process (started on first use); each caller gets a database of its
//! own. A watchdog started beside it stops the server and removes its directory when the test
//! process exits, however it exits. PostgreSQL refuses to run as root, so under root the
//! server runs as `nobody` (through `setpriv`).
//!
//! Missing binaries skip the test with a note, or fail it under `RECOURSE_REQUIRE_TOOLS`
//! (`scripts/install-test-tools` installs the `postgresql` package).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The superuser's name.
pub const USER: &str = "recourse";
/// Its password (a test value).
pub const PASSWORD: &str = "test-password-not-secret";

/// A running server.
#[derive(Debug)]
pub struct Server {
    /// Its port on 127.0.0.1.
    pub port: u16,
    bin: PathBuf,
    dir: PathBuf,
}

/// Where Debian puts the server binaries (the newest version), else `PATH`.
fn bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, b)) = versions.pop() {
        return Some(b);
    }
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p).find(|d| d.join("initdb").exists() && d.join("pg_ctl").exists())
    })
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").map(|m| m.uid()).ok() == Some(0)
}

/// A command run as the server's user (`nobody` under root).
fn as_server_user(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn run(mut c: Command, what: &str) {
    let out = c
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Server {
    fn start(bin: PathBuf) -> Server {
        let dir = std::env::temp_dir().join(format!(
            "recourse-pg-{}-{}",
            std::process::id(),
            crate::free_port()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let data = dir.join("data");
        let pwfile = dir.join("pw");
        std::fs::write(&pwfile, PASSWORD).unwrap();
        if is_root() {
            // The server's user must own its directory.
            let _ = std::os::unix::fs::chown(&dir, Some(65534), Some(65534));
            let _ = std::os::unix::fs::chown(&pwfile, Some(65534), Some(65534));
        }
        let mut initdb = as_server_user(&bin.join("initdb"));
        initdb
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                USER,
                "--auth=scram-sha-256",
                "--no-sync",
                "-E",
                "UTF8",
            ])
            .arg(format!("--pwfile={}", pwfile.display()));
        run(initdb, "initdb");
        let port = crate::free_port();
        let mut ctl = as_server_user(&bin.join("pg_ctl"));
        ctl.arg("start")
            .arg("-w")
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.join("log"))
            .arg("-o")
            .arg(format!(
                "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200"
            ));
        run(ctl, "pg_ctl start");
        // Stops the server when this process ends, however it ends.
        let stop = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {prefix}{ctl} stop -m immediate -D {data} >/dev/null 2>&1; rm -rf {dir}",
            pid = std::process::id(),
            prefix = if is_root() {
                "setpriv --reuid=65534 --regid=65534 --clear-groups -- "
            } else {
                ""
            },
            ctl = bin.join("pg_ctl").display(),
            data = data.display(),
            dir = dir.display(),
        );
        // `setsid -f` forks the watchdog off and returns at once: nothing is left to reap.
        let watchdog = Command::new("setsid")
            .args(["-f", "sh", "-c", &stop])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(watchdog.success(), "setsid: {watchdog}");
        Server { port, bin, dir }
    }

    /// A new, empty database; its URL without the password (pass [`PASSWORD`] separately).
    pub fn database(&self, name: &str) -> String {
        static N: AtomicU64 = AtomicU64::new(0);
        let db = format!(
            "{}_{}_{}",
            name.replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let mut c = Command::new(self.bin.join("createdb"));
        c.args([
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-U",
            USER,
            &db,
        ])
        .env("PGPASSWORD", PASSWORD);
        run(c, "createdb");
        format!("postgres://{USER}@127.0.0.1:{}/{db}", self.port)
    }

    /// Runs SQL with `psql` against a database URL (for tests that tamper with the store).
    pub fn psql(&self, url: &str, sql: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .arg(url)
            .args(["-v", "ON_ERROR_STOP=1", "-At", "-c", sql])
            .env("PGPASSWORD", PASSWORD)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "psql failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The server's own directory (data and log).
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The test process's server, started on first use. `None` (with a note) if PostgreSQL is
/// not installed and tools are not required; a panic if they are.
pub fn server() -> Option<&'static Server> {
    static SERVER: OnceLock<Option<Server>> = OnceLock::new();
    SERVER
        .get_or_init(|| match bin_dir() {
            Some(bin) => Some(Server::start(bin)),
            None => {
                let msg = "PostgreSQL (initdb, pg_ctl) is not installed; run scripts/install-test-tools (Debian package postgresql)";
                if std::env::var_os("RECOURSE_REQUIRE_TOOLS").is_some() {
                    panic!("{msg}");
                }
                eprintln!("SKIPPED: {msg}");
                None
            }
        })
        .as_ref()
}
