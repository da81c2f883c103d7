//! The Taskly Desktop executable: everything is in the library (`lib.rs`).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    taskly_desktop_lib::run();
}
