//! Desktop notifications through the freedesktop notification service (notify-rust over D-Bus).

use super::runner::Notifier;

/// Notifies on the desktop session's bus; silent where there is none (SSH, CI, headless).
pub struct DesktopNotifier {
    enabled: bool,
}

impl DesktopNotifier {
    /// Enabled when asked and a session bus is there to carry it.
    pub fn new(wanted: bool) -> Self {
        let has_bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty());
        Self { enabled: wanted && has_bus }
    }
}

impl Notifier for DesktopNotifier {
    fn notify(&self, title: &str, body: &str) {
        if !self.enabled {
            return;
        }
        let (title, body) = (title.to_owned(), body.to_owned());
        // `show()` blocks with no timeout if the notification daemon hangs: never on the
        // caller's path, on a thread of its own that may outlive the call.
        std::thread::spawn(move || {
            if let Err(e) = notify_rust::Notification::new().appname("vodstudio").summary(&title).body(&body).show() {
                tracing::debug!("no desktop notification: {e}");
            }
        });
    }
}
