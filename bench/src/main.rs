//! jeco-bench: room fan-out load test of Jeco Chat against a raw tokio-tungstenite broadcast
//! server (the ceiling), and a message search latency bench. See bench/README.md.

mod baseline;
mod chart;
mod conns;
mod conns_client;
mod conns_proc;
mod conns_proto;
mod conns_report;
mod conns_send;
mod conns_setup;
mod conns_side;
mod frames;
mod gql;
mod history;
mod history_report;
mod history_seed;
mod history_sql;
mod http;
mod keepalive;
mod load;
mod measure;
mod media;
mod media_files;
mod media_ref;
mod media_report;
mod nice;
mod procfs;
mod run;
mod saturation;
mod saturation_ramp;
mod saturation_report;
mod search;
mod search_report;
mod seed;
mod sender;
mod server;
mod soak;
mod stats;
mod summary;
mod words;
mod write;
mod write_load;
mod write_report;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Result};
use clap::{Args, Parser, Subcommand};

/// The PostgreSQL server the benches use unless told otherwise (no database name).
const DEFAULT_PG_BASE: &str = "postgres://postgres@127.0.0.1:5432";

/// Command line.
#[derive(Parser)]
#[command(
    name = "jeco-bench",
    about = "Room fan-out bench (Jeco Chat vs a raw WebSocket broadcast server) and message search bench"
)]
struct Cli {
    /// What to do.
    #[command(subcommand)]
    command: Command,
}

/// Subcommands.
#[derive(Subcommand)]
enum Command {
    /// Run the bench and write the markdown report.
    Run(RunArgs),
    /// Seed a large message table and measure `searchMessages` against the server's request floor.
    Search(SearchArgs),
    /// Run at a steady load with subscribers churning; check that RSS, fds and
    /// threads return to their baseline and nothing is lost.
    Soak(SoakArgs),
    /// Upload a 12 MP JPEG and a 1 MB voice note with 1 and 8 uploaders; measure
    /// uploads/s, PUT latency and peak RSS growth, next to ImageMagick's thumbnailing.
    Media(MediaArgs),
    /// Step the offered rate up on one room until jeco and the baseline stop keeping up;
    /// ceilings, CPU per event and the sendMessage p99 under fan-out.
    Saturation(saturation::SaturationArgs),
    /// Hold many subscribed connections over several jeco instances; report their cost.
    Connections(conns::ConnectionsArgs),
    /// A client process of `connections` (internal).
    #[command(hide = true)]
    ConnClient(conns::ConnClientArgs),
    /// Persisted sendMessage/s from many senders over many rooms, next to the request floor.
    Write(write::WriteArgs),
    /// The web app's conversation page on a large seeded message table, next to the request floor.
    History(history::HistoryArgs),
    /// Serve the baseline (raw tokio-tungstenite broadcast) until killed.
    BaselineServer {
        /// Address to listen on (loopback).
        #[arg(long, default_value = "127.0.0.1:0")]
        bind: SocketAddr,
    },
}

/// Arguments of `soak`.
#[derive(Args)]
struct SoakArgs {
    /// The `jeco` server binary (e.g. $CARGO_TARGET_DIR/release/jeco).
    #[arg(long)]
    jeco_bin: PathBuf,
    /// PostgreSQL server (a fresh `jeco_soak_<pid>` database is made on it).
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_PG_BASE)]
    database_url: String,
    /// Minutes of churn [default: 10; --quick: 1].
    #[arg(long)]
    minutes: Option<u64>,
    /// Churning subscribers.
    #[arg(long, default_value_t = 100)]
    subscribers: usize,
    /// Messages per second.
    #[arg(long, default_value_t = 20)]
    rate: u32,
    /// Markdown report path.
    #[arg(long, default_value = "bench/results/soak.md")]
    out: PathBuf,
    /// Smoke run: one minute.
    #[arg(long)]
    quick: bool,
}

/// Arguments of `media`.
#[derive(Args)]
struct MediaArgs {
    /// The `jeco` server binary (e.g. $CARGO_TARGET_DIR/release/jeco).
    #[arg(long)]
    jeco_bin: PathBuf,
    /// PostgreSQL server (a fresh `jeco_bench_media_<pid>` database is made on it).
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_PG_BASE)]
    database_url: String,
    /// Measured JPEG uploads per concurrency [default: 64; --quick: 16].
    #[arg(long)]
    jpeg_uploads: Option<usize>,
    /// Measured voice-note uploads per concurrency [default: 400; --quick: 64].
    #[arg(long)]
    voice_uploads: Option<usize>,
    /// Measured ImageMagick runs per thread setting [default: 20; --quick: 5].
    #[arg(long)]
    reference_runs: Option<usize>,
    /// ImageMagick's `convert` or `magick` binary [default: the first on PATH that is one].
    #[arg(long)]
    convert: Option<PathBuf>,
    /// Markdown report path.
    #[arg(long, default_value = "bench/results/media.md")]
    out: PathBuf,
    /// Smoke run: fewer uploads and reference runs (unless given explicitly).
    #[arg(long)]
    quick: bool,
}

/// Arguments of `run`.
#[derive(Args)]
struct RunArgs {
    /// The `jeco` server binary (e.g. $CARGO_TARGET_DIR/release/jeco).
    #[arg(long)]
    jeco_bin: Option<PathBuf>,
    /// PostgreSQL server (a database path, if any, is ignored: a fresh `jeco_bench_<pid>` is made).
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_PG_BASE)]
    database_url: String,
    /// Room sizes, comma-separated [default: 10,100,1000; --quick: 10,100].
    #[arg(long, value_delimiter = ',')]
    members: Option<Vec<usize>>,
    /// Offered messages per second.
    #[arg(long, default_value_t = 50)]
    rate: u32,
    /// Seconds of sending per room size [default: 10; --quick: 5].
    #[arg(long)]
    seconds: Option<u32>,
    /// Seconds to wait for stragglers after the last send.
    #[arg(long, default_value_t = 5)]
    drain_seconds: u64,
    /// Markdown report path.
    #[arg(long, default_value = "bench/results/latest.md")]
    out: PathBuf,
    /// Smoke run: members 10,100 and 5 s (unless given explicitly).
    #[arg(long)]
    quick: bool,
    /// Measure only the baseline server (no jeco, no database).
    #[arg(long)]
    baseline_only: bool,
}

/// Arguments of `search`.
#[derive(Args)]
struct SearchArgs {
    /// The `jeco` server binary (e.g. $CARGO_TARGET_DIR/release/jeco).
    #[arg(long)]
    jeco_bin: PathBuf,
    /// PostgreSQL server (a database path, if any, is ignored: a fresh `jeco_bench_search_<pid>` is made).
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_PG_BASE)]
    database_url: String,
    /// Messages to seed [default: 1000000; --quick: 100000].
    #[arg(long)]
    messages: Option<u64>,
    /// Measured requests per query kind [default: 200; --quick: 50].
    #[arg(long)]
    requests: Option<usize>,
    /// Markdown report path.
    #[arg(long, default_value = "bench/results/search.md")]
    out: PathBuf,
    /// Smoke run: 100,000 messages and 50 requests per kind (unless given explicitly).
    #[arg(long)]
    quick: bool,
}

/// Largest room size accepted (file descriptors and run time stay bounded).
const MAX_MEMBERS: usize = 5000;

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::BaselineServer { bind } => baseline::serve(bind).await,
        Command::Saturation(args) => saturation::main(args).await,
        Command::Connections(args) => conns::main(args).await,
        Command::ConnClient(args) => conns::client_main(args).await,
        Command::Write(args) => write::main(args).await,
        Command::History(args) => history::main(args).await,
        Command::Search(args) => {
            let messages = args.messages.unwrap_or(if args.quick { 100_000 } else { 1_000_000 });
            let requests = args.requests.unwrap_or(if args.quick { 50 } else { 200 });
            if !(1_000..=20_000_000).contains(&messages) || !(1..=10_000).contains(&requests) {
                bail!("--messages must be 1000..=20000000 and --requests 1..=10000");
            }
            search::run(search::Options {
                jeco_bin: args.jeco_bin,
                database_url: args.database_url,
                messages,
                requests,
                out: args.out,
            })
            .await
        }
        Command::Media(args) => {
            let jpeg_uploads = args.jpeg_uploads.unwrap_or(if args.quick { 16 } else { 64 });
            let voice_uploads = args.voice_uploads.unwrap_or(if args.quick { 64 } else { 400 });
            let reference_runs = args.reference_runs.unwrap_or(if args.quick { 5 } else { 20 });
            if !(1..=10_000).contains(&jpeg_uploads)
                || !(1..=10_000).contains(&voice_uploads)
                || !(1..=1_000).contains(&reference_runs)
            {
                bail!("--jpeg-uploads and --voice-uploads must be 1..=10000, --reference-runs 1..=1000");
            }
            let rerun = if args.quick { "make bench-media BENCH_ARGS=--quick" } else { "make bench-media" };
            media::run(media::Options {
                jeco_bin: args.jeco_bin,
                database_url: args.database_url,
                jpeg_uploads,
                voice_uploads,
                reference_runs,
                convert: args.convert,
                out: args.out,
                rerun: rerun.to_string(),
            })
            .await
        }
        Command::Soak(args) => {
            let minutes = args.minutes.unwrap_or(if args.quick { 1 } else { 10 });
            if !(1..=120).contains(&minutes)
                || !(1..=5_000).contains(&args.subscribers)
                || !(1..=1_000).contains(&args.rate)
            {
                bail!("--minutes must be 1..=120, --subscribers 1..=5000 and --rate 1..=1000");
            }
            raise_fd_limit(args.subscribers);
            let ok = soak::run(soak::Options {
                jeco_bin: args.jeco_bin,
                database_url: args.database_url,
                duration: Duration::from_secs(minutes * 60),
                subscribers: args.subscribers,
                rate: args.rate,
                out: args.out,
            })
            .await?;
            if !ok {
                bail!("the soak did not return to its baseline (see the report)");
            }
            Ok(())
        }
        Command::Run(args) => {
            let members =
                args.members.unwrap_or_else(|| if args.quick { vec![10, 100] } else { vec![10, 100, 1000] });
            let seconds = args.seconds.unwrap_or(if args.quick { 5 } else { 10 });
            if members.is_empty() || members.iter().any(|&m| m == 0 || m > MAX_MEMBERS) {
                bail!("--members must be 1..={MAX_MEMBERS} each");
            }
            if !(1..=10_000).contains(&args.rate) || !(1..=600).contains(&seconds) {
                bail!("--rate must be 1..=10000 and --seconds 1..=600");
            }
            if args.drain_seconds > 120 {
                bail!("--drain-seconds must be at most 120");
            }
            raise_fd_limit(members.iter().copied().max().unwrap_or(0));
            let ok = run::run(run::Options {
                jeco_bin: args.jeco_bin,
                database_url: args.database_url,
                members,
                rate: args.rate,
                seconds,
                drain: Duration::from_secs(args.drain_seconds),
                out: args.out,
                baseline_only: args.baseline_only,
            })
            .await?;
            if !ok {
                bail!("some measurements failed (see the report)");
            }
            Ok(())
        }
    }
}

/// Raises RLIMIT_NOFILE (inherited by the server children): N receivers need ~N fds here
/// and ~N in the server.
fn raise_fd_limit(max_members: usize) {
    let wanted = 65_536;
    match rlimit::increase_nofile_limit(wanted) {
        Ok(got) if got < (max_members as u64) * 2 + 256 => eprintln!(
            "[bench] warning: open-file limit is {got}; {max_members} members may need more (run under `ulimit -n 65536`)"
        ),
        Ok(_) => {}
        Err(e) => eprintln!("[bench] warning: could not raise the open-file limit: {e}"),
    }
}
