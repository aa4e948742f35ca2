//! The queue's live feed to the window: every tick, the assets that changed since the last one
//! (database writes from this or another process, plus the runner's upload rates) in one event.
//! Batching here keeps IPC and UI work proportional to what changed, not to the library's size.

use std::collections::HashMap;
use std::time::Duration;

use tauri::{AppHandle, Runtime};
use tauri_specta::Event as _;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use vodstudio::queue::{AssetRecord, AssetUpload, Store};

use crate::models::{AssetView, QueueChanged, UploadRate};

/// How often the feed looks at the queue: as often as the CLI redraws its bars.
const FEED_INTERVAL: Duration = Duration::from_millis(250);

/// What the window was last told, to send only differences.
#[derive(Debug, Default)]
pub struct FeedState {
    /// Per asset: its last update time and the rate last sent.
    sent: HashMap<String, (i64, Option<UploadRate>)>,
}

impl FeedState {
    /// The change between what was sent and `assets` with `rates`; remembers it as sent.
    pub fn diff(&mut self, assets: Vec<AssetRecord>, rates: &HashMap<String, UploadRate>) -> QueueChanged {
        let mut changed = Vec::new();
        let mut present = HashMap::with_capacity(assets.len());
        for asset in assets {
            let rate = rates.get(&asset.id).cloned();
            let view = AssetView::new(asset, rate);
            let key = (view.asset.updated_at_ms, view.upload.clone());
            if self.sent.get(&view.asset.id) != Some(&key) {
                changed.push(view.clone());
            }
            present.insert(view.asset.id, key);
        }
        let removed = self.sent.keys().filter(|id| !present.contains_key(*id)).cloned().collect();
        self.sent = present;
        QueueChanged { assets: changed, removed }
    }
}

/// Emits [`QueueChanged`] until `stop`, with upload rates from `uploads` when this process runs
/// the queue.
pub async fn run<R: Runtime>(
    app: AppHandle<R>,
    store: Store,
    mut uploads: Option<broadcast::Receiver<AssetUpload>>,
    stop: CancellationToken,
) {
    let mut state = FeedState::default();
    let mut rates: HashMap<String, UploadRate> = HashMap::new();
    loop {
        if let Some(rx) = uploads.as_mut() {
            loop {
                match rx.try_recv() {
                    Ok(u) => {
                        let rate = UploadRate { rate_bytes_per_s: u.progress.rate_bytes_per_s, eta_s: u.progress.eta_s };
                        rates.insert(u.asset_id, rate);
                    }
                    // Fell behind: newer snapshots follow in the channel.
                    Err(broadcast::error::TryRecvError::Lagged(_)) => {}
                    Err(_) => break,
                }
            }
        }
        let read = store.clone();
        match tokio::task::spawn_blocking(move || read.assets()).await {
            Ok(Ok(assets)) => {
                rates.retain(|id, _| assets.iter().any(|a| &a.id == id));
                let change = state.diff(assets, &rates);
                if !change.assets.is_empty() || !change.removed.is_empty() {
                    if let Err(e) = change.emit(&app) {
                        tracing::warn!("queue update not delivered to the window: {e}");
                    }
                }
            }
            Ok(Err(e)) => tracing::warn!("queue feed: {e}"),
            Err(e) => tracing::warn!("queue feed worker: {e}"),
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(FEED_INTERVAL) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vodstudio::queue::NewAsset;

    #[test]
    fn sends_only_what_changed_and_what_went() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let add = |path: &str| {
            let new = NewAsset {
                source_path: path.into(),
                source_name: "a.mov".into(),
                size_bytes: 10,
                mtime_ns: 0,
                preset: "p".into(),
            };
            store.add_asset(&new).unwrap().0
        };
        let (a, b) = (add("/a.mov"), add("/b.mov"));
        let mut feed = FeedState::default();
        let none = HashMap::new();
        assert_eq!(feed.diff(store.assets().unwrap(), &none).assets.len(), 2);
        assert!(feed.diff(store.assets().unwrap(), &none).assets.is_empty(), "nothing changed");

        std::thread::sleep(Duration::from_millis(2));
        store.set_asset_canceled(&a.id).unwrap();
        let change = feed.diff(store.assets().unwrap(), &none);
        assert_eq!(change.assets.iter().map(|v| v.asset.id.as_str()).collect::<Vec<_>>(), [a.id.as_str()]);

        store.remove_asset(&b.id).unwrap();
        let change = feed.diff(store.assets().unwrap(), &none);
        assert_eq!(change.removed, std::slice::from_ref(&b.id));
        assert!(change.assets.is_empty());
    }
}
