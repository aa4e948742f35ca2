//! `vodstudio presets list | show NAME | import FILE [--name N]`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;
use vodstudio::presets::{self, GroupSummary, Preset, PresetSource};

use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// List the built-in and imported presets.
    List,
    /// Print a preset as the MediaConvert console exports it.
    Show {
        /// Preset name (or a path to a template JSON file).
        name: String,
    },
    /// Import a MediaConvert job template (or a job's JSON) as a preset.
    Import {
        /// The console's "Export JSON", or `aws mediaconvert get-job-template` / `get-job` output.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Name of the new preset (default: the template's Name, else the file's name).
        #[arg(long)]
        name: Option<String>,
    },
}

/// One preset in `--json` listings.
#[derive(Serialize)]
struct Entry<'a> {
    name: &'a str,
    description: Option<&'a str>,
    category: Option<&'a str>,
    source: &'a PresetSource,
    groups: Vec<GroupSummary>,
}

impl<'a> Entry<'a> {
    fn of(p: &'a Preset) -> Self {
        Entry {
            name: &p.name,
            description: p.description.as_deref(),
            category: p.category.as_deref(),
            source: &p.source,
            groups: p.groups(),
        }
    }
}

pub async fn run(args: Args, json: bool, data_dir: PathBuf) -> anyhow::Result<ExitCode> {
    match args.action {
        Action::List => {
            let list = presets::list(&data_dir)?;
            if json {
                output::print_json(&list.iter().map(Entry::of).collect::<Vec<_>>())?;
            } else {
                print!("{}", table(&list, &data_dir));
            }
        }
        Action::Show { name } => {
            output::print_json(&presets::load(&data_dir, &name)?.to_console_json())?;
        }
        Action::Import { file, name } => {
            let preset = presets::import(&data_dir, &file, name.as_deref())?;
            if json {
                output::print_json(&Entry::of(&preset))?;
            } else {
                let shadows = presets::builtin().iter().any(|b| b.name == preset.name);
                println!(
                    "imported preset {} ({}){}\n  outputs: {}",
                    preset.name,
                    source(&preset.source, &data_dir),
                    if shadows {
                        "; it replaces the built-in preset of that name"
                    } else {
                        ""
                    },
                    outputs(&preset)
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn source(source: &PresetSource, data_dir: &Path) -> String {
    match source {
        PresetSource::Builtin => "built-in".into(),
        PresetSource::User(path) => path
            .strip_prefix(data_dir)
            .unwrap_or(path)
            .display()
            .to_string(),
    }
}

/// `hls: 4 HLS · mp4: 1 FILE`
fn outputs(p: &Preset) -> String {
    p.groups()
        .iter()
        .map(|g| {
            let kind = g
                .group_type
                .trim_end_matches("_GROUP_SETTINGS")
                .replace("_ISO", "");
            format!("{} {} ×{}", g.name, kind, g.outputs)
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

fn table(list: &[Preset], data_dir: &Path) -> String {
    let rows: Vec<[String; 4]> = list
        .iter()
        .map(|p| {
            [
                p.name.clone(),
                source(&p.source, data_dir),
                outputs(p),
                p.description.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let header = ["NAME", "FROM", "OUTPUTS", "FOR"].map(String::from);
    let width = |i: usize| {
        rows.iter()
            .chain([&header])
            .map(|r| r[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2) = (width(0), width(1), width(2));
    let mut out = String::new();
    for r in [&header].into_iter().chain(rows.iter()) {
        let line = format!("{:<w0$}  {:<w1$}  {:<w2$}  {}", r[0], r[1], r[2], r[3]);
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
