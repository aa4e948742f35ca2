//! Shared output helpers: one-line errors, JSON printing, human formatting of sizes and times.

use std::process::ExitCode;

/// Prints `error: <message>` on stderr and returns the failure exit code.
pub fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

/// Prints a value as pretty JSON on stdout. When the reader has gone (`vodstudio status --json |
/// head`), exits quietly as Unix tools do on SIGPIPE, instead of panicking in `println!`.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    use std::io::Write;
    let text = serde_json::to_string_pretty(value)?;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        other => Ok(other?),
    }
}

/// `1.2 GB`, `45.3 MB`, `812 kB`, `12 B` (decimal units, as file managers show them).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit < UNITS.len() - 1 {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// `1:02:03.4`, `2:05.0`, `0:07.5`.
pub fn duration(s: f64) -> String {
    let tenths = (s * 10.0).round() as u64;
    let (h, m, sec, t) = (
        tenths / 36_000,
        (tenths / 600) % 60,
        (tenths / 10) % 60,
        tenths % 10,
    );
    if h > 0 {
        format!("{h}:{m:02}:{sec:02}.{t}")
    } else {
        format!("{m}:{sec:02}.{t}")
    }
}

/// `4.3 Mb/s`, `128 kb/s`.
pub fn bitrate(bps: u64) -> String {
    if bps >= 1_000_000 {
        format!("{:.1} Mb/s", bps as f64 / 1e6)
    } else {
        format!("{} kb/s", bps / 1000)
    }
}
