//! Precompiled artifacts (`.cwasm`): a module's optimized native code as the
//! engine serializes it, followed by the module's wasm bytes, so that builds
//! with fuel or deadlines can still be compiled from the same file.

/// Ends every artifact, after the lengths of its two parts.
const MAGIC: &[u8; 8] = b"RWCWASM1";
const TRAILER: usize = 8 + 8 + MAGIC.len();

/// True for bytes that are native code (an ELF image), not wasm or WAT.
pub(crate) fn is_precompiled(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x7fELF")
}

/// The artifact of `code` (the engine's serialization) and `binary`.
pub(crate) fn join(mut code: Vec<u8>, binary: &[u8]) -> Vec<u8> {
    let code_len = code.len() as u64;
    code.extend_from_slice(binary);
    code.extend_from_slice(&code_len.to_le_bytes());
    code.extend_from_slice(&(binary.len() as u64).to_le_bytes());
    code.extend_from_slice(MAGIC);
    code
}

/// The native code and the wasm bytes of an artifact `join` made; `None`
/// for anything else (a truncated file, another tool's `.cwasm`).
pub(crate) fn split(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let body = bytes.len().checked_sub(TRAILER)?;
    let (parts, trailer) = bytes.split_at(body);
    let (lengths, magic) = trailer.split_at(16);
    if magic != MAGIC {
        return None;
    }
    let code_len = usize::try_from(u64::from_le_bytes(lengths[..8].try_into().ok()?)).ok()?;
    let wasm_len = usize::try_from(u64::from_le_bytes(lengths[8..].try_into().ok()?)).ok()?;
    if code_len.checked_add(wasm_len)? != body {
        return None;
    }
    Some(parts.split_at(code_len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_undoes_join_and_refuses_the_rest() {
        let artifact = join(b"\x7fELFcode".to_vec(), b"\0asm\x01\0\0\0");
        assert!(is_precompiled(&artifact));
        assert_eq!(
            split(&artifact),
            Some((&b"\x7fELFcode"[..], &b"\0asm\x01\0\0\0"[..]))
        );
        assert_eq!(split(&artifact[..artifact.len() - 1]), None);
        assert_eq!(split(&artifact[1..]), None);
        assert_eq!(split(b"\x7fELF"), None);
    }
}
