//! Where a module's bytes come from: WAT text or a binary, a file read with
//! care (regular files only, size-capped), and what the bytes say before any
//! engine sees them (whether they have code, where they are invalid).

use crate::error::{Error, Result};
use std::borrow::Cow;
use std::path::Path;
use wasmparser::Payload;

/// Converts WAT text to a wasm binary (5000 on a syntax error); binary
/// input passes through untouched.
pub fn wat2wasm(source: &[u8]) -> Result<Vec<u8>> {
    to_binary(source.into(), None).map(Cow::into_owned)
}

/// Largest module `compile_file` reads unless the runtime says otherwise.
pub const DEFAULT_MAX_MODULE_BYTES: u64 = 1 << 30;

/// What a file that is not a regular file is, for the error naming it.
fn kind_of(ty: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ty.is_fifo() {
            return "a FIFO";
        }
        if ty.is_char_device() {
            return "a character device";
        }
        if ty.is_block_device() {
            return "a block device";
        }
        if ty.is_socket() {
            return "a socket";
        }
    }
    if ty.is_dir() {
        "a directory"
    } else if ty.is_symlink() {
        "a symbolic link"
    } else {
        "a special file"
    }
}

/// Reads a module from a file the policy opened: only a regular file, and
/// at most `max` bytes, since a FIFO would block, a device never end and a
/// huge file exhaust memory.
pub(crate) fn read_source(
    file: &std::fs::File,
    path: &std::path::Path,
    max: u64,
) -> Result<Vec<u8>> {
    use std::io::{self, Read, Seek};
    let fail = |source: io::Error| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let too_big = || {
        fail(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("larger than the maximum module size ({max} bytes, `maxModuleBytes`)"),
        ))
    };
    let meta = file.metadata().map_err(fail)?;
    let ty = meta.file_type();
    if !ty.is_file() {
        let kind = if ty.is_dir() {
            io::ErrorKind::IsADirectory
        } else {
            io::ErrorKind::InvalidInput
        };
        let what = kind_of(ty);
        return Err(fail(io::Error::new(
            kind,
            format!("{what}, not a regular file; only regular files are compiled"),
        )));
    }
    if meta.len() > max {
        return Err(too_big());
    }
    // From the start, whatever was read of it before.
    let mut file = file;
    file.seek(io::SeekFrom::Start(0)).map_err(fail)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // The file may grow after the size check: read one byte past the cap
    // at most, to tell.
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(fail)?;
    if bytes.len() as u64 > max {
        return Err(too_big());
    }
    Ok(bytes)
}

/// Turns WAT text into binary; binary input passes through untouched.
/// `name` (a file's path) is what messages call the input, and WAT errors
/// then say `name:line:column`. Input that is neither is refused saying
/// why: not UTF-8, or text that does not open with `(` (past whitespace
/// and comments), with the line where it starts.
pub(crate) fn to_binary<'a>(source: Cow<'a, [u8]>, name: Option<&Path>) -> Result<Cow<'a, [u8]>> {
    if source.starts_with(b"\0asm") {
        return Ok(source);
    }
    let neither = |why: String, offset: Option<usize>| {
        let subject = name.map_or("input".to_string(), |p| format!("`{}`", p.display()));
        Error::Compile {
            message: format!(
                "{subject} is neither a wasm binary (it does not start with the \\0asm magic) nor WAT text ({why})"
            ),
            offset,
        }
    };
    let text =
        std::str::from_utf8(&source).map_err(|_| neither("it is not UTF-8".into(), Some(0)))?;
    if let Some((line, rest)) = wat_start(text) {
        if !rest.starts_with('(') {
            let head: String = rest.chars().take(12).collect();
            return Err(neither(
                format!("line {line} starts with {head:?}, not \"(\""),
                None,
            ));
        }
    }
    wat::parse_str(text).map(Into::into).map_err(|mut e| {
        if let Some(path) = name {
            e.set_path(path);
        }
        Error::Compile {
            message: e.to_string(),
            offset: None,
        }
    })
}

/// Where WAT text begins past whitespace, `;;` line comments and nested
/// `(; ;)` block comments: its line (from 1) and the text from there;
/// `None` when there is nothing else.
fn wat_start(text: &str) -> Option<(usize, &str)> {
    let mut rest = text;
    loop {
        let trimmed = rest.trim_start();
        if let Some(after) = trimmed.strip_prefix(";;") {
            rest = after.find('\n').map_or("", |nl| &after[nl + 1..]);
        } else if trimmed.starts_with("(;") {
            let mut depth = 0usize;
            let mut at = 0;
            let bytes = trimmed.as_bytes();
            while at < bytes.len() {
                if trimmed[at..].starts_with("(;") {
                    depth += 1;
                    at += 2;
                } else if trimmed[at..].starts_with(";)") {
                    depth -= 1;
                    at += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    at += trimmed[at..].chars().next().map_or(1, char::len_utf8);
                }
            }
            rest = &trimmed[at..];
        } else if trimmed.is_empty() {
            return None;
        } else {
            let consumed = text.len() - trimmed.len();
            let line = text[..consumed].matches('\n').count() + 1;
            return Some((line, trimmed));
        }
    }
}

/// Where a module's code is: how many bytes come before its code section
/// (the head: types, imports, memories, tables, exports) and the section's
/// size (0 without code; `u64::MAX` for bytes that do not parse, which the
/// compile then refuses saying why).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CodeSection {
    pub(crate) head: u64,
    pub(crate) size: u64,
}

impl CodeSection {
    /// Where the code section of `binary` is.
    pub(crate) fn of(binary: &[u8]) -> CodeSection {
        let whole = binary.len() as u64;
        let none = CodeSection {
            head: whole,
            size: 0,
        };
        for payload in wasmparser::Parser::new(0).parse_all(binary) {
            match payload {
                Ok(Payload::FunctionSection(section)) if section.count() == 0 => return none,
                Ok(Payload::CodeSectionStart { count, range, size }) => {
                    return CodeSection {
                        // The section's id and size precede its contents.
                        head: range.start as u64,
                        size: if count > 0 { u64::from(size) } else { 0 },
                    };
                }
                Ok(_) => {}
                Err(_) => {
                    return CodeSection {
                        head: whole,
                        size: u64::MAX,
                    }
                }
            }
        }
        none
    }
}

/// The byte offset a validator reports for invalid bytes, if it finds one.
pub(crate) fn invalid_offset(binary: &[u8]) -> Option<usize> {
    let mut validator = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
    validator.validate_all(binary).err().map(|e| e.offset())
}

/// The payloads of `binary`'s custom sections named `name`, in order.
pub(crate) fn custom_sections(binary: &[u8], name: &str) -> Vec<Vec<u8>> {
    wasmparser::Parser::new(0)
        .parse_all(binary)
        .map_while(|p| p.ok())
        .filter_map(|payload| match payload {
            Payload::CustomSection(s) if s.name() == name => Some(s.data().to_vec()),
            _ => None,
        })
        .collect()
}
