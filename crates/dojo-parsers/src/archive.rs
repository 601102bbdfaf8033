//! Reading zip uploads safely: member count and sizes are capped so a zip
//! bomb cannot exhaust memory, and member names are never used as paths.

use std::io::{Cursor, Read};

use crate::error::{one_line, ParseError};

/// Largest single member we inflate.
pub const MAX_MEMBER_BYTES: u64 = 64 * 1024 * 1024;
/// Largest total we inflate across members.
pub const MAX_TOTAL_BYTES: u64 = 256 * 1024 * 1024;
const MAX_MEMBERS: usize = 10_000;

fn zip_err(e: impl std::fmt::Display) -> ParseError {
    ParseError::InvalidFormat(one_line(&format!("bad zip archive: {e}")))
}

/// The archive's regular files as (name, contents), in archive order.
pub fn read_members(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, ParseError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(zip_err)?;
    if archive.len() > MAX_MEMBERS {
        return Err(ParseError::invalid("zip archive has too many members"));
    }
    let mut out = Vec::new();
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let member = archive.by_index(i).map_err(zip_err)?;
        if member.is_dir() {
            continue;
        }
        let name = member.name().to_string();
        // The declared size can lie, so the read itself is capped too.
        let mut data = Vec::new();
        member
            .take(MAX_MEMBER_BYTES + 1)
            .read_to_end(&mut data)
            .map_err(zip_err)?;
        let len = data.len() as u64;
        if len > MAX_MEMBER_BYTES {
            return Err(ParseError::invalid(format!(
                "zip member {name} is larger than {MAX_MEMBER_BYTES} bytes"
            )));
        }
        total += len;
        if total > MAX_TOTAL_BYTES {
            return Err(ParseError::invalid("zip archive expands to too much data"));
        }
        out.push((name, data));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error() {
        assert!(read_members(b"not a zip").is_err());
        assert!(read_members(b"").is_err());
    }
}
