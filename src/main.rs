//! `groupcare serve` (the default), `groupcare migrate`, `groupcare seed --demo`.

use groupcare::config::Config;
use groupcare::db::{self, embedded};
use std::process::ExitCode;
use tokio::net::TcpListener;

const USAGE: &str = "usage: groupcare [serve | migrate | seed --demo]";

enum Command {
    Serve,
    Migrate,
    SeedDemo,
}

fn parse_args() -> Result<Command, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] | ["serve"] => Ok(Command::Serve),
        ["migrate"] => Ok(Command::Migrate),
        ["seed", "--demo"] => Ok(Command::SeedDemo),
        ["-h" | "--help" | "help"] => Err(USAGE.to_owned()),
        _ => Err(format!("unknown command: {}\n{USAGE}", args.join(" "))),
    }
}

fn init_logging() {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::prelude::*;
    let filter: Targets = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| "info,sqlx=warn".parse().expect("a valid default filter"));
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_filter(filter))
        .init();
}

/// The database the app uses: `DATABASE_URL`, or the embedded cluster under the data folder.
struct Database {
    url: String,
    cluster: Option<embedded::Cluster>,
}

async fn open_database(config: &Config) -> Result<Database, Box<dyn std::error::Error>> {
    if let Some(url) = &config.database_url {
        return Ok(Database {
            url: url.clone(),
            cluster: None,
        });
    }
    let root = config.data_dir.join("pg");
    let cluster =
        tokio::task::spawn_blocking(move || embedded::Cluster::start(&root, embedded::Durability::Durable))
            .await??;
    embedded::ensure_database(&cluster.url("postgres"), "groupcare").await?;
    tracing::info!(
        port = cluster.port(),
        "embedded PostgreSQL started under {}",
        config.data_dir.display()
    );
    Ok(Database {
        url: cluster.url("groupcare"),
        cluster: Some(cluster),
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let mut term =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("a SIGTERM handler");
    tokio::select! {
        _ = ctrl_c => {},
        _ = term.recv() => {},
    }
    tracing::info!("shutting down");
}

async fn run(command: Command, config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let database = open_database(&config).await?;
    let result = run_with_database(command, &config, &database.url, database.cluster.is_some()).await;
    if let Some(cluster) = &database.cluster {
        let cluster_stopped = tokio::task::block_in_place(|| cluster.stop());
        if let Err(e) = cluster_stopped {
            tracing::warn!(error = %e, "the embedded PostgreSQL did not stop cleanly");
        }
    }
    result
}

async fn run_with_database(
    command: Command,
    config: &Config,
    url: &str,
    embedded: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let pool = db::connect(url, config.db_pool_size).await?;
    db::migrate(&pool).await?;
    match command {
        Command::Migrate => {
            println!("migrations applied");
            Ok(())
        }
        Command::SeedDemo => {
            let created = groupcare::demo::seed(&pool, chrono::Utc::now()).await?;
            println!(
                "{}",
                if created {
                    "demo data created"
                } else {
                    "demo data already present: nothing changed"
                }
            );
            Ok(())
        }
        Command::Serve => {
            // The embedded default is a demo: it fills itself on first start.
            if embedded && groupcare::demo::seed(&pool, chrono::Utc::now()).await? {
                tracing::info!("first start: demo data created");
            }
            let state =
                groupcare::AppState::load(pool.clone(), config.booking.clone(), &config.base_url).await?;
            let listener = TcpListener::bind(&config.bind)
                .await
                .map_err(|e| format!("cannot listen on {}: {e}", config.bind))?;
            tracing::info!("listening on http://{}", listener.local_addr()?);
            axum::serve(
                listener,
                groupcare::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .with_graceful_shutdown(shutdown_signal())
            .await?;
            pool.close().await;
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let command = match parse_args() {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    init_logging();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("groupcare: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(run(command, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("groupcare: {e}");
            ExitCode::FAILURE
        }
    }
}
