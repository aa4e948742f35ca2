//! Opt-in startup timing for `scripts/bench-app.sh`. With `VODSTUDIO_STARTUP_PROBE=1`, the first
//! call of each command from the window prints `startup-probe: <command> <ms> ms` on stderr: the
//! time since `run` started. The UI makes its first calls from `onMount`, right after its first
//! render, so the first line marks the window turning interactive. Off, it costs one `OnceLock`
//! read per command.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// The environment variable that turns the probe on (value `1`).
pub const ENV: &str = "VODSTUDIO_STARTUP_PROBE";

struct Probe {
    start: Instant,
    seen: Mutex<HashSet<String>>,
}

static PROBE: OnceLock<Probe> = OnceLock::new();

/// Starts the clock if the probe is on; call first thing in `run`.
pub fn start() {
    if std::env::var_os(ENV).is_some_and(|v| v == "1") {
        let _ = PROBE.set(Probe {
            start: Instant::now(),
            seen: Mutex::default(),
        });
    }
}

/// Notes that the window called `command`; prints the first call of each.
pub fn command(command: &str) {
    let Some(probe) = PROBE.get() else { return };
    let first = probe
        .seen
        .lock()
        .map(|mut seen| seen.insert(command.to_owned()))
        .unwrap_or(false);
    if first {
        eprintln!(
            "startup-probe: {command} {:.1} ms",
            probe.start.elapsed().as_secs_f64() * 1e3
        );
    }
}
