//! Runs the local MediaConvert engine on one file, for benchmarks and manual checks:
//! `cargo run --release --example engine -- <settings.json> <input> <output_root>`.
//! Prints progress to stderr and the outputs report as JSON on stdout.

use std::path::PathBuf;

use anyhow::Context;
use tokio_util::sync::CancellationToken;
use vodstudio::local::mediaconvert::{plan_job, run_job};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [settings, input, output_root] = args.as_slice() else {
        anyhow::bail!("usage: engine <settings.json> <input> <output_root>");
    };
    let text = std::fs::read_to_string(settings).with_context(|| format!("reading {settings}"))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {settings}"))?;
    let plan = plan_job(&json, &PathBuf::from(input), &PathBuf::from(output_root))?;

    let cancel = CancellationToken::new();
    let on_ctrl_c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
        }
    });
    let outputs = run_job(&plan, |p| eprint!("\r{:5.1}%", p.percent), cancel).await?;
    eprintln!();
    println!("{}", serde_json::to_string_pretty(&outputs)?);
    Ok(())
}
