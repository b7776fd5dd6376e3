//! Reading and writing suite files without following anything that is not a regular file.
//!
//! Only regular files are fixtures. A FIFO opened for reading blocks until a writer comes (a run
//! that never ends), a symbolic link can point anywhere (a fixture read from, or a generated one
//! written to, outside its folder): both are refused, by type, before anything is opened, and the
//! file is opened without following a link and without blocking, so a file swapped in between
//! is refused too.

use std::fs::{File, FileType, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;

/// What a file that is not a regular file is, in words: `a FIFO (named pipe)`.
pub fn kind_of(file_type: &FileType) -> &'static str {
    if file_type.is_symlink() {
        return "a symbolic link";
    }
    if file_type.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return "a device";
        }
    }
    if file_type.is_file() {
        return "a regular file";
    }
    "not a regular file"
}

fn not_regular(file_type: &FileType) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("it is {}, not a regular file", kind_of(file_type)),
    )
}

/// Fails unless `path` is a regular file itself (not a link to one); `NotFound` passes through.
pub fn check_regular(path: &Path) -> io::Result<()> {
    let file_type = std::fs::symlink_metadata(path)?.file_type();
    if file_type.is_file() {
        Ok(())
    } else {
        Err(not_regular(&file_type))
    }
}

/// Options that never follow a final symbolic link and never block on a FIFO.
fn no_follow(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    options
}

fn opened_regular(file: File) -> io::Result<File> {
    let file_type = file.metadata()?.file_type();
    if file_type.is_file() {
        Ok(file)
    } else {
        Err(not_regular(&file_type))
    }
}

/// Reads a regular file; a symbolic link, FIFO, socket, device or folder is an error that says
/// what it is.
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    check_regular(path)?;
    let mut file = opened_regular(no_follow(OpenOptions::new().read(true)).open(path)?)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// [`read_regular`], with `None` when nothing is at `path`.
pub fn read_optional_regular(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match read_regular(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Writes `bytes` to `path`, creating or replacing the contents of a regular file; refuses to
/// write through a symbolic link or into a FIFO, socket or device.
pub fn write_regular(path: &Path, bytes: &[u8]) -> io::Result<()> {
    match check_regular(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut file =
        opened_regular(no_follow(OpenOptions::new().write(true).create(true)).open(path)?)?;
    file.set_len(0)?;
    file.write_all(bytes)?;
    Ok(())
}

/// Creates the folder `path` inside an existing folder, or accepts it when it is already a
/// folder; refuses a symbolic link (to a folder or not) in its place.
pub fn create_dir_here(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_dir() => Ok(()),
        Ok(meta) => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is {}, not a folder: nothing is written through it",
                path.display(),
                kind_of(&meta.file_type())
            ),
        )),
        Err(e) if e.kind() == io::ErrorKind::NotFound => match std::fs::create_dir(path) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => create_dir_here(path),
            other => other,
        },
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("sigv4-files-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn only_regular_files_are_read_or_written() {
        let dir = temp("regular");
        let file = dir.join("a.txt");
        std::fs::write(&file, b"a").unwrap();
        assert_eq!(read_regular(&file).unwrap(), b"a");
        assert_eq!(read_optional_regular(&dir.join("none")).unwrap(), None);
        let folder = read_regular(&dir).unwrap_err().to_string();
        assert!(folder.contains("a folder"), "{folder}");
        #[cfg(unix)]
        {
            let link = dir.join("link.txt");
            std::os::unix::fs::symlink(&file, &link).unwrap();
            let e = read_regular(&link).unwrap_err().to_string();
            assert!(e.contains("a symbolic link"), "{e}");
            let e = write_regular(&link, b"b").unwrap_err().to_string();
            assert!(e.contains("a symbolic link"), "{e}");
            assert_eq!(
                std::fs::read(&file).unwrap(),
                b"a",
                "the target is untouched"
            );
            let fifo = dir.join("fifo.txt");
            let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
            assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
            let e = read_regular(&fifo).unwrap_err().to_string();
            assert!(e.contains("a FIFO"), "{e}");
            let e = write_regular(&fifo, b"b").unwrap_err().to_string();
            assert!(e.contains("a FIFO"), "{e}");
            let e = create_dir_here(&link).unwrap_err().to_string();
            assert!(e.contains("a symbolic link"), "{e}");
        }
        write_regular(&file, b"shorter? no, longer").unwrap();
        write_regular(&file, b"b").unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"b");
        create_dir_here(&dir.join("sub")).unwrap();
        create_dir_here(&dir.join("sub")).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
