//! Closing the window while videos are on their way asks what to do: keep working in the tray
//! (whose menu shows the window again or quits) or quit — which stops the queue cleanly (uploads
//! pause at a part boundary, jobs keep running and are tracked on the next start). Where the
//! desktop has no tray, the choice is quit or keep the window. With nothing in flight, closing
//! quits. Asking, rather than always hiding, also covers desktops that accept a tray icon but
//! never show it (GNOME without an AppIndicator extension): a hidden window there is lost.

use tauri::menu::{Menu, MenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use std::sync::atomic::Ordering;

use tauri::{App, AppHandle, Manager, Runtime, Window, WindowEvent};
use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};

use crate::state::AppState;

/// Id of our one tray icon.
const TRAY_ID: &str = "main";

/// Adds the tray icon. An error means there is no tray: the caller goes on without one.
pub fn install<R: Runtime>(app: &App<R>) -> tauri::Result<()> {
    let show = MenuItem::with_id(app, "show", "Show vodstudio", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit (uploads pause, jobs keep running)", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&show, &quit])?;
    let mut tray = TrayIconBuilder::with_id(TRAY_ID).tooltip("vodstudio").menu(&menu).show_menu_on_left_click(false);
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.on_menu_event(|app, event| match event.id().as_ref() {
        "show" => show_main(app),
        "quit" => app.exit(0),
        _ => {}
    })
    .on_tray_icon_event(|tray, event| {
        if let TrayIconEvent::Click { button: MouseButton::Left, button_state: MouseButtonState::Up, .. } = event {
            show_main(tray.app_handle());
        }
    })
    .build(app)?;
    Ok(())
}

fn show_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

/// Asks before the main window closes while videos are on their way (see the module docs).
pub fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else { return };
    let app = window.app_handle();
    let state = app.state::<AppState>();
    if window.label() != "main" || state.shutting_down.load(Ordering::SeqCst) {
        return;
    }
    let in_flight = state.store.active_asset_count().unwrap_or_else(|e| {
        tracing::warn!("cannot read the queue ({e}): asking before closing");
        u64::MAX
    });
    if in_flight == 0 {
        return;
    }
    api.prevent_close();
    let what = match in_flight {
        1 => "A video is still on its way (probing, uploading or transcoding).".to_owned(),
        u64::MAX => "Videos may still be on their way.".to_owned(),
        n => format!("{n} videos are still on their way (probing, uploading or transcoding)."),
    };
    let has_tray = app.tray_by_id(TRAY_ID).is_some();
    let (message, ok, cancel) = if has_tray {
        (
            format!("{what}\n\nvodstudio can keep working from the tray, or quit now: uploads pause and resume next time, transcoding jobs keep running."),
            "Keep working in the tray",
            "Quit",
        )
    } else {
        (
            format!("{what}\n\nQuit now? Uploads pause and resume next time; transcoding jobs keep running."),
            "Quit",
            "Keep the window open",
        )
    };
    let window = window.clone();
    app.dialog()
        .message(message)
        .title("Close vodstudio?")
        .kind(MessageDialogKind::Info)
        .buttons(MessageDialogButtons::OkCancelCustom(ok.into(), cancel.into()))
        .show(move |first| match (has_tray, first) {
            (true, true) => {
                if let Err(e) = window.hide() {
                    tracing::warn!("could not hide the window: {e}");
                }
            }
            (true, false) | (false, true) => window.app_handle().exit(0),
            (false, false) => {}
        });
}
