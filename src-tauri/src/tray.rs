//! Closing the window while the queue runs hides it to a tray icon and keeps working; the tray's
//! menu shows the window again or quits (which stops the queue cleanly). Where the desktop has
//! no tray (no StatusNotifier/AppIndicator host), closing the window quits, as it would anyway.

use tauri::menu::{Menu, MenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{App, AppHandle, Manager, Runtime, Window, WindowEvent};

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

/// Hides the main window instead of closing it when there is a tray to bring it back from.
pub fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    if let WindowEvent::CloseRequested { api, .. } = event {
        if window.label() == "main" && window.app_handle().tray_by_id(TRAY_ID).is_some() {
            api.prevent_close();
            if let Err(e) = window.hide() {
                tracing::warn!("could not hide the window: {e}");
            }
        }
    }
}
