//! The pasted key left on the clipboard: after a key is saved, if the clipboard still holds it,
//! the app offers to clear it, and clears it by itself after [`AUTO_CLEAR`] unless the clipboard
//! changed meanwhile. The clipboard itself is the shell's (the official Tauri clipboard plugin);
//! this module decides, against the [`Clipboard`] trait, so it is tested without a desktop.
//!
//! The comparison is in memory. The watch holds its own copy of the key (zeroized when the
//! watch ends) for at most [`AUTO_CLEAR`]; nothing of it is logged or sent to the web view.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;
use zeroize::Zeroizing;

use crate::ApiKey;

/// How long a saved key may stay on the clipboard before it is cleared.
pub const AUTO_CLEAR: Duration = Duration::from_secs(60);

/// The system clipboard, as the shell reaches it.
pub trait Clipboard {
    /// Its text, if it holds text.
    fn read_text(&self) -> Option<Zeroizing<String>>;
    /// Empties it; whether that worked.
    fn clear(&self) -> bool;
}

/// What the app tells the person after a save.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ClipboardOffer {
    /// Whether the clipboard still holds the key just saved.
    pub holds_key: bool,
    /// In how many seconds it is cleared by itself (when it holds the key).
    pub clears_in_secs: Option<u32>,
}

/// A key checked against the clipboard before it is handed to the vault; armed once the save
/// succeeded.
pub struct Pending(ApiKey);

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pending([redacted])")
    }
}

struct Watched {
    secret: ApiKey,
    until: Instant,
    generation: u64,
}

/// The one key being watched (the last one saved).
pub struct ClipboardWatch {
    watched: Mutex<Option<Watched>>,
    generation: std::sync::atomic::AtomicU64,
    after: Duration,
}

impl Default for ClipboardWatch {
    fn default() -> Self {
        Self::new(AUTO_CLEAR)
    }
}

impl std::fmt::Debug for ClipboardWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClipboardWatch").finish_non_exhaustive()
    }
}

fn holds(clipboard: &dyn Clipboard, secret: &ApiKey) -> bool {
    clipboard
        .read_text()
        .and_then(|text| ApiKey::parse(&text).ok())
        .is_some_and(|on_clipboard| on_clipboard.same_as(secret))
}

impl ClipboardWatch {
    /// A watch that clears a key left on the clipboard `after` this long (the configuration's
    /// `clipboard_clear`, [`AUTO_CLEAR`] by default).
    pub fn new(after: Duration) -> Self {
        Self {
            watched: Mutex::new(None),
            generation: std::sync::atomic::AtomicU64::new(0),
            after,
        }
    }

    /// How long after a save the key is cleared.
    pub fn after(&self) -> Duration {
        self.after
    }

    /// Before a save: a copy of `secret` to watch if the clipboard holds it now.
    pub fn check(&self, clipboard: &dyn Clipboard, secret: &ApiKey) -> Option<Pending> {
        holds(clipboard, secret).then(|| Pending(secret.duplicate()))
    }

    /// After the save succeeded: watches the key (replacing any earlier one) and returns the
    /// generation the auto-clear timer passes to [`ClipboardWatch::expire`].
    pub fn arm(&self, pending: Pending) -> u64 {
        let generation = self
            .generation
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        *self.lock() = Some(Watched {
            secret: pending.0,
            until: Instant::now() + self.after,
            generation,
        });
        generation
    }

    /// What to tell the person: whether the clipboard still holds the watched key, and when it
    /// is cleared. A clipboard that changed ends the watch.
    pub fn offer(&self, clipboard: &dyn Clipboard) -> ClipboardOffer {
        let mut watched = self.lock();
        let Some(w) = watched.as_ref() else {
            return ClipboardOffer {
                holds_key: false,
                clears_in_secs: None,
            };
        };
        if !holds(clipboard, &w.secret) {
            *watched = None;
            return ClipboardOffer {
                holds_key: false,
                clears_in_secs: None,
            };
        }
        let left = w.until.saturating_duration_since(Instant::now()).as_secs();
        ClipboardOffer {
            holds_key: true,
            clears_in_secs: Some(u32::try_from(left).unwrap_or(u32::MAX)),
        }
    }

    /// Clears the clipboard now if it still holds the watched key; ends the watch. Whether it
    /// cleared.
    pub fn clear_now(&self, clipboard: &dyn Clipboard) -> bool {
        let Some(w) = self.lock().take() else {
            return false;
        };
        holds(clipboard, &w.secret) && clipboard.clear()
    }

    /// The auto-clear, [`ClipboardWatch::after`] after [`ClipboardWatch::arm`]: clears the clipboard if the
    /// watch of `generation` is still on and the clipboard still holds its key. Whether it
    /// cleared.
    pub fn expire(&self, clipboard: &dyn Clipboard, generation: u64) -> bool {
        let mut watched = self.lock();
        if watched.as_ref().is_none_or(|w| w.generation != generation) {
            return false;
        }
        let Some(w) = watched.take() else {
            return false;
        };
        let cleared = holds(clipboard, &w.secret) && clipboard.clear();
        if cleared {
            tracing::info!("a saved key was still on the clipboard; cleared it");
        }
        cleared
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Watched>> {
        self.watched
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[derive(Default)]
    struct Fake(RefCell<Option<String>>);

    impl Clipboard for Fake {
        fn read_text(&self) -> Option<Zeroizing<String>> {
            self.0.borrow().clone().map(Zeroizing::new)
        }
        fn clear(&self) -> bool {
            *self.0.borrow_mut() = None;
            true
        }
    }

    const KEY: &str = "sk-proj-OnTheClipboard0123456789abcdefGh";

    fn key() -> ApiKey {
        ApiKey::parse(KEY).expect("key")
    }

    #[test]
    fn offers_and_clears_only_the_key_just_saved() {
        let clip = Fake(RefCell::new(Some(format!("  {KEY}\n"))));
        let watch = ClipboardWatch::default();
        let pending = watch
            .check(&clip, &key())
            .expect("the clipboard holds the key");
        watch.arm(pending);
        let offer = watch.offer(&clip);
        assert!(offer.holds_key);
        assert!(offer.clears_in_secs.is_some_and(|s| (58..=60).contains(&s)));
        assert!(watch.clear_now(&clip));
        assert_eq!(*clip.0.borrow(), None);
        assert!(!watch.offer(&clip).holds_key);
    }

    #[test]
    fn a_changed_clipboard_is_left_alone() {
        let clip = Fake(RefCell::new(Some(KEY.into())));
        let watch = ClipboardWatch::default();
        let generation = watch.arm(watch.check(&clip, &key()).expect("holds"));
        *clip.0.borrow_mut() = Some("something the person copied since".into());
        assert!(!watch.expire(&clip, generation));
        assert_eq!(
            clip.0.borrow().as_deref(),
            Some("something the person copied since")
        );
    }

    #[test]
    fn the_timer_clears_a_key_still_there_but_not_after_a_newer_save() {
        let clip = Fake(RefCell::new(Some(KEY.into())));
        let watch = ClipboardWatch::default();
        let first = watch.arm(watch.check(&clip, &key()).expect("holds"));
        let second = watch.arm(watch.check(&clip, &key()).expect("holds"));
        assert!(
            !watch.expire(&clip, first),
            "a newer save has its own timer"
        );
        assert!(watch.expire(&clip, second));
        assert_eq!(*clip.0.borrow(), None);
    }

    #[test]
    fn nothing_is_watched_when_the_clipboard_holds_something_else() {
        let clip = Fake(RefCell::new(Some("hello".into())));
        let watch = ClipboardWatch::default();
        assert!(watch.check(&clip, &key()).is_none());
        assert!(Fake::default().read_text().is_none());
    }
}
