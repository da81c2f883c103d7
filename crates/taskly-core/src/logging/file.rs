//! A daily log file in the data folder that only the user can read (`0600`, set explicitly).
//!
//! `tracing-appender`'s rolling writer creates its files with the process's umask (usually
//! `0644`), so a log, which names keys, providers and errors, would be readable by every local
//! user wherever the folder's own mode is looser. This writer opens each day's file with mode
//! `0600`, sets that mode again after opening (the umask only ever removes bits, but a file left
//! by an older build may be wider), keeps the newest `keep` files and deletes older ones.
//! Files are named like `tracing-appender`'s: `<prefix>.<YYYY-MM-DD>.log` (UTC dates).

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::Result;

/// A `Write` for `tracing_appender::non_blocking`: appends to today's private log file.
#[derive(Debug)]
pub struct PrivateLogFile {
    dir: PathBuf,
    prefix: String,
    keep: usize,
    current: Option<(String, File)>,
}

impl PrivateLogFile {
    /// Creates `dir` privately (see `private_files::create_private_dir`) and opens today's file.
    pub fn new(dir: &Path, prefix: &str, keep: usize) -> Result<Self> {
        crate::private_files::create_private_dir(dir)?;
        let mut log = Self {
            dir: dir.to_path_buf(),
            prefix: prefix.to_owned(),
            keep: keep.max(1),
            current: None,
        };
        log.today().map_err(|e| crate::Error::DataDir {
            path: dir.display().to_string(),
            detail: e.to_string(),
        })?;
        Ok(log)
    }

    /// The file written today.
    pub fn path_for_today(&self) -> PathBuf {
        self.dir.join(self.file_name(&today()))
    }

    fn file_name(&self, date: &str) -> String {
        format!("{}.{date}.log", self.prefix)
    }

    fn today(&mut self) -> io::Result<&mut File> {
        let date = today();
        if self.current.as_ref().is_none_or(|(d, _)| *d != date) {
            let path = self.dir.join(self.file_name(&date));
            let file = open_private(&path)?;
            self.current = Some((date, file));
            self.prune();
        }
        match &mut self.current {
            Some((_, file)) => Ok(file),
            None => Err(io::Error::other("no log file")),
        }
    }

    /// Deletes our own log files beyond the newest `keep` (names sort by date).
    fn prune(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let start = format!("{}.", self.prefix);
        let mut ours: Vec<String> = entries
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.starts_with(&start) && n.ends_with(".log"))
            .collect();
        ours.sort();
        let excess = ours.len().saturating_sub(self.keep);
        for name in ours.into_iter().take(excess) {
            let _ = std::fs::remove_file(self.dir.join(name));
        }
    }
}

impl Write for PrivateLogFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.today()?.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.current {
            Some((_, file)) => file.flush(),
            None => Ok(()),
        }
    }
}

fn open_private(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if file.metadata()?.permissions().mode() & 0o777 != 0o600 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(file)
}

fn today() -> String {
    let date = time::OffsetDateTime::now_utc().date();
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_files_and_writes_privately() {
        let dir = tempfile::tempdir().expect("dir");
        let logs = dir.path().join("logs");
        std::fs::create_dir(&logs).expect("mkdir");
        for day in ["2020-01-01", "2020-01-02", "2020-01-03"] {
            std::fs::write(logs.join(format!("app.{day}.log")), "old").expect("write");
        }
        std::fs::write(logs.join("other.2020-01-01.log"), "not ours").expect("write");
        let mut log = PrivateLogFile::new(&logs, "app", 2).expect("open");
        log.write_all(b"hello\n").expect("write");
        log.flush().expect("flush");
        let mut names: Vec<String> = std::fs::read_dir(&logs)
            .expect("list")
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        names.sort();
        assert_eq!(
            names,
            vec![
                "app.2020-01-03.log".to_owned(),
                format!("app.{}.log", today()),
                "other.2020-01-01.log".to_owned()
            ]
        );
        let text = std::fs::read_to_string(log.path_for_today()).expect("read");
        assert_eq!(text, "hello\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(log.path_for_today())
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
