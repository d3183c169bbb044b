//! The real browser: headless Chromium (Debian's package) driven by playwright-core runs
//! tests/e2e/run.mjs against the app: axe-core over every page in both languages as a
//! visitor and as each staff role (WCAG 2.1 A and AA: no violations), and the end-to-end
//! flows of a visitor on a phone, intake and a counselor. Screenshots and the axe counts are
//! written to tests/artifacts/.

use crate::helpers::TestApp;
use std::path::{Path, PathBuf};
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";
const PASSWORD: &str = "browser test password";

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Under CI the browser tests must run; elsewhere (not root, no network) a missing browser
/// is said and the test skipped, so the rest of the suite still tells its story.
fn must_run() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Chromium from Debian's package; installed here when missing and we may. Why not, if not.
fn ensure_chromium() -> Result<(), String> {
    if Path::new(CHROMIUM).exists() {
        return Ok(());
    }
    if !is_root() {
        return Err("the browser tests need Chromium: apt-get install chromium".into());
    }
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success())
    };
    let installed = apt(&["install", "-y", "-q", "chromium"])
        || (apt(&["update", "-q"]) && apt(&["install", "-y", "-q", "chromium"]));
    if installed && Path::new(CHROMIUM).exists() {
        Ok(())
    } else {
        Err("installing Debian's chromium package failed".into())
    }
}

/// playwright-core, axe-core and html-validate from the npm registry, at the versions package-lock.json pins.
fn ensure_node_modules(e2e: &Path) -> Result<(), String> {
    if ["playwright-core", "axe-core", "html-validate"]
        .iter()
        .all(|m| e2e.join("node_modules").join(m).exists())
    {
        return Ok(());
    }
    let ok = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(e2e)
        .status()
        .is_ok_and(|s| s.success());
    if ok { Ok(()) } else { Err("npm ci in tests/e2e failed".into()) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_in_both_languages_and_the_main_flows_work_in_a_real_browser() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let e2e = root.join("tests/e2e");
    if let Err(why) = ensure_chromium().and_then(|_| ensure_node_modules(&e2e)) {
        assert!(!must_run(), "{why}");
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!("browser tests skipped outside CI: {why}\n").as_bytes(),
        );
        return;
    }
    let app = TestApp::spawn().await;
    let seeded = groupcare::demo::seed(&app.pool, chrono::Utc::now(), Some(PASSWORD)).await.unwrap();
    assert!(seeded.created);

    let artifacts = root.join("tests/artifacts");
    let out = tokio::process::Command::new("node")
        .arg(e2e.join("run.mjs"))
        .env("BASE_URL", &app.base)
        .env("STAFF_PASSWORD", PASSWORD)
        .env("ARTIFACTS", &artifacts)
        .env("CHROMIUM", CHROMIUM)
        .output()
        .await
        .expect("node runs");
    let said = String::from_utf8_lossy(&out.stdout);
    let axe_lines: Vec<&str> = said
        .lines()
        .filter(|l| l.starts_with("axe ") || l.starts_with("flow ") || l.starts_with("html-validate "))
        .collect();
    std::fs::create_dir_all(&artifacts).unwrap();
    let summary = axe_lines.join("\n") + "\n";
    std::fs::write(artifacts.join("axe.txt"), &summary).unwrap();
    // Straight to the terminal, past the test harness's capture: the counts belong in the log.
    let _ = std::io::Write::write_all(&mut std::io::stderr(), summary.as_bytes());
    assert!(out.status.success(), "browser checks failed:\n{said}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        axe_lines.iter().filter(|l| l.starts_with("axe ")).count() > 50,
        "axe ran over every page:\n{said}"
    );
    assert!(axe_lines.iter().filter(|l| l.starts_with("axe ")).all(|l| l.ends_with(": 0 violations")));
    // Every public page, both languages, the refused form and the manage page: valid HTML.
    let validated: Vec<&&str> = axe_lines.iter().filter(|l| l.starts_with("html-validate ")).collect();
    assert!(validated.len() >= 20, "html-validate ran over the public pages:\n{said}");
    assert!(validated.iter().all(|l| l.ends_with(": 0 errors")), "{said}");
}
