//! Reading a file the scan may look at: only a regular file (never through a symbolic link),
//! at most [`MAX_FILE_BYTES`], as UTF-8, into memory that is zeroized when dropped.

use std::io::Read;
use std::path::Path;
use std::time::SystemTime;

use zeroize::Zeroizing;

/// The largest file the scan reads: config files are a few kilobytes; anything larger is not
/// one, and is skipped without being read.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// A file as it was read: its text and what the file system said about it.
pub struct Snapshot {
    /// The text (it may hold keys: zeroized on drop).
    pub text: Zeroizing<String>,
    /// When it was last changed.
    pub modified: Option<SystemTime>,
    /// Its permission bits (Unix), kept by the scrub.
    #[cfg(unix)]
    pub mode: u32,
    /// Its owner and group (Unix), kept by the scrub.
    #[cfg(unix)]
    pub owner: (u32, u32),
    /// How many names the file has (Unix): a rewrite gives this name a new file, and the
    /// others would keep the old text, key and all, so a file with more is not rewritten.
    #[cfg(unix)]
    pub links: u64,
}

impl Snapshot {
    /// Whether the file has other names (hard links) that a rewrite would leave holding the key.
    pub fn has_other_links(&self) -> bool {
        #[cfg(unix)]
        return self.links > 1;
        #[cfg(not(unix))]
        return false;
    }
}

/// Why a file with hard links is not rewritten.
pub const OTHER_LINKS: &str =
    "the file has other names (hard links) that would keep the key; remove the line by hand";

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("bytes", &self.text.len())
            .field("modified", &self.modified)
            .finish_non_exhaustive()
    }
}

/// Why a file was not read. `Missing` is not worth a note; the others are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unread {
    /// There is no such file.
    Missing,
    /// Anything else, said for a person.
    Skipped(String),
}

/// Reads `path` if it is a regular file of at most [`MAX_FILE_BYTES`] that is not a symbolic
/// link. The size is checked before reading, and the read is bounded too (the file may grow).
pub fn read(path: &Path) -> Result<Snapshot, Unread> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Unread::Missing),
        Err(e) => return Err(Unread::Skipped(format!("it could not be read ({e})"))),
    };
    if meta.file_type().is_symlink() {
        return Err(Unread::Skipped(
            "it is a symbolic link; Taskly reads only the file itself".into(),
        ));
    }
    if !meta.is_file() {
        return Err(Unread::Skipped("it is not a regular file".into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(Unread::Skipped(format!(
            "it is larger than 1 MiB ({} bytes); config files are far smaller",
            meta.len()
        )));
    }
    let mut file = open_no_follow(path)
        .map_err(|e| Unread::Skipped(format!("it could not be opened ({e})")))?;
    let mut bytes = Zeroizing::new(Vec::with_capacity(meta.len() as usize));
    (&mut file)
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Unread::Skipped(format!("it could not be read ({e})")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Unread::Skipped(
            "it grew past 1 MiB while being read".into(),
        ));
    }
    let text = match std::str::from_utf8(&bytes) {
        Ok(text) => Zeroizing::new(text.to_owned()),
        Err(_) => return Err(Unread::Skipped("it is not UTF-8 text".into())),
    };
    Ok(Snapshot {
        text,
        modified: meta.modified().ok(),
        #[cfg(unix)]
        mode: std::os::unix::fs::PermissionsExt::mode(&meta.permissions()),
        #[cfg(unix)]
        owner: (
            std::os::unix::fs::MetadataExt::uid(&meta),
            std::os::unix::fs::MetadataExt::gid(&meta),
        ),
        #[cfg(unix)]
        links: std::os::unix::fs::MetadataExt::nlink(&meta),
    })
}

/// Opens for reading without following a symbolic link swapped in after the check.
fn open_no_follow(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(target_os = "linux")]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, 0o400_000); // O_NOFOLLOW
    #[cfg(all(unix, not(target_os = "linux")))]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, 0x0100); // O_NOFOLLOW (BSD, macOS)
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_small_file_and_skips_the_rest() {
        let dir = tempfile::tempdir().expect("temp dir");
        let small = dir.path().join("small");
        std::fs::write(&small, "A=1\n").expect("write");
        assert_eq!(
            read(&small).map(|s| s.text.to_string()).ok(),
            Some("A=1\n".into())
        );

        assert_eq!(
            read(&dir.path().join("absent")).err(),
            Some(Unread::Missing)
        );

        let big = dir.path().join("big");
        let file = std::fs::File::create(&big).expect("create");
        file.set_len(10 * 1024 * 1024).expect("grow");
        let started = std::time::Instant::now();
        assert!(matches!(read(&big), Err(Unread::Skipped(r)) if r.contains("1 MiB")));
        assert!(started.elapsed() < std::time::Duration::from_millis(50));

        assert!(matches!(read(dir.path()), Err(Unread::Skipped(_))));
        std::fs::write(dir.path().join("binary"), [0xff, 0xfe, 0x00]).expect("write");
        assert!(
            matches!(read(&dir.path().join("binary")), Err(Unread::Skipped(r)) if r.contains("UTF-8"))
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_not_followed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("target");
        std::fs::write(&target, "A=1\n").expect("write");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        assert!(matches!(read(&link), Err(Unread::Skipped(r)) if r.contains("symbolic link")));
        assert!(
            open_no_follow(&link).is_err(),
            "O_NOFOLLOW refuses the link"
        );
    }
}
