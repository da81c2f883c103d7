//! Files and folders only the user can read: the data folder (`0700`), the database and its
//! sidecars, and the logs (`0600`), whatever the process's umask.

use std::path::Path;

use crate::{Error, Result};

/// Creates `dir` (and parents) readable by the user only, and makes an existing `dir` private.
///
/// The mode is set explicitly after creating, so the process's umask plays no part. An existing
/// folder that others can read or enter is tightened to `0700` (with a warning in the log) rather
/// than refused: the folder is Taskly's own, a wider mode there comes from an older build, a
/// copy or a restore, and tightening only takes access away from other users, never from the
/// user. A folder that is shared on purpose (sticky bit, like `/tmp`), or that we cannot
/// change (another user's), is refused instead: tightening it would break it for others.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    let fail = |e: std::io::Error| Error::DataDir {
        path: dir.display().to_string(),
        detail: e.to_string(),
    };
    let existed = dir.is_dir();
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir).map_err(fail)?.permissions().mode();
        if mode & 0o077 != 0 {
            if mode & 0o1000 != 0 {
                return Err(Error::DataDir {
                    path: dir.display().to_string(),
                    detail: "it is a folder shared with other users (sticky bit); choose a \
                             private folder"
                        .into(),
                });
            }
            // Only group and other bits go: the user's own bits are theirs to set.
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode & 0o700)).map_err(
                |e| Error::DataDir {
                    path: dir.display().to_string(),
                    detail: format!(
                        "other users can open it ({:o}) and it could not be made private: {e}",
                        mode & 0o777
                    ),
                },
            )?;
            if existed {
                tracing::warn!(
                    folder = %dir.display(),
                    was = format_args!("{:o}", mode & 0o777),
                    "the data folder was readable by other users; made it private (0700)"
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = existed;
    Ok(())
}

/// Creates `path` if needed and makes it readable and writable by the user only (`0600`, set
/// explicitly so the umask plays no part; a wider existing file is tightened and logged).
/// Never truncates or writes: an existing database is left byte for byte as it was.
pub fn create_private_file(path: &Path) -> Result<()> {
    let fail = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
            unwritable(path, &e.to_string())
        }
        _ => Error::DataDir {
            path: path.display().to_string(),
            detail: e.to_string(),
        },
    };
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path).map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file.metadata().map_err(fail)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(mode & 0o600))
                .map_err(fail)?;
            tracing::warn!(file = %path.display(), was = format_args!("{mode:o}"), "a data file was readable by other users; made it private (0600)");
        }
    }
    drop(file);
    Ok(())
}

/// Makes an existing file private (`0600`); a missing one is fine.
pub(crate) fn tighten_file(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = std::fs::symlink_metadata(path) else {
            return Ok(());
        };
        let mode = meta.permissions().mode() & 0o777;
        if meta.is_file() && mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o600)).map_err(
                |e| Error::DataDir {
                    path: path.display().to_string(),
                    detail: e.to_string(),
                },
            )?;
            tracing::warn!(file = %path.display(), was = format_args!("{mode:o}"), "a data file was readable by other users; made it private (0600)");
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// The folder (not the file) is what the user has to fix, so the error names the folder.
pub(crate) fn unwritable(path: &Path, detail: &str) -> Error {
    let folder = path.parent().unwrap_or(path);
    Error::DataDir {
        path: folder.display().to_string(),
        detail: format!("Taskly cannot write its database there ({detail})"),
    }
}

/// Opens (creating, private) a lock file: the sign-in's cross-process lock. Its content is
/// never read or written; only the OS lock on it matters.
pub(crate) fn open_private_for_lock(path: &Path) -> Result<std::fs::File> {
    create_private_file(path)?;
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| Error::DataDir {
            path: path.display().to_string(),
            detail: e.to_string(),
        })
}
